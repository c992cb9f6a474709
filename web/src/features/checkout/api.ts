import { useMutation, useQuery } from '@tanstack/react-query'

import { api, unwrap } from '../../lib/api/client'
import { rememberIntent } from '../../lib/checkout'
import { useAccessToken } from '../../lib/session'

export function usePlans() {
  return useQuery({
    queryKey: ['plans'],
    queryFn: async ({ signal }) => unwrap(await api.GET('/api/v1/plans', { signal })),
    staleTime: 10 * 60_000,
  })
}

export function useSubscription(poll = false) {
  const token = useAccessToken()
  return useQuery({
    queryKey: ['me', 'subscription'],
    queryFn: async ({ signal }) => unwrap(await api.GET('/api/v1/me/subscription', { signal })),
    enabled: token !== null,
    refetchInterval: poll ? 1_000 : false,
  })
}

export function useFilmAccess(filmId: string | undefined, poll: boolean) {
  const token = useAccessToken()
  return useQuery({
    queryKey: ['film', filmId, 'me'],
    queryFn: async ({ signal }) =>
      unwrap(await api.GET('/api/v1/me/films/{film_id}', { params: { path: { film_id: filmId ?? '' } }, signal })),
    enabled: token !== null && Boolean(filmId),
    refetchInterval: poll ? 1_000 : false,
  })
}

export function useSubscribe() {
  return useMutation({
    mutationFn: async ({ planId, filmId }: { planId: string; filmId?: string }) => {
      const checkout = unwrap(
        await api.POST('/api/v1/payments/checkout', { body: { kind: 'subscription', plan_id: planId } }),
      )
      rememberIntent({ kind: 'subscription', film_id: filmId })
      return checkout
    },
    onSuccess: (checkout) => window.location.assign(checkout.checkout_url),
  })
}
