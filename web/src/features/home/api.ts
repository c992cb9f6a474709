import { useQuery } from '@tanstack/react-query'

import { api, unwrap } from '../../lib/api/client'
import { useAccessToken } from '../../lib/session'

export function usePopular() {
  return useQuery({
    queryKey: ['films', 'popular'],
    queryFn: async ({ signal }) =>
      unwrap(await api.GET('/api/v1/films/popular', { params: { query: { limit: 20 } }, signal })),
  })
}

export function useFilmRow(query: { genre?: string[]; sort?: string }) {
  return useQuery({
    queryKey: ['films', 'row', query],
    queryFn: async ({ signal }) =>
      unwrap(await api.GET('/api/v1/films', { params: { query: { ...query, limit: 20 } }, signal })),
  })
}

export function useGenres() {
  return useQuery({
    queryKey: ['genres'],
    queryFn: async ({ signal }) => unwrap(await api.GET('/api/v1/genres', { signal })),
    staleTime: 10 * 60_000,
  })
}

/**
 * The home page's "continue watching" row: its first page only. Its key is not the cabinet's
 * (an infinite query of the same list, whose cached answer is `{pages, pageParams}`), but sits
 * under the same prefix, so invalidating `['me', 'continue-watching']` refreshes both.
 */
export function useContinueWatching() {
  const token = useAccessToken()
  return useQuery({
    queryKey: ['me', 'continue-watching', 'row'],
    queryFn: async ({ signal }) =>
      unwrap(await api.GET('/api/v1/me/continue-watching', { params: { query: { limit: 20 } }, signal })),
    enabled: token !== null,
  })
}
