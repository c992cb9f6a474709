import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'

import { api, unwrap, type Schemas } from '../../lib/api/client'
import { usePaged } from '../../lib/paged'
import { rememberIntent } from '../../lib/checkout'
import { useAccessToken } from '../../lib/session'

export type Film = Schemas['FilmOut']
export type Review = Schemas['ReviewOut']

export function useFilm(id: string) {
  return useQuery({
    queryKey: ['film', id],
    queryFn: async ({ signal }) =>
      unwrap(await api.GET('/api/v1/films/{film_id}', { params: { path: { film_id: id } }, signal })),
  })
}

/** Up to 12 published films like this one, best first (GET /films/{id}/similar). */
export function useSimilarFilms(id: string) {
  return useQuery({
    queryKey: ['film', id, 'similar'],
    queryFn: async ({ signal }) =>
      unwrap(await api.GET('/api/v1/films/{film_id}/similar', { params: { path: { film_id: id } }, signal })),
  })
}

/** What this film is to the signed-in viewer: favorite, rating, entitlement, where they stopped. */
export function useFilmState(id: string) {
  const token = useAccessToken()
  return useQuery({
    queryKey: ['film', id, 'me'],
    queryFn: async ({ signal }) =>
      unwrap(await api.GET('/api/v1/me/films/{film_id}', { params: { path: { film_id: id } }, signal })),
    enabled: token !== null,
  })
}

export function useReviews(filmId: string) {
  return usePaged(['film', filmId, 'reviews'], async (cursor, signal) =>
    unwrap(
      await api.GET('/api/v1/films/{film_id}/reviews', {
        params: { path: { film_id: filmId }, query: { cursor, limit: 10 } },
        signal,
      }),
    ),
  )
}

function useFilmMutation<T>(filmId: string, fn: (vars: T) => Promise<unknown>) {
  const client = useQueryClient()
  return useMutation({
    mutationFn: fn,
    onSettled: () => Promise.all([client.invalidateQueries({ queryKey: ['film', filmId] }), client.invalidateQueries({ queryKey: ['me'] })]),
  })
}

export function useRate(filmId: string) {
  return useFilmMutation(filmId, async (score: number | null) => {
    const path = { film_id: filmId }
    if (score === null) unwrap(await api.DELETE('/api/v1/films/{film_id}/rating', { params: { path } }))
    else unwrap(await api.PUT('/api/v1/films/{film_id}/rating', { params: { path }, body: { score } }))
  })
}

export function useFavorite(filmId: string) {
  return useFilmMutation(filmId, async (on: boolean) => {
    const path = { film_id: filmId }
    if (on) unwrap(await api.PUT('/api/v1/me/favorites/{film_id}', { params: { path } }))
    else unwrap(await api.DELETE('/api/v1/me/favorites/{film_id}', { params: { path } }))
  })
}

export function usePostReview(filmId: string) {
  return useFilmMutation(filmId, async (body: Schemas['ReviewIn']) =>
    unwrap(await api.POST('/api/v1/films/{film_id}/reviews', { params: { path: { film_id: filmId } }, body })),
  )
}

export function useEditReview(filmId: string) {
  return useFilmMutation(filmId, async ({ id, body }: { id: string; body: Schemas['ReviewPatch'] }) =>
    unwrap(await api.PATCH('/api/v1/reviews/{review_id}', { params: { path: { review_id: id } }, body })),
  )
}

export function useDeleteReview(filmId: string) {
  return useFilmMutation(filmId, async (id: string) =>
    unwrap(await api.DELETE('/api/v1/reviews/{review_id}', { params: { path: { review_id: id } } })),
  )
}

export function useBuyFilm(filmId: string) {
  return useMutation({
    mutationFn: async () =>
      unwrap(await api.POST('/api/v1/payments/checkout', { body: { kind: 'film', film_id: filmId } })),
    onSuccess: (checkout) => {
      rememberIntent({ kind: 'film', film_id: filmId })
      window.location.assign(checkout.checkout_url)
    },
  })
}
