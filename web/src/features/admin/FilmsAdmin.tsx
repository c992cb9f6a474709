import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { Link } from 'react-router'

import { Button } from '../../components/Button'
import { ErrorMessage } from '../../components/ErrorMessage'
import { Spinner } from '../../components/Spinner'
import { money } from '../../lib/format'
import { useAdminFilms } from './api'

export function FilmsAdmin() {
  const { t, i18n } = useTranslation()
  const [q, setQ] = useState('')
  const [status, setStatus] = useState<'' | 'draft' | 'published'>('')
  const films = useAdminFilms({ q: q.trim() || undefined, status: status || undefined })
  const items = films.data?.pages.flatMap((p) => p.items) ?? []
  return (
    <div>
      <div className="page-head">
        <h1>{t('admin.films')}</h1>
        <span className="muted">{films.data?.pages[0]?.total ?? ''}</span>
        <Link to="/admin/films/new" className="btn btn-primary">
          + {t('admin.film.new')}
        </Link>
      </div>
      <div className="toolbar">
        <input type="search" aria-label={t('admin.searchFilms')} placeholder={t('admin.searchFilms')} value={q} onChange={(e) => setQ(e.target.value)} />
        <select aria-label={t('admin.status')} value={status} onChange={(e) => setStatus(e.target.value as typeof status)}>
          <option value="">{t('admin.allStatuses')}</option>
          <option value="draft">{t('filmStatus.draft')}</option>
          <option value="published">{t('filmStatus.published')}</option>
        </select>
      </div>
      <ErrorMessage error={films.error} />
      {films.isPending ? <Spinner /> : null}
      <table className="table">
        <thead>
          <tr>
            <th>{t('admin.film.title')}</th>
            <th>{t('admin.film.year')}</th>
            <th>{t('admin.film.access')}</th>
            <th>{t('admin.status')}</th>
          </tr>
        </thead>
        <tbody>
          {items.map((f) => (
            <tr key={f.id}>
              <td>
                <Link to={`/admin/films/${f.id}`}>{f.title}</Link>
              </td>
              <td>{f.year}</td>
              <td>
                {t(`access.${f.access}`)}
                {f.price ? ` · ${money(f.price.amount, f.price.currency, i18n.language)}` : ''}
              </td>
              <td>
                <span className={`badge status-${f.status}`}>{t(`filmStatus.${f.status}`)}</span>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {films.hasNextPage ? (
        <Button variant="secondary" busy={films.isFetchingNextPage} onClick={() => void films.fetchNextPage()}>
          {t('common.more')}
        </Button>
      ) : null}
    </div>
  )
}
