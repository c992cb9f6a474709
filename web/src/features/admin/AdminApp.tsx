import { useTranslation } from 'react-i18next'
import { Navigate, NavLink, Route, Routes } from 'react-router'

import { Spinner } from '../../components/Spinner'
import { hasRole, useMe } from '../../lib/me'
import { Dashboard } from './Dashboard'
import { EditFilmPage, NewFilmPage } from './FilmEditor'
import { FilmsAdmin } from './FilmsAdmin'
import { GenresAdmin } from './GenresAdmin'
import { LiveAdmin } from './LiveAdmin'
import { Moderation } from './Moderation'
import { UsersAdmin } from './UsersAdmin'

/** The staff area: admins manage everything; moderators see the review queue only. */
export default function AdminApp() {
  const { t } = useTranslation()
  const { me, signedIn, loading } = useMe()
  if (!signedIn) return <Navigate to="/login?next=/admin" replace />
  if (loading) return <Spinner />
  if (!hasRole(me, 'moderator')) return <p className="alert alert-error page narrow">{t('errors.forbidden')}</p>
  const admin = hasRole(me, 'admin')
  return (
    <div className="page admin">
      <nav className="tabs admin-nav" aria-label={t('nav.admin')}>
        {admin ? (
          <>
            <NavLink end to="/admin" className={({ isActive }) => `tab ${isActive ? 'tab-on' : ''}`}>
              {t('admin.dashboard')}
            </NavLink>
            <NavLink to="/admin/films" className={({ isActive }) => `tab ${isActive ? 'tab-on' : ''}`}>
              {t('admin.films')}
            </NavLink>
            <NavLink to="/admin/genres" className={({ isActive }) => `tab ${isActive ? 'tab-on' : ''}`}>
              {t('admin.genres')}
            </NavLink>
            <NavLink to="/admin/users" className={({ isActive }) => `tab ${isActive ? 'tab-on' : ''}`}>
              {t('admin.users')}
            </NavLink>
            <NavLink to="/admin/live" className={({ isActive }) => `tab ${isActive ? 'tab-on' : ''}`}>
              {t('liveAdmin.title')}
            </NavLink>
          </>
        ) : null}
        <NavLink to="/admin/reviews" className={({ isActive }) => `tab ${isActive ? 'tab-on' : ''}`}>
          {t('admin.moderation')}
        </NavLink>
      </nav>
      <Routes>
        <Route index element={admin ? <Dashboard /> : <Navigate to="/admin/reviews" replace />} />
        <Route path="reviews" element={<Moderation />} />
        {admin ? (
          <>
            <Route path="films" element={<FilmsAdmin />} />
            <Route path="films/new" element={<NewFilmPage />} />
            <Route path="films/:filmId" element={<EditFilmPage />} />
            <Route path="genres" element={<GenresAdmin />} />
            <Route path="users" element={<UsersAdmin />} />
            <Route path="live" element={<LiveAdmin />} />
          </>
        ) : null}
        <Route path="*" element={<Navigate to="/admin" replace />} />
      </Routes>
    </div>
  )
}
