import { useTranslation } from 'react-i18next'

import { ApiError } from '../../lib/errors'

/** A wrong PIN (403) or too many wrong ones (429, with how long to wait), in words. */
export function PinError({ error }: { error: ApiError }) {
  const { t } = useTranslation()
  let text = t('profiles.wrongPin')
  if (error.status === 429) {
    const seconds = error.retryAfter ?? 0
    text =
      seconds >= 60
        ? t('profiles.pinLockedMinutes', { count: Math.ceil(seconds / 60) })
        : seconds > 0
          ? t('profiles.pinLockedSeconds', { count: seconds })
          : t('profiles.pinLocked')
  }
  return (
    <div className="alert alert-error" role="alert">
      <span>{text}</span>
    </div>
  )
}
