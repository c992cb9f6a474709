// The signed-in session lives in memory only: the access token here, the refresh token in the
// httpOnly cookie the API sets (scoped to /api/v1/auth). A reload restores the session through
// that cookie; nothing of it is ever written to localStorage.
import { useSyncExternalStore } from 'react'

const REFRESH_URL = '/api/v1/auth/refresh'
const EARLY_MS = 60_000 // refresh a minute before the access token expires

interface Session {
  accessToken: string
  expiresAt: number
}

let current: Session | null = null
let timer: ReturnType<typeof setTimeout> | undefined
let inflight: Promise<boolean> | null = null
const listeners = new Set<() => void>()
const endListeners = new Set<() => void>()

function emit(): void {
  for (const listener of listeners) listener()
}

export function accessToken(): string | null {
  return current?.accessToken ?? null
}

export function startSession(token: { access_token: string; expires_in: number }): void {
  current = { accessToken: token.access_token, expiresAt: Date.now() + token.expires_in * 1000 }
  clearTimeout(timer)
  timer = setTimeout(() => void refreshSession(), Math.max(5_000, token.expires_in * 1000 - EARLY_MS))
  emit()
}

export function endSession(): void {
  current = null
  clearTimeout(timer)
  for (const listener of endListeners) listener()
  emit()
}

/** Calls `listener` whenever the session ends (sign-out, or a refresh the API refused). */
export function onSessionEnd(listener: () => void): () => void {
  endListeners.add(listener)
  return () => endListeners.delete(listener)
}

async function postRefresh(): Promise<Response> {
  const post = () =>
    fetch(REFRESH_URL, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-Requested-With': 'cinema-web' },
    })
  // The refresh token is single-use and a second presentation revokes the whole family
  // (API.md), so two tabs restoring at once would sign each other out: one refresh at a time
  // across every tab of the site, each sending the cookie the one before it rotated.
  if (typeof navigator !== 'undefined' && 'locks' in navigator) {
    return await navigator.locks.request('cinema-refresh', post)
  }
  return post()
}

/** Trades the refresh cookie for a new pair. Concurrent callers share one request. */
export function refreshSession(): Promise<boolean> {
  inflight ??= (async () => {
    try {
      const response = await postRefresh()
      if (!response.ok) {
        endSession()
        return false
      }
      startSession(await response.json())
      return true
    } catch {
      return false // offline: keep what we have, the next request tries again
    } finally {
      inflight = null
    }
  })()
  return inflight
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener)
  return () => listeners.delete(listener)
}

export function useAccessToken(): string | null {
  return useSyncExternalStore(subscribe, accessToken)
}
