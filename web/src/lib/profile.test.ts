import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { act, renderHook } from '@testing-library/react'
import { createElement, type ReactNode } from 'react'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

import { api } from './api/client'
import {
  PROFILE_KEY,
  chooseProfile,
  chosenProfileId,
  onProfileChangedElsewhere,
  profileHeaderFor,
  subscribeProfile,
  useChosenProfileId,
  useSwitchProfile,
} from './profile'
import { endSession, startSession } from './session'

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } })
}

/** Every request the client makes, with the profile header it carried. */
function recordRequests(): { url: string; profile: string | null }[] {
  const seen: { url: string; profile: string | null }[] = []
  vi.stubGlobal(
    'fetch',
    vi.fn(async (input: Request | string) => {
      const request = input as Request
      seen.push({ url: new URL(request.url).pathname, profile: request.headers.get('X-Profile-Id') })
      return json(200, { items: [] })
    }),
  )
  return seen
}

beforeEach(() => {
  chooseProfile(null)
  window.localStorage.clear()
})

afterEach(() => {
  vi.unstubAllGlobals()
  endSession()
})

describe('the chosen profile', () => {
  it('is kept in localStorage under cinema.profile and forgotten with null', () => {
    chooseProfile('p-kids')
    expect(chosenProfileId()).toBe('p-kids')
    expect(window.localStorage.getItem(PROFILE_KEY)).toBe('p-kids')
    chooseProfile(null)
    expect(chosenProfileId()).toBeNull()
    expect(window.localStorage.getItem(PROFILE_KEY)).toBeNull()
  })

  it('tells its listeners once per change', () => {
    const listener = vi.fn()
    const stop = subscribeProfile(listener)
    chooseProfile('a')
    chooseProfile('a')
    chooseProfile('b')
    stop()
    chooseProfile('c')
    expect(listener).toHaveBeenCalledTimes(2)
  })

  it('is forgotten when the session ends (sign-out, or a refresh the API refused)', () => {
    startSession({ access_token: 't', expires_in: 900 })
    chooseProfile('p-1')
    endSession()
    expect(chosenProfileId()).toBeNull()
    expect(window.localStorage.getItem(PROFILE_KEY)).toBeNull()
  })

  it('follows another tab that switched profile, and says so', () => {
    const elsewhere = vi.fn()
    const stop = onProfileChangedElsewhere(elsewhere)
    window.localStorage.setItem(PROFILE_KEY, 'from-other-tab')
    window.dispatchEvent(new StorageEvent('storage', { key: PROFILE_KEY, newValue: 'from-other-tab' }))
    stop()
    expect(chosenProfileId()).toBe('from-other-tab')
    expect(elsewhere).toHaveBeenCalledTimes(1)
  })

  it('is not sent to sign-in nor to the profiles endpoints themselves', () => {
    chooseProfile('p-1')
    expect(profileHeaderFor('/api/v1/films')).toBe('p-1')
    expect(profileHeaderFor('http://x.test/api/v1/me/history?limit=5')).toBe('p-1')
    expect(profileHeaderFor('/api/v1/me/profiles')).toBeNull()
    expect(profileHeaderFor('/api/v1/me/profiles/p-2')).toBeNull()
    expect(profileHeaderFor('/api/v1/auth/token')).toBeNull()
    expect(profileHeaderFor('/api/v1/me/profilesque')).toBe('p-1')
  })
})

describe('the API client and the profile', () => {
  it('names the chosen profile in X-Profile-Id on a signed-in request', async () => {
    startSession({ access_token: 't', expires_in: 900 })
    chooseProfile('p-kids')
    const seen = recordRequests()
    await api.GET('/api/v1/me/history')
    await api.GET('/api/v1/films')
    expect(seen).toEqual([
      { url: '/api/v1/me/history', profile: 'p-kids' },
      { url: '/api/v1/films', profile: 'p-kids' },
    ])
  })

  it('sends no header when no profile is chosen (the account first profile applies) or nobody is signed in', async () => {
    const seen = recordRequests()
    startSession({ access_token: 't', expires_in: 900 })
    await api.GET('/api/v1/films')
    endSession()
    window.localStorage.setItem(PROFILE_KEY, 'left-over')
    await api.GET('/api/v1/films')
    expect(seen.map((s) => s.profile)).toEqual([null, null])
  })

  it('keeps the header on the retry after a silent refresh', async () => {
    startSession({ access_token: 'old', expires_in: 900 })
    chooseProfile('p-1')
    const seen: (string | null)[] = []
    vi.stubGlobal(
      'fetch',
      vi.fn(async (input: Request | string) => {
        const url = typeof input === 'string' ? input : input.url
        if (url.endsWith('/auth/refresh')) return json(200, { access_token: 'new', expires_in: 900 })
        const request = input as Request
        seen.push(request.headers.get('X-Profile-Id'))
        return request.headers.get('Authorization') === 'Bearer new' ? json(200, {}) : json(401, {})
      }),
    )
    await api.GET('/api/v1/me/history')
    expect(seen).toEqual(['p-1', 'p-1'])
  })
})

describe('switching profile', () => {
  it('drops every cached answer of the profile: nothing of the previous one can be shown', async () => {
    const client = new QueryClient()
    client.setQueryData(['films', 'list'], ['an 18+ film'])
    client.setQueryData(['me', 'history'], ['watched by the parent'])
    client.setQueryData(['profiles', true], ['the account profiles'])
    const wrapper = ({ children }: { children: ReactNode }) =>
      createElement(QueryClientProvider, { client }, children)
    const { result } = renderHook(() => ({ switchTo: useSwitchProfile(), id: useChosenProfileId() }), { wrapper })
    expect(result.current.id).toBeNull()
    await act(() => result.current.switchTo('p-kids'))
    expect(result.current.id).toBe('p-kids')
    expect(window.localStorage.getItem(PROFILE_KEY)).toBe('p-kids')
    expect(client.getQueryData(['films', 'list'])).toBeUndefined()
    // the account's profile list is not the profile's: it stays (no flicker of the header)
    expect(client.getQueryData(['profiles', true])).toEqual(['the account profiles'])
    expect(client.getQueryData(['me', 'history'])).toBeUndefined()
  })
})
