import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { Link } from 'react-router'

import { Button } from '../../components/Button'
import { ErrorMessage } from '../../components/ErrorMessage'
import { Spinner } from '../../components/Spinner'
import { date } from '../../lib/format'
import { useModerate, useModerationQueue } from './api'

export function Moderation() {
  const { t, i18n } = useTranslation()
  const [filter, setFilter] = useState<'all' | 'visible' | 'hidden'>('visible')
  const queue = useModerationQueue(filter === 'all' ? undefined : filter === 'hidden')
  const moderate = useModerate()
  const items = queue.data?.pages.flatMap((p) => p.items) ?? []
  return (
    <div>
      <h1>{t('admin.moderation')}</h1>
      <div className="tabs" role="group" aria-label={t('admin.moderation')}>
        {(['visible', 'hidden', 'all'] as const).map((f) => (
          <button key={f} type="button" className={`tab ${filter === f ? 'tab-on' : ''}`} aria-pressed={filter === f} onClick={() => setFilter(f)}>
            {t(`admin.reviews.${f}`)}
          </button>
        ))}
      </div>
      <ErrorMessage error={queue.error ?? moderate.error} />
      {queue.isPending ? <Spinner /> : null}
      {queue.isSuccess && items.length === 0 ? <p className="empty">{t('admin.reviews.empty')}</p> : null}
      <ul className="review-list">
        {items.map((r) => (
          <li key={r.id} className={`review ${r.hidden ? 'review-hidden' : ''}`}>
            <div className="review-head">
              <Link to={`/films/${r.film_id}`}>{r.film.title}</Link>
              <strong>{r.author.display_name}</strong>
              <span className="muted">{date(r.created_at, i18n.language)}</span>
              {r.hidden ? <span className="badge badge-warn">{t('reviews.hidden')}</span> : null}
            </div>
            {r.title ? <h3>{r.title}</h3> : null}
            <p className="review-body">{r.body}</p>
            <Button
              variant={r.hidden ? 'secondary' : 'danger'}
              busy={moderate.isPending && moderate.variables?.id === r.id}
              onClick={() => moderate.mutate({ id: r.id, hidden: !r.hidden })}
            >
              {r.hidden ? t('admin.reviews.unhide') : t('admin.reviews.hide')}
            </Button>
          </li>
        ))}
      </ul>
      {queue.hasNextPage ? (
        <Button variant="secondary" busy={queue.isFetchingNextPage} onClick={() => void queue.fetchNextPage()}>
          {t('common.more')}
        </Button>
      ) : null}
    </div>
  )
}
