import { useRef, useState, type FormEvent } from 'react'
import { useTranslation } from 'react-i18next'

import { Button } from '../../components/Button'
import { ErrorMessage } from '../../components/ErrorMessage'
import { Spinner } from '../../components/Spinner'
import { subtitleError } from './subtitleErrors'
import { SUBTITLE_MAX_BYTES, useDeleteSubtitles, useSubtitleTracks, useUploadSubtitles } from './subtitlesApi'

export function Subtitles({ filmId }: { filmId: string }) {
  const { t } = useTranslation()
  const tracks = useSubtitleTracks(filmId)
  const upload = useUploadSubtitles(filmId)
  const remove = useDeleteSubtitles(filmId)
  const [language, setLanguage] = useState('')
  const [label, setLabel] = useState('')
  const [file, setFile] = useState<File | null>(null)
  const [problem, setProblem] = useState<string | null>(null)
  const [done, setDone] = useState<string | null>(null)
  const picker = useRef<HTMLInputElement>(null)

  function submit(event: FormEvent) {
    event.preventDefault()
    setDone(null)
    if (!file) return setProblem(t('subtitles.noFile'))
    if (file.size > SUBTITLE_MAX_BYTES) return setProblem(t('subtitles.tooLarge'))
    setProblem(null)
    const sent = { language: language.trim(), label: label.trim(), file }
    upload.mutate(sent, {
      onSuccess: (track) => {
        setDone(t('subtitles.uploaded', { label: track.label }))
        setLanguage('')
        setLabel('')
        setFile(null)
        if (picker.current) picker.current.value = ''
      },
      onError: (error) => setProblem(subtitleError(error, t, sent.language)),
    })
  }

  return (
    <section className="card subtitles-admin" aria-labelledby="subtitles-title">
      <h2 id="subtitles-title">{t('subtitles.title')}</h2>
      <p className="muted">{t('subtitles.help')}</p>
      {tracks.isPending ? <Spinner /> : null}
      <ErrorMessage error={tracks.error} onRetry={() => void tracks.refetch()} />
      {tracks.data && tracks.data.items.length === 0 ? <p className="muted">{t('subtitles.none')}</p> : null}
      {tracks.data && tracks.data.items.length > 0 ? (
        <table className="table">
          <thead>
            <tr>
              <th scope="col">{t('subtitles.language')}</th>
              <th scope="col">{t('subtitles.label')}</th>
              <th scope="col">
                <span className="visually-hidden">{t('subtitles.delete')}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {tracks.data.items.map((track) => (
              <tr key={track.language}>
                <td>
                  <code>{track.language}</code>
                </td>
                <td>{track.label}</td>
                <td>
                  <button
                    type="button"
                    className="link-button danger"
                    aria-label={t('subtitles.deleteLabel', { label: track.label })}
                    disabled={remove.isPending}
                    onClick={() => {
                      if (!window.confirm(t('subtitles.confirmDelete', { label: track.label }))) return
                      setDone(null)
                      remove.mutate(track.language)
                    }}
                  >
                    {t('subtitles.delete')}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <ErrorMessage error={remove.error} />
      <form className="form" onSubmit={submit} noValidate>
        <div className="form-grid">
          <label>
            {t('subtitles.language')}
            <input
              required
              maxLength={35}
              value={language}
              placeholder="en"
              aria-describedby="subtitles-language-hint"
              onChange={(e) => setLanguage(e.target.value)}
            />
            <small id="subtitles-language-hint" className="muted">
              {t('subtitles.languageHint')}
            </small>
          </label>
          <label>
            {t('subtitles.label')}
            <input
              required
              maxLength={100}
              value={label}
              placeholder={t('subtitles.labelPlaceholder')}
              onChange={(e) => setLabel(e.target.value)}
            />
          </label>
          <label>
            {t('subtitles.file')}
            <input
              ref={picker}
              type="file"
              required
              accept=".vtt,.srt,text/vtt,application/x-subrip"
              onChange={(e) => setFile(e.target.files?.[0] ?? null)}
            />
          </label>
        </div>
        {problem ? (
          <p className="alert alert-error" role="alert">
            {problem}
          </p>
        ) : null}
        {done ? (
          <p className="alert alert-ok" role="status">
            {done}
          </p>
        ) : null}
        <Button type="submit" busy={upload.isPending}>
          {t('subtitles.upload')}
        </Button>
        <p className="muted">{t('subtitles.playerNote')}</p>
      </form>
    </section>
  )
}
