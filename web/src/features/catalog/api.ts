import { useInfiniteQuery, useQuery } from '@tanstack/react-query'

import { api, unwrap } from '../../lib/api/client'

export interface Filters {
  genre: string[]
  year_from?: number
  year_to?: number
  rating_min?: number
  country?: string
  q?: string
  sort?: string
}

const PAGE = 24

export function useCatalog(filters: Filters) {
  return useInfiniteQuery({
    queryKey: ['films', 'catalog', filters],
    queryFn: async ({ pageParam, signal }) =>
      unwrap(
        await api.GET('/api/v1/films', {
          params: { query: { ...filters, cursor: pageParam ?? undefined, limit: PAGE } },
          signal,
        }),
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  })
}

export function useGenres() {
  return useQuery({
    queryKey: ['genres'],
    queryFn: async ({ signal }) => unwrap(await api.GET('/api/v1/genres', { signal })),
    staleTime: 10 * 60_000,
  })
}
