import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { Link, Navigate, useNavigate, useSearchParams } from 'react-router'

import { Button } from '../../components/Button'
import { ErrorMessage } from '../../components/ErrorMessage'
import { Spinner } from '../../components/Spinner'
import { useChosenProfileId, useSwitchProfile } from '../../lib/profile'
import { useAccessToken } from '../../lib/session'
import { MAX_PROFILES, useCurrentProfile, useProfiles, type Profile } from './api'
import { Avatar, ProfileIcon } from './Avatar'
import { PinPrompt } from './PinPrompt'
import { ProfileForm } from './ProfileForm'

/** Where to go once a profile is chosen: only a path of this app, never another site. */
function useNext(): string {
  const [params] = useSearchParams()
  const next = params.get('next') ?? '/'
  return next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/profiles') ? next : '/'
}

type Editing = { profile?: Profile; pin?: string } | null

/** "Who is watching?": choose a profile (its PIN first when it has one), or manage them. */
export function ProfilesPage() {
  const { t } = useTranslation()
  const token = useAccessToken()
  const navigate = useNavigate()
  const next = useNext()
  const profiles = useProfiles()
  const chosenId = useChosenProfileId()
  const switchTo = useSwitchProfile()
  const watching = useCurrentProfile().profile
  const [managing, setManaging] = useState(false)
  const [editing, setEditing] = useState<Editing>(null)
  const [asking, setAsking] = useState<{ profile: Profile; purpose: 'switch' | 'edit' } | null>(null)

  if (token === null) return <Navigate to={`/login?next=${encodeURIComponent('/profiles')}`} replace />

  async function enter(profile: Profile) {
    await switchTo(profile.id)
    navigate(next, { replace: true })
  }

  function pick(profile: Profile) {
    if (managing) {
      if (profile.has_pin) setAsking({ profile, purpose: 'edit' })
      else setEditing({ profile })
    } else if (profile.has_pin) {
      setAsking({ profile, purpose: 'switch' })
    } else {
      void enter(profile)
    }
  }

  function passed(pin: string) {
    if (!asking) return
    const { profile, purpose } = asking
    setAsking(null)
    if (purpose === 'edit') setEditing({ profile, pin })
    else void enter(profile)
  }

  const items = profiles.data ?? []
  const current = items.find((p) => p.id === chosenId)?.id
  // A child does not manage the family's profiles (as on the big platforms); an account whose
  // profiles are all kids ones still can, or nobody could.
  const canManage = !(watching?.is_kids ?? false) || items.every((p) => p.is_kids)

  return (
    <div className="profiles-page">
      <header className="profiles-top">
        <Link to="/" className="brand" aria-label={t('brand')}>
          <span className="brand-mark" aria-hidden="true">
            ▶
          </span>
          <span className="brand-name">{t('brand')}</span>
        </Link>
      </header>
      <main id="main" className="profiles-main">
        {editing ? (
          <ProfileForm
            key={editing.profile?.id ?? 'new'}
            profile={editing.profile}
            pin={editing.pin}
            onDone={() => setEditing(null)}
          />
        ) : (
          <>
            <h1>{managing ? t('profiles.manageTitle') : t('profiles.whoIsWatching')}</h1>
            {managing ? <p className="muted">{t('profiles.manageHint')}</p> : null}
            {profiles.isPending ? <Spinner /> : null}
            <ErrorMessage error={profiles.error} onRetry={() => void profiles.refetch()} />
            <ul className={`profile-tiles ${managing ? 'managing' : ''}`}>
              {items.map((profile) => (
                <li key={profile.id} className="profile-item">
                  <button
                    type="button"
                    className={`profile-tile ${profile.id === current ? 'current' : ''}`}
                    onClick={() => pick(profile)}
                  >
                    <span className="profile-face">
                      <Avatar name={profile.name} />
                      {managing ? (
                        <span className="profile-badge profile-edit">
                          <ProfileIcon name="pencil" />
                        </span>
                      ) : profile.has_pin ? (
                        <span className="profile-badge profile-lock">
                          <ProfileIcon name="lock" />
                        </span>
                      ) : null}
                    </span>
                    <span className="profile-name">
                      {managing ? <span className="visually-hidden">{t('profiles.editPrefix')} </span> : null}
                      {profile.name}
                      {!managing && profile.has_pin ? (
                        <span className="visually-hidden"> {t('profiles.lockedSuffix')}</span>
                      ) : null}
                    </span>
                  </button>
                  <span className="profile-meta">
                    {profile.is_kids ? <span className="badge badge-kids">{t('profiles.kidsBadge')}</span> : null}
                    {profile.max_age_rating !== '18+' ? <span className="badge">{profile.max_age_rating}</span> : null}
                  </span>
                </li>
              ))}
              {managing && !profiles.isPending && items.length < MAX_PROFILES ? (
                <li className="profile-item">
                  <button type="button" className="profile-tile profile-add" onClick={() => setEditing({})}>
                    <span className="profile-face">
                      <span className="avatar avatar-large avatar-add" aria-hidden="true">
                        <ProfileIcon name="plus" />
                      </span>
                    </span>
                    <span className="profile-name">{t('profiles.add')}</span>
                  </button>
                </li>
              ) : null}
            </ul>
            {managing && items.length >= MAX_PROFILES ? (
              <p className="muted center-text">{t('profiles.limitReached', { max: MAX_PROFILES })}</p>
            ) : null}
            <div className="actions center">
              {managing ? (
                <Button onClick={() => setManaging(false)}>{t('profiles.done')}</Button>
              ) : canManage ? (
                <Button variant="secondary" onClick={() => setManaging(true)}>
                  {t('profiles.manage')}
                </Button>
              ) : null}
            </div>
          </>
        )}
      </main>
      {asking ? (
        <PinPrompt
          key={asking.profile.id + asking.purpose}
          profile={asking.profile}
          purpose={asking.purpose}
          onPassed={passed}
          onClose={() => setAsking(null)}
        />
      ) : null}
    </div>
  )
}
