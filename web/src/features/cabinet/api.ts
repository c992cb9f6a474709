import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'

import { api, unwrap, type Schemas } from '../../lib/api/client'
import { usePaged } from '../../lib/paged'

const PAGE = 20

export const useHistory = () =>
  usePaged(['me', 'history'], async (cursor, signal) =>
    unwrap(await api.GET('/api/v1/me/history', { params: { query: { cursor, limit: PAGE } }, signal })),
  )

export const useContinue = () =>
  usePaged(['me', 'continue-watching'], async (cursor, signal) =>
    unwrap(await api.GET('/api/v1/me/continue-watching', { params: { query: { cursor, limit: PAGE } }, signal })),
  )

export const useFavorites = () =>
  usePaged(['me', 'favorites'], async (cursor, signal) =>
    unwrap(await api.GET('/api/v1/me/favorites', { params: { query: { cursor, limit: PAGE } }, signal })),
  )

export const usePayments = () =>
  usePaged(['me', 'payments'], async (cursor, signal) =>
    unwrap(await api.GET('/api/v1/me/payments', { params: { query: { cursor, limit: PAGE } }, signal })),
  )

export function useSubscription() {
  return useQuery({
    queryKey: ['me', 'subscription'],
    queryFn: async ({ signal }) => unwrap(await api.GET('/api/v1/me/subscription', { signal })),
  })
}

export function usePortal() {
  return useMutation({
    mutationFn: async () => unwrap(await api.POST('/api/v1/payments/portal', {})),
    onSuccess: (portal) => window.location.assign(portal.url),
  })
}

export function useUpdateProfile() {
  const client = useQueryClient()
  return useMutation({
    mutationFn: async (body: Schemas['ProfilePatch']) => unwrap(await api.PATCH('/api/v1/users/me', { body })),
    onSuccess: () => client.invalidateQueries({ queryKey: ['me'] }),
  })
}

export function useChangePassword() {
  return useMutation({
    mutationFn: async (body: Schemas['PasswordChangeIn']) =>
      unwrap(await api.POST('/api/v1/users/me/password', { body })),
  })
}
