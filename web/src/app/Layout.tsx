import { useTranslation } from 'react-i18next'
import { Link, Navigate, NavLink, Outlet, useLocation, useNavigate, useRouteError } from 'react-router'

import { ErrorMessage } from '../components/ErrorMessage'
import { Spinner } from '../components/Spinner'
import { useLogout } from '../features/auth/api'
import type { Profile } from '../features/profiles/api'
import { Avatar } from '../features/profiles/Avatar'
import { useProfileGate } from '../features/profiles/gate'
import { SearchBox } from '../features/search/SearchBox'
import { hasRole, useMe } from '../lib/me'
import { LANGUAGES } from './i18n'

const AUTH_PAGES = /^\/(login|register|forgot-password|reset-password)\/?$/

/** Who is watching, and the way to the "who is watching?" screen to switch. */
function ProfileSwitch({ profile }: { profile: Profile }) {
  const { t } = useTranslation()
  return (
    <Link to="/profiles" className="profile-switch" title={t('profiles.switch')}>
      <Avatar name={profile.name} size="small" />
      <span className="profile-switch-name">
        <span className="visually-hidden">{t('profiles.switchPrefix')} </span>
        {profile.name}
        <span className="visually-hidden"> {t('profiles.switchSuffix')}</span>
      </span>
    </Link>
  )
}

function UserMenu({ profile, kids }: { profile: Profile | undefined; kids: boolean }) {
  const { t } = useTranslation()
  const { me, signedIn } = useMe()
  const logout = useLogout()
  const navigate = useNavigate()
  if (!signedIn) {
    return (
      <div className="user-menu">
        <Link to="/login" className="btn btn-secondary btn-small">
          {t('nav.signIn')}
        </Link>
      </div>
    )
  }
  // A kids profile: no staff area, account or sign-out; switching profile is the way back.
  if (kids) {
    return <div className="user-menu">{profile ? <ProfileSwitch profile={profile} /> : null}</div>
  }
  return (
    <div className="user-menu">
      {hasRole(me, 'moderator') ? (
        <NavLink to="/admin" className="nav-link">
          {t('nav.admin')}
        </NavLink>
      ) : null}
      <NavLink to="/account" className="nav-link" title={me?.email}>
        {t('nav.account')}
      </NavLink>
      <button
        type="button"
        className="link-button"
        onClick={() => logout.mutate(undefined, { onSettled: () => navigate('/') })}
      >
        {t('nav.signOut')}
      </button>
      {profile ? <ProfileSwitch profile={profile} /> : null}
    </div>
  )
}

function LanguageSwitch() {
  const { i18n, t } = useTranslation()
  return (
    <label className="lang-switch">
      <span className="visually-hidden">{t('nav.language')}</span>
      <select value={i18n.language} onChange={(e) => void i18n.changeLanguage(e.target.value)}>
        {LANGUAGES.map((lang) => (
          <option key={lang} value={lang}>
            {lang.toUpperCase()}
          </option>
        ))}
      </select>
    </label>
  )
}

export function Layout() {
  const { t } = useTranslation()
  const location = useLocation()
  const { signedIn } = useMe()
  const { waiting, mustChoose, profile, kids } = useProfileGate()
  // The sign-in pages go on to where they were sent from (kept mounted until they do): the
  // question waits for that page.
  const asking = signedIn && !AUTH_PAGES.test(location.pathname)
  if (asking && mustChoose) {
    const here = location.pathname + location.search
    return <Navigate to={`/profiles?next=${encodeURIComponent(here)}`} replace />
  }
  const isKids = signedIn && kids
  return (
    <div className={isKids ? 'shell kids' : 'shell'}>
      <a href="#main" className="skip-link">
        {t('nav.skip')}
      </a>
      <header className="topbar">
        <Link to="/" className="brand" aria-label={t('brand')}>
          <span className="brand-mark" aria-hidden="true">
            ▶
          </span>
          <span className="brand-name">{t('brand')}</span>
        </Link>
        <nav className="main-nav" aria-label={t('nav.main')}>
          <NavLink to="/films" className="nav-link">
            {t('nav.catalog')}
          </NavLink>
          {/* live events carry no age rating: not for a kids profile */}
          {isKids ? null : (
            <>
              <NavLink to="/live" className="nav-link">
                {t('nav.live')}
              </NavLink>
              <NavLink to="/subscribe" className="nav-link">
                {t('nav.subscribe')}
              </NavLink>
            </>
          )}
        </nav>
        <SearchBox />
        <UserMenu profile={signedIn ? profile : undefined} kids={isKids} />
      </header>
      <main id="main" className="content">
        {asking && waiting ? <Spinner /> : <Outlet />}
      </main>
      <footer className="footer">
        <span>{t('footer')}</span>
        <LanguageSwitch />
      </footer>
    </div>
  )
}

export function NotFound() {
  const { t } = useTranslation()
  return (
    <div className="page narrow center-text">
      <h1>{t('errors.pageNotFound')}</h1>
      <Link to="/">{t('nav.home')}</Link>
    </div>
  )
}

export function RouteError() {
  const error = useRouteError()
  return (
    <div className="page narrow">
      <ErrorMessage error={error} onRetry={() => window.location.reload()} />
    </div>
  )
}
