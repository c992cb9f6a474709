import { afterEach, describe, expect, it } from 'vitest'

import { OFF, rememberedSubtitles, rememberSubtitles, subtitlesKey } from './subtitleChoice'

afterEach(() => window.localStorage.clear())

describe('the remembered subtitles', () => {
  it('is kept per profile, under cinema.subtitles.<profileId>', () => {
    expect(subtitlesKey()).toBe('cinema.subtitles.default')
    expect(rememberedSubtitles()).toBe(OFF)
    rememberSubtitles('ru')
    expect(window.localStorage.getItem('cinema.subtitles.default')).toBe('ru')

    window.localStorage.setItem('cinema.profile', 'p-1')
    expect(subtitlesKey()).toBe('cinema.subtitles.p-1')
    expect(rememberedSubtitles()).toBe(OFF) // another profile chose nothing yet
    rememberSubtitles('en')
    expect(rememberedSubtitles()).toBe('en')

    window.localStorage.removeItem('cinema.profile')
    expect(rememberedSubtitles()).toBe('ru')
  })
})
