import { useQuery } from '@tanstack/react-query'

import { api, unwrap } from '../../lib/api/client'

export function useLiveEvents() {
  return useQuery({
    queryKey: ['live'],
    queryFn: async ({ signal }) =>
      unwrap(await api.GET('/api/v1/live', { params: { query: { limit: 50 } }, signal })),
    refetchInterval: 15_000,
  })
}

/** One event, polled so that the page notices when it goes on air or ends. */
export function useLiveEvent(id: string) {
  return useQuery({
    queryKey: ['live', id],
    queryFn: async ({ signal }) =>
      unwrap(await api.GET('/api/v1/live/{event_id}', { params: { path: { event_id: id } }, signal })),
    refetchInterval: 5_000,
  })
}

export function useLivePlay(id: string, enabled: boolean) {
  return useQuery({
    queryKey: ['live', id, 'play'],
    queryFn: async ({ signal }) =>
      unwrap(await api.GET('/api/v1/live/{event_id}/play', { params: { path: { event_id: id } }, signal })),
    enabled,
    staleTime: Infinity,
    gcTime: 0,
  })
}
