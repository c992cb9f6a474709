// What the app shell needs to know about profiles: whether the viewer must first say who is
// watching, and whether a kids profile is.
import { useQueryClient } from '@tanstack/react-query'
import { useEffect } from 'react'

import {
  chooseProfile,
  onProfileChangedElsewhere,
  resetForProfile,
  useChosenProfileId,
  useSwitchProfile,
} from '../../lib/profile'
import { useCurrentProfile, useProfiles, type Profile } from './api'

export function useProfileGate(): {
  waiting: boolean
  mustChoose: boolean
  profile: Profile | undefined
  kids: boolean
} {
  const client = useQueryClient()
  const switchTo = useSwitchProfile()
  const chosenId = useChosenProfileId()
  const { profile, chosen, profiles } = useCurrentProfile()
  const query = useProfiles()

  // A choice this account does not have (deleted on another device): forget it.
  const stale = profiles !== undefined && chosenId !== null && !chosen
  useEffect(() => {
    if (stale) void switchTo(null)
  }, [stale, switchTo])

  // One profile: it is the one watching (what the API answered without the header already), and
  // remembering it spares the next page load the wait for the list below.
  const only = profiles?.length === 1 ? profiles[0]?.id : undefined
  useEffect(() => {
    if (only && chosenId === null) chooseProfile(only)
  }, [only, chosenId])

  // Another tab switched profile: what this one shows belongs to the old one.
  useEffect(() => onProfileChangedElsewhere(() => void resetForProfile(client)), [client])

  return {
    // nothing chosen yet and the list not known: the first profile's pages must not flash by
    // before the "who is watching?" screen
    waiting: chosenId === null && query.isPending && query.fetchStatus !== 'idle',
    mustChoose: profiles !== undefined && profiles.length > 1 && !chosen,
    profile: stale ? undefined : profile,
    kids: !stale && profile?.is_kids === true,
  }
}
