import { useTranslation } from 'react-i18next'

import { describeError } from '../lib/errors'

export function ErrorMessage({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { t } = useTranslation()
  if (!error) return null
  return (
    <div className="alert alert-error" role="alert">
      <span>{describeError(error, t)}</span>
      {onRetry ? (
        <button type="button" className="link-button" onClick={onRetry}>
          {t('common.retry')}
        </button>
      ) : null}
    </div>
  )
}
