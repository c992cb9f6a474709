import { useQueryClient } from '@tanstack/react-query'
import { useEffect, useRef, useState, type ChangeEvent } from 'react'
import { useTranslation } from 'react-i18next'

import { Button } from '../../components/Button'
import { ErrorMessage } from '../../components/ErrorMessage'
import { ProgressBar } from '../../components/ProgressBar'
import { ApiError } from '../../lib/errors'
import { bytes, clock } from '../../lib/format'
import { abortUpload, completeUpload, mediaStatus, resumeUpload, startUpload, useMediaStatus } from './api'
import {
  forgetUpload,
  sameFile,
  saveUpload,
  savedUpload,
  uploadParts,
  UploadFailed,
  type Progress,
  type SavedUpload,
} from './uploader'

const VIDEO_TYPES = ['video/mp4', 'video/quicktime', 'video/x-matroska', 'video/webm', 'video/x-msvideo', 'video/mpeg', 'video/mp2t']

type Phase = 'idle' | 'starting' | 'uploading' | 'completing' | 'sent'

function contentType(file: File): string | null {
  if (VIDEO_TYPES.includes(file.type)) return file.type
  const ext = file.name.split('.').pop()?.toLowerCase()
  const byExt: Record<string, string> = { mp4: 'video/mp4', m4v: 'video/mp4', mov: 'video/quicktime', mkv: 'video/x-matroska', webm: 'video/webm', avi: 'video/x-msvideo', mpg: 'video/mpeg', ts: 'video/mp2t' }
  return ext ? (byExt[ext] ?? null) : null
}

// A saved upload the server no longer has open (404, or 409: completed, aborted or expired)
// is started over; any other failure (offline, 5xx) is shown and the upload stays resumable.
function gone(error: unknown): null {
  if (error instanceof ApiError && (error.status === 404 || error.status === 409)) return null
  throw error
}

export function Upload({ filmId }: { filmId: string }) {
  const { t, i18n } = useTranslation()
  const client = useQueryClient()
  const [phase, setPhase] = useState<Phase>('idle')
  const [progress, setProgress] = useState<Progress | null>(null)
  const [error, setError] = useState<unknown>(null)
  const [pending, setPending] = useState<SavedUpload | null>(() => savedUpload(filmId))
  const [resumed, setResumed] = useState(0)
  const abort = useRef<AbortController | null>(null)
  const media = useMediaStatus(filmId)
  const status = media.data?.status

  useEffect(() => () => abort.current?.abort(), [])
  useEffect(() => {
    // the poster captured from a new video appears on the film once it is ready
    if (status === 'ready') void client.invalidateQueries({ queryKey: ['admin', 'film', filmId] })
  }, [status, client, filmId])
  // The page was closed after the last part while the upload was being completed: the
  // server has the file, so there is nothing left to resume.
  const received = media.data?.upload_id
  const completedAway = received !== undefined && received !== null && pending?.upload_id === received
  const unfinished = completedAway ? null : pending
  useEffect(() => {
    if (completedAway) forgetUpload(filmId)
  }, [completedAway, filmId])

  async function send(file: File) {
    setError(null)
    const type = contentType(file)
    if (!type) {
      setError(new ApiError(422, t('upload.notVideo')))
      return
    }
    const controller = new AbortController()
    abort.current = controller
    setPhase('starting')
    try {
      let target: { upload_id: string; part_size: number; parts: { part_number: number; url: string }[] }
      let finished: { part_number: number; etag: string }[] = []
      const saved = savedUpload(filmId)
      const resume = saved && sameFile(saved, file) ? await resumeUpload(filmId, saved.upload_id).catch(gone) : null
      const now = saved && resume === null ? await mediaStatus(filmId) : null
      if (now) client.setQueryData(['admin', 'media', filmId], now)
      if (saved && now?.upload_id === saved.upload_id) {
        // completed while the page was away: the server has this file already
        forgetUpload(filmId)
        setPending(null)
        setPhase('idle')
        return
      }
      if (resume) {
        target = resume
        finished = resume.uploaded.map((p) => ({ part_number: p.part_number, etag: p.etag }))
        setResumed(finished.length)
      } else {
        if (saved) await abortUpload(filmId, saved.upload_id).catch(() => undefined)
        target = await startUpload(filmId, { filename: file.name, content_type: type as never, size_bytes: file.size })
        saveUpload(filmId, { upload_id: target.upload_id, name: file.name, size: file.size, last_modified: file.lastModified })
        setResumed(0)
      }
      setPending(null)
      setPhase('uploading')
      const parts = await uploadParts({
        file,
        partSize: target.part_size,
        targets: target.parts,
        finished,
        signal: controller.signal,
        onProgress: setProgress,
        onPartDone: () => undefined, // S3 remembers the parts; a resume asks it (ListParts)
      })
      setPhase('completing')
      const state = await completeUpload(filmId, { upload_id: target.upload_id, parts })
      forgetUpload(filmId)
      client.setQueryData(['admin', 'media', filmId], state)
      setPhase('sent')
    } catch (caught) {
      if (controller.signal.aborted) {
        setPhase('idle')
        setPending(savedUpload(filmId))
        return
      }
      setError(caught instanceof UploadFailed ? new ApiError(caught.status ?? 0, t('upload.partFailed', { part: caught.partNumber })) : caught)
      setPhase('idle')
      setPending(savedUpload(filmId))
    }
  }

  function onFile(event: ChangeEvent<HTMLInputElement>) {
    const file = event.target.files?.[0]
    event.target.value = ''
    if (file) void send(file)
  }

  async function discard() {
    if (!unfinished) return
    await abortUpload(filmId, unfinished.upload_id).catch(() => undefined)
    forgetUpload(filmId)
    setPending(null)
  }

  const busy = phase === 'starting' || phase === 'uploading' || phase === 'completing'
  const transcoding = status === 'uploaded' || status === 'transcoding'
  return (
    <section className="card upload" aria-labelledby="upload-title">
      <h2 id="upload-title">{t('upload.title')}</h2>
      {unfinished && !busy ? (
        <div className="alert alert-warn">
          <span>{t('upload.unfinished', { name: unfinished.name, size: bytes(unfinished.size, i18n.language) })}</span>
          <button type="button" className="link-button" onClick={() => void discard()}>
            {t('upload.discard')}
          </button>
        </div>
      ) : null}
      {!busy ? (
        <label className="file-pick btn btn-secondary">
          {unfinished ? t('upload.chooseSame') : t('upload.choose')}
          <input type="file" accept="video/*,.mkv,.ts" onChange={onFile} className="visually-hidden" />
        </label>
      ) : null}
      {phase === 'starting' ? <p className="muted">{t('upload.starting')}</p> : null}
      {(busy || phase === 'sent') && progress ? (
        <>
          <ProgressBar
            value={(progress.sent / progress.total) * 100}
            label={t('upload.sending')}
            detail={[
              `${bytes(progress.sent, i18n.language)} / ${bytes(progress.total, i18n.language)}`,
              progress.bytesPerSecond > 0 ? `${bytes(progress.bytesPerSecond, i18n.language)}/s` : null,
              progress.secondsLeft !== null ? t('upload.left', { time: clock(progress.secondsLeft) }) : null,
              t('upload.parts', { done: progress.partsDone, total: progress.partsTotal }),
              resumed ? t('upload.resumed', { count: resumed }) : null,
              progress.offline ? t('upload.offline') : progress.retrying ? t('upload.retrying') : null,
            ]
              .filter(Boolean)
              .join(' · ')}
          />
          {busy ? (
            <Button variant="ghost" onClick={() => abort.current?.abort()} disabled={phase === 'completing'}>
              {t('upload.pause')}
            </Button>
          ) : null}
        </>
      ) : null}
      {phase === 'completing' ? <p className="muted">{t('upload.completing')}</p> : null}
      <ErrorMessage error={error} />
      {transcoding ? (
        <ProgressBar value={media.data?.percent ?? 0} label={t('upload.transcoding')} detail={t('upload.transcodingHelp')} />
      ) : null}
      {status === 'ready' ? (
        <p className="alert alert-ok" role="status">
          {t('upload.ready', { renditions: media.data?.renditions.map((r) => `${r.height}p`).join(', ') })}
        </p>
      ) : null}
      {status === 'failed' ? (
        <p className="alert alert-error" role="alert">
          {t('upload.failed', { error: media.data?.error ?? '' })}
        </p>
      ) : null}
    </section>
  )
}
