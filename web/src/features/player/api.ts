import { useQuery } from '@tanstack/react-query'

import { api, unwrap } from '../../lib/api/client'
import { chosenProfileId } from '../../lib/profile'
import { accessToken } from '../../lib/session'

export function usePlay(filmId: string, enabled: boolean) {
  return useQuery({
    queryKey: ['play', filmId],
    queryFn: async ({ signal }) =>
      unwrap(await api.GET('/api/v1/films/{film_id}/play', { params: { path: { film_id: filmId } }, signal })),
    enabled,
    staleTime: Infinity, // a grant lasts hours; a new one is asked for when the edge refuses
    gcTime: 0,
  })
}

export function useFilmAndState(filmId: string, enabled: boolean) {
  const film = useQuery({
    queryKey: ['film', filmId],
    queryFn: async ({ signal }) =>
      unwrap(await api.GET('/api/v1/films/{film_id}', { params: { path: { film_id: filmId } }, signal })),
  })
  const state = useQuery({
    queryKey: ['film', filmId, 'me'],
    queryFn: async ({ signal }) =>
      unwrap(await api.GET('/api/v1/me/films/{film_id}', { params: { path: { film_id: filmId } }, signal })),
    enabled,
    staleTime: 0,
  })
  return { film, state }
}

/**
 * One heartbeat. `keepalive` lets the last one leave with the page (tab closed, navigation);
 * failures are not worth a word to the viewer: the next heartbeat carries the same news.
 */
export function sendProgress(filmId: string, position: number): void {
  const token = accessToken()
  if (!token) return
  // the profile watching: its history and resume point, not the account's first profile's
  const headers: Record<string, string> = { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` }
  const profile = chosenProfileId()
  if (profile) headers['X-Profile-Id'] = profile
  void fetch(`/api/v1/films/${encodeURIComponent(filmId)}/progress`, {
    method: 'PUT',
    keepalive: true,
    headers,
    body: JSON.stringify({ position_seconds: Math.max(0, Math.floor(position)) }),
  }).catch(() => undefined)
}
