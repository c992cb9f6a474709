// Every error the API can answer reaches the person in words.
import type { TFunction } from 'i18next'

export class ApiError extends Error {
  readonly status: number
  readonly detail: unknown
  readonly retryAfter: number | null

  constructor(status: number, detail: unknown, retryAfter: number | null = null) {
    super(`HTTP ${status}`)
    this.status = status
    this.detail = detail
    this.retryAfter = retryAfter
  }
}

interface ValidationItem {
  loc?: (string | number)[]
  msg?: string
}

/** The API's own words, when it sent any: a string detail or the first validation message. */
export function detailText(detail: unknown): string | null {
  if (typeof detail === 'string') return detail
  if (Array.isArray(detail) && detail.length > 0) {
    const first = detail[0] as ValidationItem
    const field = first.loc?.filter((part) => part !== 'body' && part !== 'query').join('.')
    return field ? `${field}: ${first.msg ?? ''}` : (first.msg ?? null)
  }
  return null
}

export function describeError(error: unknown, t: TFunction): string {
  if (error instanceof ApiError) {
    const words = detailText(error.detail)
    switch (error.status) {
      case 401:
        return t('errors.unauthorized')
      case 402:
        return t('errors.paymentRequired')
      case 403:
        return t('errors.forbidden')
      case 404:
        return t('errors.notFound')
      case 413:
        return t('errors.tooLarge')
      case 429:
        return error.retryAfter
          ? t('errors.rateLimitedFor', { seconds: error.retryAfter })
          : t('errors.rateLimited')
      default:
        if (error.status >= 500) return t('errors.server')
        return words ?? t('errors.generic', { status: error.status })
    }
  }
  if (error instanceof TypeError) return t('errors.network')
  return t('errors.unknown')
}
