import { useState, type FormEvent } from 'react'
import { useTranslation } from 'react-i18next'

import { Button } from '../../components/Button'
import { Dialog } from '../../components/Dialog'
import { ErrorMessage } from '../../components/ErrorMessage'
import { ApiError } from '../../lib/errors'
import { PIN_PATTERN, useCheckPin, type Profile } from './api'
import { PinError } from './PinError'

/**
 * Asks for a protected profile's 4-digit PIN and checks it with the API before `onPassed`
 * (switching to the profile, or opening its settings) gets it.
 */
export function PinPrompt({
  profile,
  purpose,
  onPassed,
  onClose,
}: {
  profile: Profile
  purpose: 'switch' | 'edit'
  onPassed: (pin: string) => void
  onClose: () => void
}) {
  const { t } = useTranslation()
  const check = useCheckPin()
  const [pin, setPin] = useState('')
  // too many wrong PINs: nothing to try until the wait the message names is over
  const locked = check.error instanceof ApiError && check.error.status === 429

  function submit(event: FormEvent) {
    event.preventDefault()
    if (!PIN_PATTERN.test(pin)) return
    check.mutate(
      { id: profile.id, pin },
      {
        onSuccess: () => onPassed(pin),
        onError: (error) => {
          if (error instanceof ApiError && (error.status === 403 || error.status === 429)) setPin('')
        },
      },
    )
  }

  return (
    <Dialog open title={t('profiles.pinTitle', { name: profile.name })} onClose={onClose}>
      <form className="form pin-form" onSubmit={submit}>
        <p className="muted">{purpose === 'switch' ? t('profiles.pinToSwitch') : t('profiles.pinToEdit')}</p>
        <label>
          {t('profiles.pin')}
          <input
            className="pin-input"
            type="password"
            inputMode="numeric"
            autoComplete="off"
            pattern="\d{4}"
            maxLength={4}
            required
            autoFocus
            readOnly={check.isPending}
            disabled={locked}
            value={pin}
            aria-invalid={check.isError || undefined}
            onChange={(e) => setPin(e.target.value.replace(/\D/g, '').slice(0, 4))}
          />
        </label>
        {check.error instanceof ApiError && (check.error.status === 403 || check.error.status === 429) ? (
          <PinError error={check.error} />
        ) : (
          <ErrorMessage error={check.error} />
        )}
        <div className="actions">
          <Button type="submit" busy={check.isPending} disabled={pin.length !== 4 || locked}>
            {t('profiles.pinSubmit')}
          </Button>
          <Button variant="ghost" onClick={onClose}>
            {t('common.cancel')}
          </Button>
        </div>
      </form>
    </Dialog>
  )
}
