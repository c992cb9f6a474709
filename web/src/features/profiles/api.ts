// The account's profiles (GET/POST /me/profiles, PATCH/DELETE /me/profiles/{id}) and which of
// them is watching in this browser.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'

import { api, unwrap, type Schemas } from '../../lib/api/client'
import {
  PROFILES_QUERY_KEY,
  chosenProfileId,
  resetForProfile,
  useChosenProfileId,
  useSwitchProfile,
} from '../../lib/profile'
import { useAccessToken } from '../../lib/session'

export type Profile = Schemas['ProfileOut']
export type AgeRating = Profile['max_age_rating']

export const AGE_RATINGS: readonly AgeRating[] = ['0+', '6+', '12+', '16+', '18+']
export const KIDS_MAX: AgeRating = '12+'
export const MAX_PROFILES = 5
export const NAME_MAX = 40
export const PIN_PATTERN = /^\d{4}$/

/** The age ratings a profile may be limited to: a kids profile goes up to 12+ only. */
export function ratingsFor(isKids: boolean): readonly AgeRating[] {
  return isKids ? AGE_RATINGS.slice(0, AGE_RATINGS.indexOf(KIDS_MAX) + 1) : AGE_RATINGS
}

export function useProfiles() {
  const token = useAccessToken()
  return useQuery({
    queryKey: [PROFILES_QUERY_KEY, token !== null],
    queryFn: async ({ signal }) => unwrap(await api.GET('/api/v1/me/profiles', { signal })).items,
    enabled: token !== null,
    staleTime: 60_000,
  })
}

/**
 * The profile that is watching: the chosen one, or the account's first (the API's default)
 * when none is chosen. `chosen` is false in the second case.
 */
export function useCurrentProfile(): { profile: Profile | undefined; chosen: boolean; profiles: Profile[] | undefined } {
  const chosenId = useChosenProfileId()
  const { data } = useProfiles()
  const chosen = chosenId ? data?.find((p) => p.id === chosenId) : undefined
  return { profile: chosen ?? data?.[0], chosen: chosen !== undefined, profiles: data }
}

/** Asks the API whether `pin` is the profile's PIN: a PATCH that changes nothing (200 or 403/429). */
export function useCheckPin() {
  return useMutation({
    mutationFn: async ({ id, pin }: { id: string; pin: string }) =>
      unwrap(await api.PATCH('/api/v1/me/profiles/{profile_id}', { params: { path: { profile_id: id } }, body: { pin } })),
  })
}

export interface ProfileFields {
  name: string
  max_age_rating: AgeRating
  is_kids: boolean
}

export function useCreateProfile() {
  const client = useQueryClient()
  return useMutation({
    mutationFn: async (body: ProfileFields & { pin?: string }) =>
      unwrap(await api.POST('/api/v1/me/profiles', { body })),
    onSettled: () => client.invalidateQueries({ queryKey: [PROFILES_QUERY_KEY] }),
  })
}

export function useUpdateProfile() {
  const client = useQueryClient()
  return useMutation({
    mutationFn: async ({
      id,
      ...body
    }: { id: string; pin?: string; new_pin?: string | null } & Partial<ProfileFields>) =>
      unwrap(await api.PATCH('/api/v1/me/profiles/{profile_id}', { params: { path: { profile_id: id } }, body })),
    onSuccess: async (_profile, { id }) => {
      // the watching profile's limit changed: every list and page may now differ
      if (id === chosenProfileId()) await resetForProfile(client)
    },
    onSettled: () => client.invalidateQueries({ queryKey: [PROFILES_QUERY_KEY] }),
  })
}

export function useDeleteProfile() {
  const client = useQueryClient()
  const switchTo = useSwitchProfile()
  return useMutation({
    mutationFn: async ({ id, pin }: { id: string; pin?: string }) => {
      unwrap(
        await api.DELETE('/api/v1/me/profiles/{profile_id}', {
          params: { path: { profile_id: id } },
          headers: pin ? { 'X-Profile-Pin': pin } : {},
        }),
      )
    },
    onSuccess: async (_none, { id }) => {
      if (id === chosenProfileId()) await switchTo(null)
    },
    onSettled: () => client.invalidateQueries({ queryKey: [PROFILES_QUERY_KEY] }),
  })
}
