import { useTranslation } from 'react-i18next'
import { Link, NavLink, Outlet, useNavigate, useRouteError } from 'react-router'

import { ErrorMessage } from '../components/ErrorMessage'
import { useLogout } from '../features/auth/api'
import { SearchBox } from '../features/search/SearchBox'
import { hasRole, useMe } from '../lib/me'
import { LANGUAGES } from './i18n'

function UserMenu() {
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
  return (
    <div className="shell">
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
          <NavLink to="/live" className="nav-link">
            {t('nav.live')}
          </NavLink>
          <NavLink to="/subscribe" className="nav-link">
            {t('nav.subscribe')}
          </NavLink>
        </nav>
        <SearchBox />
        <UserMenu />
      </header>
      <main id="main" className="content">
        <Outlet />
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
