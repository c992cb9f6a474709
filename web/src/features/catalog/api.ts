import { useQuery } from '@tanstack/react-query'

import { api, unwrap } from '../../lib/api/client'
import { usePaged } from '../../lib/paged'

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
  return usePaged(['films', 'catalog', filters], async (cursor, signal) =>
    unwrap(await api.GET('/api/v1/films', { params: { query: { ...filters, cursor, limit: PAGE } }, signal })),
  )
}

export function useGenres() {
  return useQuery({
    queryKey: ['genres'],
    queryFn: async ({ signal }) => unwrap(await api.GET('/api/v1/genres', { signal })),
    staleTime: 10 * 60_000,
  })
}
