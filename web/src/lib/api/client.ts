// The one configured API client: generated types, same-origin base URL, the access token from
// memory, the chosen profile (X-Profile-Id) of a signed-in viewer, and one silent refresh on a
// 401 before the request is tried again.
import createClient from 'openapi-fetch'

import { ApiError } from '../errors'
import { PROFILE_HEADER, profileHeaderFor } from '../profile'
import { accessToken, refreshSession } from '../session'
import type { components, paths } from './schema'

export type Schemas = components['schemas']

const NO_RETRY = /\/api\/v1\/auth\/(token|refresh|logout|register)$/

async function authedFetch(request: Request): Promise<Response> {
  const retry = request.clone()
  const token = accessToken()
  if (token) request.headers.set('Authorization', `Bearer ${token}`)
  const profile = token ? profileHeaderFor(request.url) : null
  if (profile) {
    request.headers.set(PROFILE_HEADER, profile)
    retry.headers.set(PROFILE_HEADER, profile)
  }
  const response = await fetch(request)
  if (response.status !== 401 || !token || NO_RETRY.test(new URL(request.url).pathname)) return response
  if (!(await refreshSession())) return response
  retry.headers.set('Authorization', `Bearer ${accessToken() ?? ''}`)
  return fetch(retry)
}

export const api = createClient<paths>({ baseUrl: window.location.origin, fetch: authedFetch })

interface Answer<T> {
  data?: T
  error?: unknown
  response: Response
}

/** The body of a 2xx answer, or an ApiError that says what went wrong. */
export function unwrap<T>(answer: Answer<T>): T {
  if (answer.response.ok) return answer.data as T
  const detail = (answer.error as { detail?: unknown } | undefined)?.detail ?? answer.error
  const retryAfter = Number(answer.response.headers.get('Retry-After')) || null
  throw new ApiError(answer.response.status, detail, retryAfter)
}
