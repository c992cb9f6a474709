import { useEffect, useRef } from 'react'
import { useTranslation } from 'react-i18next'
import { Link, Navigate, useParams } from 'react-router'

import { ErrorMessage } from '../../components/ErrorMessage'
import { Icon } from '../../components/Icon'
import { Spinner } from '../../components/Spinner'
import { ApiError } from '../../lib/errors'
import { date } from '../../lib/format'
import { useHls } from '../../lib/hls/useHls'
import { useMe } from '../../lib/me'
import { useLiveEvent, useLivePlay } from './api'

export default function LiveWatchPage() {
  const { eventId = '' } = useParams()
  const { t, i18n } = useTranslation()
  const { signedIn } = useMe()
  const event = useLiveEvent(eventId)
  const live = event.data?.status === 'live'
  const play = useLivePlay(eventId, signedIn && live)
  const video = useRef<HTMLVideoElement>(null)
  const { problem } = useHls(video, live ? play.data : undefined, { live: true })

  useEffect(() => {
    if (play.data && live) void video.current?.play().catch(() => undefined)
  }, [play.data, live])

  if (!signedIn) return <Navigate to={`/login?next=${encodeURIComponent(`/live/${eventId}`)}`} replace />
  if (event.isPending) return <Spinner />
  if (event.error) return <div className="page narrow"><ErrorMessage error={event.error} /></div>
  const e = event.data
  const refused = play.error instanceof ApiError && play.error.status === 402

  return (
    <div className="player-page">
      <video ref={video} className="player-video" playsInline controls aria-label={e.title} hidden={!live} />
      <div className="player-top">
        <Link className="player-btn" to="/live" aria-label={t('common.back')}>
          <Icon name="back" />
        </Link>
        <span className="player-title">{e.title}</span>
        {live ? <span className="badge badge-live">● {t('live.onAir')}</span> : null}
      </div>
      {e.status === 'scheduled' ? (
        <div className="player-message">
          <h1>{t('live.notYet')}</h1>
          <p>{e.starts_at ? t('live.startsAt', { date: date(e.starts_at, i18n.language) }) : t('live.soon')}</p>
          <p className="muted">{t('live.willStart')}</p>
        </div>
      ) : null}
      {e.status === 'ended' ? (
        <div className="player-message">
          <h1>{t('live.ended')}</h1>
          {e.replay_film_id ? (
            <Link className="btn btn-primary" to={`/films/${e.replay_film_id}`}>
              {t('live.replay')}
            </Link>
          ) : null}
        </div>
      ) : null}
      {live && refused ? (
        <div className="player-message overlay">
          <p>{t('player.paywallTitle')}</p>
          <Link className="btn btn-primary" to="/subscribe">
            {t('film.subscribe')}
          </Link>
        </div>
      ) : null}
      {live && play.error && !refused ? (
        <div className="player-message overlay">
          <ErrorMessage error={play.error} onRetry={() => void play.refetch()} />
        </div>
      ) : null}
      {live && problem ? (
        <div className="player-message overlay">
          <p role="alert">{t('live.interrupted')}</p>
        </div>
      ) : null}
    </div>
  )
}
