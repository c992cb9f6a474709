import { useTranslation } from 'react-i18next'
import { Link } from 'react-router'

import { ErrorMessage } from '../../components/ErrorMessage'
import { Spinner } from '../../components/Spinner'
import { date } from '../../lib/format'
import { useLiveEvents } from './api'

export function LivePage() {
  const { t, i18n } = useTranslation()
  const events = useLiveEvents()
  const items = events.data?.items ?? []
  const onAir = items.filter((e) => e.status === 'live')
  const soon = items.filter((e) => e.status === 'scheduled')
  return (
    <div className="page">
      <h1>{t('live.title')}</h1>
      {events.isPending ? <Spinner /> : null}
      <ErrorMessage error={events.error} onRetry={() => void events.refetch()} />
      {events.isSuccess && items.length === 0 ? <p className="empty">{t('live.none')}</p> : null}
      <ul className="live-list">
        {[...onAir, ...soon].map((e) => (
          <li key={e.id} className="card live-card">
            <div>
              {e.status === 'live' ? <span className="badge badge-live">● {t('live.onAir')}</span> : null}
              {e.status === 'scheduled' ? (
                <span className="badge">
                  {e.starts_at ? t('live.startsAt', { date: date(e.starts_at, i18n.language) }) : t('live.soon')}
                </span>
              ) : null}
              <h2>{e.title}</h2>
              {e.description ? <p className="muted">{e.description}</p> : null}
            </div>
            <Link className={`btn ${e.status === 'live' ? 'btn-primary' : 'btn-secondary'}`} to={`/live/${e.id}`}>
              {e.status === 'live' ? t('live.watch') : t('live.open')}
            </Link>
          </li>
        ))}
      </ul>
    </div>
  )
}
