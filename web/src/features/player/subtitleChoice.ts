// Which subtitles a viewer chose, remembered per profile in this browser. The one place that
// knows the storage key: `cinema.subtitles.<profileId>`, the profile being the one chosen on the
// "who is watching?" screen (`cinema.profile`), else 'default'.
export const OFF = 'off'

export function subtitlesKey(): string {
  let profileId: string | null = null
  try {
    profileId = window.localStorage.getItem('cinema.profile')
  } catch {
    // storage disabled: one shared choice for the page's lifetime
  }
  return `cinema.subtitles.${profileId ?? 'default'}`
}

/** The remembered choice: a language tag (BCP 47, as the API lists it) or OFF. */
export function rememberedSubtitles(): string {
  try {
    return window.localStorage.getItem(subtitlesKey()) || OFF
  } catch {
    return OFF
  }
}

export function rememberSubtitles(choice: string): void {
  try {
    window.localStorage.setItem(subtitlesKey(), choice)
  } catch {
    // nothing to do: the choice holds until the page closes
  }
}
