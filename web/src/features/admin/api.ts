import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query'

import { api, unwrap, type Schemas } from '../../lib/api/client'
import { usePaged } from '../../lib/paged'

export type AdminFilm = Schemas['FilmOut']

export function useAdminFilms(query: { q?: string; status?: 'draft' | 'published' }) {
  return usePaged(
    ['admin', 'films', query],
    async (cursor, signal) =>
      unwrap(await api.GET('/api/v1/admin/films', { params: { query: { ...query, cursor, limit: 50 } }, signal })),
    { keepPrevious: true },
  )
}

export function useAdminFilm(id: string) {
  return useQuery({
    queryKey: ['admin', 'film', id],
    queryFn: async ({ signal }) =>
      unwrap(await api.GET('/api/v1/admin/films/{film_id}', { params: { path: { film_id: id } }, signal })),
  })
}

function useInvalidateFilms() {
  const client = useQueryClient()
  return () =>
    Promise.all([
      client.invalidateQueries({ queryKey: ['admin'] }),
      client.invalidateQueries({ queryKey: ['films'] }),
      client.invalidateQueries({ queryKey: ['film'] }),
    ])
}

export function useCreateFilm() {
  const invalidate = useInvalidateFilms()
  return useMutation({
    mutationFn: async (body: Schemas['FilmCreate']) => unwrap(await api.POST('/api/v1/admin/films', { body })),
    onSuccess: invalidate,
  })
}

export function useUpdateFilm(id: string) {
  const invalidate = useInvalidateFilms()
  return useMutation({
    mutationFn: async (body: Schemas['FilmPatch']) =>
      unwrap(await api.PATCH('/api/v1/admin/films/{film_id}', { params: { path: { film_id: id } }, body })),
    onSuccess: invalidate,
  })
}

export function useDeleteFilm(id: string) {
  const invalidate = useInvalidateFilms()
  return useMutation({
    mutationFn: async () =>
      unwrap(await api.DELETE('/api/v1/admin/films/{film_id}', { params: { path: { film_id: id } } })),
    onSuccess: invalidate,
  })
}

export function useGenres() {
  return useQuery({
    queryKey: ['genres'],
    queryFn: async ({ signal }) => unwrap(await api.GET('/api/v1/genres', { signal })),
  })
}

export function useGenreMutations() {
  const client = useQueryClient()
  const onSuccess = () => client.invalidateQueries({ queryKey: ['genres'] })
  return {
    create: useMutation({
      mutationFn: async (body: Schemas['GenreIn']) => unwrap(await api.POST('/api/v1/admin/genres', { body })),
      onSuccess,
    }),
    rename: useMutation({
      mutationFn: async ({ slug, name }: { slug: string; name: string }) =>
        unwrap(await api.PATCH('/api/v1/admin/genres/{slug}', { params: { path: { slug } }, body: { name } })),
      onSuccess,
    }),
    remove: useMutation({
      mutationFn: async (slug: string) =>
        unwrap(await api.DELETE('/api/v1/admin/genres/{slug}', { params: { path: { slug } } })),
      onSuccess,
    }),
  }
}

export function useUsers(query: { q?: string; role?: 'user' | 'moderator' | 'admin' }) {
  return usePaged(
    ['admin', 'users', query],
    async (cursor, signal) =>
      unwrap(await api.GET('/api/v1/admin/users', { params: { query: { ...query, cursor, limit: 50 } }, signal })),
    { keepPrevious: true },
  )
}

export function useUpdateUser() {
  const client = useQueryClient()
  return useMutation({
    mutationFn: async ({ id, body }: { id: string; body: Schemas['AdminUserPatch'] }) =>
      unwrap(await api.PATCH('/api/v1/admin/users/{user_id}', { params: { path: { user_id: id } }, body })),
    onSuccess: () => client.invalidateQueries({ queryKey: ['admin', 'users'] }),
  })
}

export function useModerationQueue(hidden: boolean | undefined) {
  return usePaged(['admin', 'reviews', hidden], async (cursor, signal) =>
    unwrap(await api.GET('/api/v1/admin/reviews', { params: { query: { hidden, cursor, limit: 30 } }, signal })),
  )
}

export function useModerate() {
  const client = useQueryClient()
  return useMutation({
    mutationFn: async ({ id, hidden }: { id: string; hidden: boolean }) =>
      unwrap(await api.PATCH('/api/v1/reviews/{review_id}', { params: { path: { review_id: id } }, body: { hidden } })),
    onSuccess: () =>
      Promise.all([
        client.invalidateQueries({ queryKey: ['admin', 'reviews'] }),
        client.invalidateQueries({ queryKey: ['film'] }),
      ]),
  })
}

export function useStats(days: number) {
  return useQuery({
    queryKey: ['admin', 'stats', days],
    queryFn: async ({ signal }) =>
      unwrap(await api.GET('/api/v1/admin/stats', { params: { query: { days } }, signal })),
    placeholderData: keepPreviousData,
  })
}

/** Polled while a transcode runs; completing an upload puts its 'uploaded' state in the cache. */
export async function mediaStatus(filmId: string, signal?: AbortSignal) {
  return unwrap(await api.GET('/api/v1/admin/films/{film_id}/media', { params: { path: { film_id: filmId } }, signal }))
}

export function useMediaStatus(filmId: string) {
  return useQuery({
    queryKey: ['admin', 'media', filmId],
    queryFn: ({ signal }) => mediaStatus(filmId, signal),
    refetchInterval: (query) => {
      const status = query.state.data?.status
      return status === 'uploaded' || status === 'transcoding' ? 2_000 : false
    },
  })
}

export async function startUpload(filmId: string, body: Schemas['UploadIn']) {
  return unwrap(await api.POST('/api/v1/admin/films/{film_id}/upload', { params: { path: { film_id: filmId } }, body }))
}

export async function resumeUpload(filmId: string, uploadId: string) {
  return unwrap(
    await api.GET('/api/v1/admin/films/{film_id}/upload/{upload_id}', {
      params: { path: { film_id: filmId, upload_id: uploadId } },
    }),
  )
}

export async function abortUpload(filmId: string, uploadId: string) {
  return unwrap(
    await api.DELETE('/api/v1/admin/films/{film_id}/upload/{upload_id}', {
      params: { path: { film_id: filmId, upload_id: uploadId } },
    }),
  )
}

export async function completeUpload(filmId: string, body: Schemas['CompleteIn']) {
  return unwrap(
    await api.POST('/api/v1/admin/films/{film_id}/upload/complete', { params: { path: { film_id: filmId } }, body }),
  )
}

export function useAdminLive() {
  return useQuery({
    queryKey: ['admin', 'live'],
    queryFn: async ({ signal }) =>
      unwrap(await api.GET('/api/v1/admin/live', { params: { query: { limit: 50 } }, signal })),
    refetchInterval: 5_000,
  })
}

export function useLiveMutations() {
  const client = useQueryClient()
  const onSuccess = () => client.invalidateQueries({ queryKey: ['admin', 'live'] })
  return {
    create: useMutation({
      mutationFn: async (body: Schemas['LiveEventIn']) => unwrap(await api.POST('/api/v1/admin/live', { body })),
      onSuccess,
    }),
    rotate: useMutation({
      mutationFn: async (id: string) =>
        unwrap(await api.POST('/api/v1/admin/live/{event_id}/rotate-key', { params: { path: { event_id: id } } })),
      onSuccess,
    }),
    end: useMutation({
      mutationFn: async (id: string) =>
        unwrap(await api.POST('/api/v1/admin/live/{event_id}/end', { params: { path: { event_id: id } } })),
      onSuccess,
    }),
  }
}
