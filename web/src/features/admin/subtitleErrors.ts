import type { TFunction } from 'i18next'

import { ApiError, describeError } from '../../lib/errors'

interface ValidationItem {
  loc?: (string | number)[]
  msg?: string
}

/** What went wrong with an upload, in the admin's words: the bad line of a file, the tag. */
export function subtitleError(error: unknown, t: TFunction, language: string): string {
  if (error instanceof ApiError && error.status === 413) return t('subtitles.tooLarge')
  // the change is committed, the playlist is not updated (any other 503: nothing was changed)
  if (error instanceof ApiError && error.status === 503 && String(error.detail).startsWith('the subtitles are saved')) {
    return t('subtitles.notPublished')
  }
  if (error instanceof ApiError && error.status === 422 && Array.isArray(error.detail)) {
    const first = error.detail[0] as ValidationItem | undefined
    const field = first?.loc?.[first.loc.length - 1]
    const msg = first?.msg ?? ''
    if (field === 'file') {
      const line = /^line (\d+): (.*)$/s.exec(msg)
      return line ? t('subtitles.badFile', { line: line[1], reason: line[2] }) : t('subtitles.badFileWhole', { reason: msg })
    }
    if (field === 'language') return t('subtitles.badLanguage', { language })
    if (field === 'label') return t('subtitles.badLabel')
  }
  return describeError(error, t)
}
