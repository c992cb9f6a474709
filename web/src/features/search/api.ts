import { keepPreviousData, useQuery } from '@tanstack/react-query'

import { api, unwrap } from '../../lib/api/client'

/** Search as you type: TanStack Query aborts the request of a query that is no longer wanted. */
export function useSuggestions(q: string) {
  return useQuery({
    queryKey: ['search', q],
    queryFn: async ({ signal }) =>
      unwrap(await api.GET('/api/v1/films', { params: { query: { q, limit: 6 } }, signal })),
    enabled: q.length >= 2,
    placeholderData: keepPreviousData,
    staleTime: 60_000,
  })
}
