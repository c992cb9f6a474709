import { useCallback, useEffect, useRef, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { Link, Navigate, useNavigate, useParams } from 'react-router'

import { Button } from '../../components/Button'
import { ErrorMessage } from '../../components/ErrorMessage'
import { Icon } from '../../components/Icon'
import { Spinner } from '../../components/Spinner'
import { ApiError } from '../../lib/errors'
import { clock } from '../../lib/format'
import { useMe } from '../../lib/me'
import { sendProgress, useFilmAndState, usePlay } from './api'
import { useHls, type PlaybackProblem } from '../../lib/hls/useHls'
import { OFF } from './subtitleChoice'
import { useSubtitles } from './useSubtitles'

const HEARTBEAT_MS = 15_000
const RESUME_MIN_S = 2 // ask from a couple of seconds in: coming back to the start is rarely what a viewer wants

function Paywall({ filmId, access }: { filmId: string; access: string | undefined }) {
  const { t } = useTranslation()
  return (
    <div className="player-message">
      <h1>{t('player.paywallTitle')}</h1>
      <p>{access === 'purchase' ? t('player.paywallBuy') : t('player.paywallSubscribe')}</p>
      <div className="actions">
        {access === 'purchase' ? (
          <Link className="btn btn-primary" to={`/films/${filmId}`}>
            {t('player.toFilm')}
          </Link>
        ) : (
          <Link className="btn btn-primary" to={`/subscribe?film=${filmId}`}>
            {t('film.subscribe')}
          </Link>
        )}
        <Link className="btn btn-ghost" to={`/films/${filmId}`}>
          {t('common.back')}
        </Link>
      </div>
    </div>
  )
}

function problemText(problem: PlaybackProblem, t: (k: string) => string): string {
  switch (problem) {
    case 'network':
      return t('player.networkError')
    case 'forbidden':
      return t('player.expired')
    case 'unsupported':
      return t('player.unsupported')
    default:
      return t('player.mediaError')
  }
}

export default function PlayerPage() {
  const { filmId = '' } = useParams()
  const { t } = useTranslation()
  const navigate = useNavigate()
  const { signedIn } = useMe()
  const { film, state } = useFilmAndState(filmId, signedIn)
  const play = usePlay(filmId, signedIn)
  const video = useRef<HTMLVideoElement>(null)
  const shell = useRef<HTMLDivElement>(null)
  const { levels, level, autoHeight, chooseLevel, problem } = useHls(video, play.data)
  const subtitles = useSubtitles(video, play.data)
  const [asked, setAsked] = useState(false)
  const [playing, setPlaying] = useState(false)
  const [time, setTime] = useState(0)
  const [duration, setDuration] = useState(0)
  const [muted, setMuted] = useState(false)
  const [volume, setVolume] = useState(1)
  const [waiting, setWaiting] = useState(false)

  const resumeAt = state.data && !state.data.completed ? (state.data.position_seconds ?? 0) : 0
  const needsAnswer = !asked && resumeAt >= RESUME_MIN_S

  const report = useCallback(() => {
    const v = video.current
    if (v && v.currentTime > 0) sendProgress(filmId, v.currentTime)
  }, [filmId])

  // Heartbeats: every 15 s while playing, and whenever the viewer stops, hides or leaves.
  useEffect(() => {
    if (!playing) return
    const timer = setInterval(report, HEARTBEAT_MS)
    return () => clearInterval(timer)
  }, [playing, report])
  useEffect(() => {
    const hidden = () => document.visibilityState === 'hidden' && report()
    document.addEventListener('visibilitychange', hidden)
    window.addEventListener('pagehide', report)
    return () => {
      document.removeEventListener('visibilitychange', hidden)
      window.removeEventListener('pagehide', report)
      report()
    }
  }, [report])

  const start = useCallback((from: number) => {
    const v = video.current
    if (!v) return
    setAsked(true)
    if (from > 0) v.currentTime = from
    void v.play().catch(() => setPlaying(false))
  }, [])

  // Without a question to ask, playback starts as soon as the stream is attached.
  useEffect(() => {
    if (play.data && state.isFetched && !needsAnswer && !asked) start(0)
  }, [play.data, state.isFetched, needsAnswer, asked, start])

  const toggle = useCallback(() => {
    const v = video.current
    if (!v) return
    if (v.paused) void v.play()
    else v.pause()
  }, [])

  const fullscreen = useCallback(() => {
    if (document.fullscreenElement) void document.exitFullscreen()
    else void shell.current?.requestFullscreen?.()
  }, [])

  useEffect(() => {
    function onKey(event: KeyboardEvent) {
      const v = video.current
      const target = event.target as HTMLElement
      if (!v || target.tagName === 'INPUT' || target.tagName === 'SELECT' || target.tagName === 'BUTTON') return
      switch (event.key) {
        case ' ':
        case 'k':
          event.preventDefault()
          toggle()
          break
        case 'f':
          fullscreen()
          break
        case 'm':
          v.muted = !v.muted
          break
        case 'ArrowRight':
          v.currentTime = Math.min(v.duration || Infinity, v.currentTime + 10)
          break
        case 'ArrowLeft':
          v.currentTime = Math.max(0, v.currentTime - 10)
          break
        case 'ArrowUp':
          event.preventDefault()
          v.volume = Math.min(1, v.volume + 0.1)
          break
        case 'ArrowDown':
          event.preventDefault()
          v.volume = Math.max(0, v.volume - 0.1)
          break
        default:
      }
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [toggle, fullscreen])

  if (!signedIn) return <Navigate to={`/login?next=${encodeURIComponent(`/watch/${filmId}`)}`} replace />
  const title = film.data?.title ?? ''
  const err = play.error
  if (err instanceof ApiError && err.status === 402) {
    return (
      <div className="player-page">
        <Paywall filmId={filmId} access={film.data?.access} />
      </div>
    )
  }
  if (err instanceof ApiError && err.status === 409) {
    return (
      <div className="player-page">
        <div className="player-message">
          <h1>{t('player.processingTitle')}</h1>
          <p>{t('player.processing')}</p>
          <Link className="btn btn-primary" to={`/films/${filmId}`}>
            {t('common.back')}
          </Link>
        </div>
      </div>
    )
  }
  if (err) {
    return (
      <div className="player-page">
        <div className="player-message">
          <ErrorMessage error={err} onRetry={() => void play.refetch()} />
        </div>
      </div>
    )
  }

  return (
    <div className="player-page" ref={shell}>
      <video
        ref={video}
        className="player-video"
        playsInline
        aria-label={title}
        onClick={toggle}
        onPlay={() => setPlaying(true)}
        onPause={() => {
          setPlaying(false)
          report()
        }}
        onEnded={report}
        onTimeUpdate={(e) => setTime(e.currentTarget.currentTime)}
        onDurationChange={(e) => setDuration(e.currentTarget.duration)}
        onVolumeChange={(e) => {
          setMuted(e.currentTarget.muted)
          setVolume(e.currentTarget.volume)
        }}
        onWaiting={() => setWaiting(true)}
        onPlaying={() => setWaiting(false)}
        onCanPlay={() => setWaiting(false)}
      />
      <div className="player-top">
        <button type="button" className="player-btn" onClick={() => navigate(`/films/${filmId}`)} aria-label={t('common.back')}>
          <Icon name="back" />
        </button>
        <span className="player-title">{title}</span>
      </div>
      {!play.data || (waiting && !problem) ? (
        <div className="player-center">
          <Spinner label={t('player.loading')} />
        </div>
      ) : null}
      {problem ? (
        <div className="player-message overlay">
          <p role="alert">{problemText(problem, t)}</p>
          <Button onClick={() => window.location.reload()}>{t('common.retry')}</Button>
        </div>
      ) : null}
      {needsAnswer && play.data ? (
        <div className="player-message overlay" role="dialog" aria-label={t('player.resumeTitle')}>
          <p>{t('player.resumeQuestion', { time: clock(resumeAt) })}</p>
          <div className="actions">
            <Button onClick={() => start(resumeAt)} autoFocus>
              {t('player.resume')}
            </Button>
            <Button variant="secondary" onClick={() => start(0)}>
              {t('player.fromStart')}
            </Button>
          </div>
        </div>
      ) : null}
      <div className="player-controls">
        <button type="button" className="player-btn" onClick={toggle} aria-label={playing ? t('player.pause') : t('player.play')}>
          <Icon name={playing ? 'pause' : 'play'} />
        </button>
        <span className="player-time">
          {clock(time)} / {clock(duration || film.data?.duration_seconds || 0)}
        </span>
        <input
          className="player-seek"
          type="range"
          min={0}
          max={Math.max(1, Math.floor(duration))}
          step={1}
          value={Math.floor(time)}
          aria-label={t('player.seek')}
          aria-valuetext={clock(time)}
          onChange={(e) => {
            if (video.current) video.current.currentTime = Number(e.target.value)
          }}
        />
        <button
          type="button"
          className="player-btn"
          onClick={() => video.current && (video.current.muted = !video.current.muted)}
          aria-label={muted ? t('player.unmute') : t('player.mute')}
        >
          <Icon name={muted || volume === 0 ? 'mute' : 'volume'} />
        </button>
        <input
          className="player-volume"
          type="range"
          min={0}
          max={1}
          step={0.05}
          value={muted ? 0 : volume}
          aria-label={t('player.volume')}
          onChange={(e) => {
            if (!video.current) return
            video.current.volume = Number(e.target.value)
            video.current.muted = Number(e.target.value) === 0
          }}
        />
        {subtitles.options.length > 0 ? (
          <label className="player-quality player-subtitles">
            <span className="visually-hidden">{t('subtitles.choose')}</span>
            <select value={subtitles.choice} onChange={(e) => subtitles.choose(e.target.value)}>
              <option value={OFF}>{t('subtitles.off')}</option>
              {subtitles.options.map((option) => (
                <option key={option.language} value={option.language}>
                  {option.label}
                </option>
              ))}
            </select>
          </label>
        ) : null}
        {levels.length > 0 ? (
          <label className="player-quality">
            <span className="visually-hidden">{t('player.quality')}</span>
            <select value={level} onChange={(e) => chooseLevel(Number(e.target.value))}>
              <option value={-1}>{autoHeight ? t('player.autoAt', { height: autoHeight }) : t('player.auto')}</option>
              {levels.map((l) => (
                <option key={l.index} value={l.index}>
                  {l.height}p
                </option>
              ))}
            </select>
          </label>
        ) : null}
        <button type="button" className="player-btn" onClick={fullscreen} aria-label={t('player.fullscreen')}>
          <Icon name="fullscreen" />
        </button>
      </div>
    </div>
  )
}
