import { useState, type FormEvent } from 'react'
import { useTranslation } from 'react-i18next'

import { Button } from '../../components/Button'
import { Dialog } from '../../components/Dialog'
import { ErrorMessage } from '../../components/ErrorMessage'
import { ApiError } from '../../lib/errors'
import {
  KIDS_MAX,
  NAME_MAX,
  PIN_PATTERN,
  ratingsFor,
  useCreateProfile,
  useDeleteProfile,
  useUpdateProfile,
  type AgeRating,
  type Profile,
} from './api'
import { Avatar } from './Avatar'
import { PinError } from './PinError'

type PinChoice = 'keep' | 'set' | 'remove'

/** The API's refusals this form can explain better than the generic words. */
function FormError({ error }: { error: unknown }) {
  const { t } = useTranslation()
  if (error instanceof ApiError && (error.status === 403 || error.status === 429)) return <PinError error={error} />
  if (error instanceof ApiError && error.status === 409) {
    return (
      <div className="alert alert-error" role="alert">
        <span>{t('profiles.tooMany')}</span>
      </div>
    )
  }
  return <ErrorMessage error={error} />
}

/**
 * Adds a profile (no `profile`) or changes one. A protected profile's settings open only after
 * its PIN was checked (`pin`), which every change and the deletion then send.
 */
export function ProfileForm({ profile, pin, onDone }: { profile?: Profile; pin?: string; onDone: () => void }) {
  const { t } = useTranslation()
  const create = useCreateProfile()
  const update = useUpdateProfile()
  const remove = useDeleteProfile()
  const [name, setName] = useState(profile?.name ?? '')
  const [isKids, setIsKids] = useState(profile?.is_kids ?? false)
  const [rating, setRating] = useState<AgeRating>(profile?.max_age_rating ?? '18+')
  const [pinChoice, setPinChoice] = useState<PinChoice>('keep')
  const [newPin, setNewPin] = useState('')
  const [confirming, setConfirming] = useState(false)
  const saving = profile ? update : create
  const ratings = ratingsFor(isKids)
  const id = profile?.id ?? 'new'
  const wantsPin = profile ? pinChoice === 'set' : newPin !== ''

  function toggleKids(on: boolean) {
    setIsKids(on)
    // a child's profile starts at 6+ (the API's default for one); the limit can go up to 12+
    if (on && !ratingsFor(true).includes(rating)) setRating('6+')
  }

  function submit(event: FormEvent) {
    event.preventDefault()
    const fields = { name: name.trim(), max_age_rating: rating, is_kids: isKids }
    if (!fields.name || (wantsPin && !PIN_PATTERN.test(newPin))) return
    if (!profile) {
      create.mutate({ ...fields, ...(newPin ? { pin: newPin } : {}) }, { onSuccess: onDone })
      return
    }
    update.mutate(
      {
        id: profile.id,
        ...fields,
        ...(pin ? { pin } : {}),
        ...(pinChoice === 'set' ? { new_pin: newPin } : pinChoice === 'remove' ? { new_pin: null } : {}),
      },
      { onSuccess: onDone },
    )
  }

  const pinInput = (label: string) => (
    <label>
      {label}
      <input
        className="pin-input"
        type="password"
        inputMode="numeric"
        autoComplete="new-password"
        pattern="\d{4}"
        maxLength={4}
        required={profile !== undefined}
        value={newPin}
        onChange={(e) => setNewPin(e.target.value.replace(/\D/g, '').slice(0, 4))}
        aria-describedby={`pin-hint-${id}`}
      />
      <span id={`pin-hint-${id}`} className="hint">
        {t('profiles.pinHint')}
      </span>
    </label>
  )

  return (
    <form className="card form profile-form" onSubmit={submit} aria-labelledby={`profile-form-${id}`}>
      <div className="profile-form-head">
        <Avatar name={name || '?'} />
        <h2 id={`profile-form-${id}`}>{profile ? t('profiles.editTitle') : t('profiles.addTitle')}</h2>
      </div>
      <label>
        {t('profiles.name')}
        <input required maxLength={NAME_MAX} autoComplete="off" value={name} onChange={(e) => setName(e.target.value)} />
      </label>
      <label className="check">
        <input type="checkbox" checked={isKids} onChange={(e) => toggleKids(e.target.checked)} />
        <span>
          {t('profiles.kids')}
          <span className="hint block">{t('profiles.kidsHint', { max: KIDS_MAX })}</span>
        </span>
      </label>
      <label>
        {t('profiles.ageLimit')}
        <select value={rating} onChange={(e) => setRating(e.target.value as AgeRating)}>
          {ratings.map((r) => (
            <option key={r} value={r}>
              {t(`profiles.rating.${r}`)}
            </option>
          ))}
        </select>
      </label>

      {!profile ? (
        pinInput(t('profiles.pinOptional'))
      ) : (
        <fieldset className="pin-choice">
          <legend>{t('profiles.pin')}</legend>
          <label className="check">
            <input type="radio" name={`pin-${id}`} checked={pinChoice === 'keep'} onChange={() => setPinChoice('keep')} />
            <span>{profile.has_pin ? t('profiles.pinKeep') : t('profiles.pinNone')}</span>
          </label>
          <label className="check">
            <input type="radio" name={`pin-${id}`} checked={pinChoice === 'set'} onChange={() => setPinChoice('set')} />
            <span>{profile.has_pin ? t('profiles.pinChange') : t('profiles.pinSet')}</span>
          </label>
          {profile.has_pin ? (
            <label className="check">
              <input
                type="radio"
                name={`pin-${id}`}
                checked={pinChoice === 'remove'}
                onChange={() => setPinChoice('remove')}
              />
              <span>{t('profiles.pinRemove')}</span>
            </label>
          ) : null}
          {pinChoice === 'set' ? pinInput(t('profiles.newPin')) : null}
        </fieldset>
      )}

      <FormError error={saving.error} />
      <div className="actions">
        <Button type="submit" busy={saving.isPending}>
          {profile ? t('common.save') : t('profiles.create')}
        </Button>
        <Button variant="ghost" onClick={onDone}>
          {t('common.cancel')}
        </Button>
      </div>
      {profile ? (
        <div className="profile-form-danger">
          <Button variant="danger" onClick={() => setConfirming(true)}>
            {t('profiles.delete')}
          </Button>
        </div>
      ) : null}

      {profile && confirming ? (
        <Dialog open title={t('profiles.deleteTitle', { name: profile.name })} onClose={() => setConfirming(false)}>
          <p>{t('profiles.deleteWarning')}</p>
          {remove.error instanceof ApiError && remove.error.status === 409 ? (
            <div className="alert alert-error" role="alert">
              <span>{t('profiles.lastProfile')}</span>
            </div>
          ) : remove.error instanceof ApiError && (remove.error.status === 403 || remove.error.status === 429) ? (
            <PinError error={remove.error} />
          ) : (
            <ErrorMessage error={remove.error} />
          )}
          <div className="actions">
            <Button
              variant="danger"
              busy={remove.isPending}
              onClick={() => remove.mutate({ id: profile.id, pin }, { onSuccess: onDone })}
            >
              {t('profiles.deleteConfirm')}
            </Button>
            <Button variant="ghost" onClick={() => setConfirming(false)}>
              {t('common.cancel')}
            </Button>
          </div>
        </Dialog>
      ) : null}
    </form>
  )
}
