import { useQuery } from '@tanstack/react-query'
import type { ReactNode } from 'react'
import { useTranslation } from 'react-i18next'
import { Link, useParams } from 'react-router'

import { api, unwrap } from '../../lib/api/client'
import { ApiError } from '../../lib/errors'
import { ProfileIcon } from './Avatar'

/** A film above the watching profile's age limit: said plainly, with the ways on. */
export function NotAvailable({ standalone = false }: { standalone?: boolean }) {
  const { t } = useTranslation()
  const body = (
    <div className="page narrow center-text not-available">
      <span className="not-available-mark" aria-hidden="true">
        <ProfileIcon name="lock" size={40} />
      </span>
      <h1>{t('profiles.notAvailableTitle')}</h1>
      <p className="muted">{t('profiles.notAvailableText')}</p>
      <div className="actions center">
        <Link to="/films" className="btn btn-primary">
          {t('profiles.toCatalog')}
        </Link>
        <Link to="/profiles" className="btn btn-secondary">
          {t('profiles.switch')}
        </Link>
      </div>
    </div>
  )
  return standalone ? <main className="profiles-page profiles-main">{body}</main> : body
}

/**
 * The film routes (page and player): the API refuses a film above the profile's age limit with
 * a 403, and this shows the friendly page for it instead of the film's own error. It reads the
 * same cached query the page does (['film', id]), so no extra request is made.
 */
export function FilmGuard({ children, standalone = false }: { children: ReactNode; standalone?: boolean }) {
  const { filmId = '' } = useParams()
  const film = useQuery({
    queryKey: ['film', filmId],
    queryFn: async ({ signal }) =>
      unwrap(await api.GET('/api/v1/films/{film_id}', { params: { path: { film_id: filmId } }, signal })),
  })
  if (film.error instanceof ApiError && film.error.status === 403) return <NotAvailable standalone={standalone} />
  return children
}
