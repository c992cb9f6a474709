import { afterEach, describe, expect, it, vi } from 'vitest'

import { accessToken, endSession, startSession } from '../session'
import { api } from './client'

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } })
}

afterEach(() => {
  vi.unstubAllGlobals()
  endSession()
})

describe('the API client', () => {
  it('sends the in-memory token and refreshes once on a 401, then retries with the new one', async () => {
    startSession({ access_token: 'old', expires_in: 900 })
    const seen: string[] = []
    vi.stubGlobal(
      'fetch',
      vi.fn(async (input: Request | string) => {
        const url = typeof input === 'string' ? input : input.url
        if (url.endsWith('/auth/refresh')) return json(200, { access_token: 'new', expires_in: 900 })
        const auth = (input as Request).headers.get('Authorization') ?? ''
        seen.push(auth)
        return auth === 'Bearer new' ? json(200, { id: 'me' }) : json(401, { detail: 'expired' })
      }),
    )
    const answer = await api.GET('/api/v1/users/me')
    expect(answer.response.status).toBe(200)
    expect(seen).toEqual(['Bearer old', 'Bearer new'])
    expect(accessToken()).toBe('new')
  })

  it('gives up after one failed refresh: no loop, the session ends', async () => {
    startSession({ access_token: 'old', expires_in: 900 })
    const calls = vi.fn(async (input: Request | string) => {
      const url = typeof input === 'string' ? input : input.url
      return url.endsWith('/auth/refresh') ? json(401, { detail: 'spent' }) : json(401, { detail: 'expired' })
    })
    vi.stubGlobal('fetch', calls)
    const answer = await api.GET('/api/v1/users/me')
    expect(answer.response.status).toBe(401)
    expect(calls).toHaveBeenCalledTimes(2)
    expect(accessToken()).toBeNull()
  })
})
