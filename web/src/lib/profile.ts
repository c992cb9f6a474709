// Who is watching: the profile this browser chose for the signed-in account. Kept in
// localStorage under `cinema.profile` (an id, never a credential: the PIN is never stored) so a
// reload and the other tabs keep it; cleared when the session ends. Every API request of a
// signed-in viewer names it in `X-Profile-Id` (lib/api/client.ts); without one the API acts for
// the account's first profile.
import { useQueryClient, type QueryClient } from '@tanstack/react-query'
import { useCallback, useSyncExternalStore } from 'react'

import { onSessionEnd } from './session'

export const PROFILE_KEY = 'cinema.profile'
export const PROFILE_HEADER = 'X-Profile-Id'

// Requests that must not carry the header: signing in and out, and the profiles themselves
// (listing them is how a stale choice is noticed and dropped).
const WITHOUT_PROFILE = /^\/api\/v1\/(auth\/|me\/profiles(\/|$))/

const listeners = new Set<() => void>()
const elsewhere = new Set<() => void>()

function read(): string | null {
  try {
    return window.localStorage.getItem(PROFILE_KEY) || null
  } catch {
    return null // storage disabled: the account's first profile applies
  }
}

let current: string | null = read()

function emit(): void {
  for (const listener of listeners) listener()
}

/** The chosen profile's id, or null when none is chosen (the API then uses the first one). */
export function chosenProfileId(): string | null {
  return current
}

/** Remembers the choice (null forgets it). Callers that show data use useSwitchProfile. */
export function chooseProfile(id: string | null): void {
  if (id === current) return
  current = id
  try {
    if (id) window.localStorage.setItem(PROFILE_KEY, id)
    else window.localStorage.removeItem(PROFILE_KEY)
  } catch {
    // storage disabled: the choice lasts as long as the tab
  }
  emit()
}

/** The header a request to `url` carries, if any. */
export function profileHeaderFor(url: string): string | null {
  if (!current) return null
  const path = new URL(url, window.location.origin).pathname
  return WITHOUT_PROFILE.test(path) ? null : current
}

// Signing out (or a session that could not be restored) forgets who was watching: the next
// person to sign in on this browser chooses again.
onSessionEnd(() => chooseProfile(null))

// Another tab chose another profile: this one follows (the listeners reset what it shows).
if (typeof window !== 'undefined') {
  window.addEventListener('storage', (event) => {
    if (event.key !== PROFILE_KEY && event.key !== null) return
    const next = read()
    if (next === current) return
    current = next
    emit()
    for (const listener of elsewhere) listener()
  })
}

/** Calls `listener` when another tab of this site switches profile. */
export function onProfileChangedElsewhere(listener: () => void): () => void {
  elsewhere.add(listener)
  return () => elsewhere.delete(listener)
}

export function subscribeProfile(listener: () => void): () => void {
  listeners.add(listener)
  return () => listeners.delete(listener)
}

export function useChosenProfileId(): string | null {
  return useSyncExternalStore(subscribeProfile, chosenProfileId)
}

/** The query key of the account's profile list: the one cached answer the profile does not change. */
export const PROFILES_QUERY_KEY = 'profiles'

/**
 * Drops every cached answer that belongs to the profile and fetches again what is on screen.
 * The profile list stays (it is the account's), so the header and the kids look do not flicker.
 */
export async function resetForProfile(client: QueryClient): Promise<void> {
  const ofProfile = { predicate: (query: { queryKey: readonly unknown[] }) => query.queryKey[0] !== PROFILES_QUERY_KEY }
  await client.cancelQueries(ofProfile)
  await client.resetQueries(ofProfile)
}

/**
 * Switches to another profile: lists, film pages, history, favorites and ratings all differ per
 * profile (and a kids profile must never see an adult one's cached page), so every cached answer
 * is dropped and what is on screen is fetched again for the new profile.
 */
export function useSwitchProfile(): (id: string | null) => Promise<void> {
  const client = useQueryClient()
  return useCallback(
    async (id: string | null) => {
      chooseProfile(id)
      await resetForProfile(client)
    },
    [client],
  )
}
