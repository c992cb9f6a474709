import type { TFunction } from 'i18next'
import { describe, expect, it } from 'vitest'

import { ApiError } from '../../lib/errors'
import { subtitleError } from './subtitleErrors'

const t = ((key: string, options?: Record<string, unknown>) =>
  options ? `${key} ${JSON.stringify(options)}` : key) as unknown as TFunction

const invalid = (field: string, msg: string) => new ApiError(422, [{ loc: ['body', field], msg, type: 'value_error' }])

describe('what a refused subtitle upload says', () => {
  it('names the bad line of the file', () => {
    expect(subtitleError(invalid('file', "line 6: '00:00:03,000 -> x' is not a cue timing"), t, 'de')).toBe(
      `subtitles.badFile ${JSON.stringify({ line: '6', reason: "'00:00:03,000 -> x' is not a cue timing" })}`,
    )
    expect(subtitleError(invalid('file', 'the file is empty'), t, 'de')).toBe(
      `subtitles.badFileWhole ${JSON.stringify({ reason: 'the file is empty' })}`,
    )
  })

  it('explains the tag, the size and a playlist not updated', () => {
    expect(subtitleError(invalid('language', 'x'), t, 'english')).toBe(
      `subtitles.badLanguage ${JSON.stringify({ language: 'english' })}`,
    )
    expect(subtitleError(new ApiError(413, 'request body too large'), t, 'en')).toBe('subtitles.tooLarge')
    expect(subtitleError(new ApiError(503, 'the subtitles are saved, but ...'), t, 'en')).toBe('subtitles.notPublished')
    expect(subtitleError(new ApiError(503, 'video storage cannot be reached right now'), t, 'en')).toBe('errors.server')
  })
})
