import { useState, type FormEvent } from 'react'
import { useTranslation } from 'react-i18next'
import { Link } from 'react-router'

import { Button } from '../../components/Button'
import { ErrorMessage } from '../../components/ErrorMessage'
import { date } from '../../lib/format'
import { useAdminLive, useLiveMutations } from './api'

interface Key {
  event: string
  stream_key: string
  ingest_url: string
}

/** The key is shown once, here: what OBS needs (server and key), with copy buttons. */
function KeyCard({ shown, onHide }: { shown: Key; onHide: () => void }) {
  const { t } = useTranslation()
  return (
    <div className="card key-card" role="region" aria-label={t('liveAdmin.keyTitle', { title: shown.event })}>
      <h2>{t('liveAdmin.keyTitle', { title: shown.event })}</h2>
      <p className="muted">{t('liveAdmin.keyOnce')}</p>
      <label>
        {t('liveAdmin.server')}
        <span className="copy-row">
          <input readOnly value={shown.ingest_url} />
          <Button variant="secondary" onClick={() => void navigator.clipboard?.writeText(shown.ingest_url)}>
            {t('liveAdmin.copy')}
          </Button>
        </span>
      </label>
      <label>
        {t('liveAdmin.key')}
        <span className="copy-row">
          <input readOnly type="password" value={shown.stream_key} />
          <Button variant="secondary" onClick={() => void navigator.clipboard?.writeText(shown.stream_key)}>
            {t('liveAdmin.copy')}
          </Button>
        </span>
      </label>
      <Button variant="ghost" onClick={onHide}>
        {t('liveAdmin.hide')}
      </Button>
    </div>
  )
}

export function LiveAdmin() {
  const { t, i18n } = useTranslation()
  const events = useAdminLive()
  const { create, rotate, end } = useLiveMutations()
  const [title, setTitle] = useState('')
  const [startsAt, setStartsAt] = useState('')
  const [shown, setShown] = useState<Key | null>(null)

  function submit(event: FormEvent) {
    event.preventDefault()
    create.mutate(
      { title: title.trim(), starts_at: startsAt ? new Date(startsAt).toISOString() : null },
      {
        onSuccess: (created) => {
          setShown({ event: created.title, stream_key: created.stream_key, ingest_url: created.ingest_url })
          setTitle('')
          setStartsAt('')
        },
      },
    )
  }

  return (
    <div>
      <h1>{t('liveAdmin.title')}</h1>
      <form className="toolbar" onSubmit={submit}>
        <input aria-label={t('liveAdmin.eventTitle')} placeholder={t('liveAdmin.eventTitle')} required maxLength={300} value={title} onChange={(e) => setTitle(e.target.value)} />
        <input aria-label={t('liveAdmin.startsAt')} type="datetime-local" value={startsAt} onChange={(e) => setStartsAt(e.target.value)} />
        <Button type="submit" busy={create.isPending}>
          {t('liveAdmin.create')}
        </Button>
      </form>
      {shown ? <KeyCard shown={shown} onHide={() => setShown(null)} /> : null}
      <ErrorMessage error={create.error ?? rotate.error ?? end.error ?? events.error} />
      <table className="table">
        <thead>
          <tr>
            <th>{t('liveAdmin.eventTitle')}</th>
            <th>{t('admin.status')}</th>
            <th>{t('liveAdmin.when')}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {events.data?.items.map((e) => (
            <tr key={e.id}>
              <td>
                <Link to={`/live/${e.id}`}>{e.title}</Link>
              </td>
              <td>
                <span className={`badge ${e.status === 'live' ? 'badge-live' : ''}`}>{t(`liveStatus.${e.status}`)}</span>
              </td>
              <td>
                {e.started_at ?? e.starts_at ? date((e.started_at ?? e.starts_at) as string, i18n.language) : '—'}
                {e.replay_film_id ? (
                  <>
                    {' · '}
                    <Link to={`/admin/films/${e.replay_film_id}`}>{t('liveAdmin.replay')}</Link>
                  </>
                ) : null}
              </td>
              <td className="actions">
                {e.status !== 'ended' ? (
                  <>
                    <Button
                      variant="secondary"
                      onClick={() =>
                        rotate.mutate(e.id, { onSuccess: (key) => setShown({ event: e.title, ...key }) })
                      }
                    >
                      {t('liveAdmin.rotate')}
                    </Button>
                    <Button variant="danger" onClick={() => window.confirm(t('liveAdmin.confirmEnd', { title: e.title })) && end.mutate(e.id)}>
                      {t('liveAdmin.end')}
                    </Button>
                  </>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}
