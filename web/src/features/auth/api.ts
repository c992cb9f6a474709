import { useMutation, useQueryClient } from '@tanstack/react-query'

import { api, unwrap } from '../../lib/api/client'
import { endSession, startSession } from '../../lib/session'

async function signIn(email: string, password: string): Promise<void> {
  const token = unwrap(
    await api.POST('/api/v1/auth/token', {
      body: { username: email, password, grant_type: 'password', scope: '' },
      bodySerializer: (body) => new URLSearchParams(body as Record<string, string>),
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    }),
  )
  startSession(token)
}

export function useSignIn() {
  const client = useQueryClient()
  return useMutation({
    mutationFn: ({ email, password }: { email: string; password: string }) => signIn(email, password),
    onSuccess: () => client.invalidateQueries(),
  })
}

export function useRegister() {
  const client = useQueryClient()
  return useMutation({
    mutationFn: async (body: { email: string; password: string; display_name?: string }) => {
      unwrap(await api.POST('/api/v1/auth/register', { body }))
      await signIn(body.email, body.password)
    },
    onSuccess: () => client.invalidateQueries(),
  })
}

export function useLogout() {
  const client = useQueryClient()
  return useMutation({
    // the refresh token is in the httpOnly cookie; the API spends it and clears the cookie
    mutationFn: async () => {
      await api.POST('/api/v1/auth/logout', {})
    },
    onSettled: () => {
      endSession()
      client.clear()
    },
  })
}

export function useRequestReset() {
  return useMutation({
    mutationFn: async (email: string) =>
      unwrap(await api.POST('/api/v1/auth/password-reset', { body: { email } })),
  })
}

export function useConfirmReset() {
  return useMutation({
    mutationFn: async (body: { token: string; new_password: string }) =>
      unwrap(await api.POST('/api/v1/auth/password-reset/confirm', { body })),
  })
}
