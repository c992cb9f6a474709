import { useState, type FormEvent } from 'react'
import { useTranslation } from 'react-i18next'
import { Link, useNavigate, useParams } from 'react-router'

import { Button } from '../../components/Button'
import { ErrorMessage } from '../../components/ErrorMessage'
import { Poster } from '../../components/Poster'
import { Spinner } from '../../components/Spinner'
import type { Schemas } from '../../lib/api/client'
import { useAdminFilm, useCreateFilm, useDeleteFilm, useGenres, useUpdateFilm, type AdminFilm } from './api'
import { Subtitles } from './Subtitles'
import { Upload } from './Upload'

const AGE = ['0+', '6+', '12+', '16+', '18+'] as const
const ACCESS = ['free', 'subscription', 'purchase'] as const
const ROLES = ['director', 'actor', 'writer'] as const

interface Credit {
  name: string
  role: (typeof ROLES)[number]
  character: string
}

interface Draft {
  title: string
  original_title: string
  description: string
  year: string
  minutes: string
  countries: string
  genres: string[]
  age_rating: (typeof AGE)[number]
  access: (typeof ACCESS)[number]
  price: string
  people: Credit[]
}

function toDraft(film?: AdminFilm): Draft {
  return {
    title: film?.title ?? '',
    original_title: film?.original_title ?? '',
    description: film?.description ?? '',
    year: String(film?.year ?? new Date().getFullYear()),
    minutes: film ? String(Math.round(film.duration_seconds / 60)) : '90',
    countries: film?.countries.join(', ') ?? '',
    genres: film?.genres.map((g) => g.slug) ?? [],
    age_rating: (film?.age_rating as Draft['age_rating']) ?? '0+',
    access: film?.access ?? 'subscription',
    price: film?.price ? String(film.price.amount / 100) : '',
    people: film?.people.map((p) => ({ name: p.name, role: p.role, character: p.character ?? '' })) ?? [],
  }
}

function toBody(d: Draft): Schemas['FilmCreate'] {
  return {
    title: d.title.trim(),
    original_title: d.original_title.trim() || null,
    description: d.description,
    year: Number(d.year),
    duration_seconds: Math.max(1, Math.round(Number(d.minutes) * 60)),
    countries: d.countries
      .split(/[,\s]+/)
      .map((c) => c.trim().toUpperCase())
      .filter(Boolean),
    genres: d.genres,
    age_rating: d.age_rating,
    access: d.access,
    price: d.access === 'purchase' && d.price ? { amount: Math.round(Number(d.price) * 100), currency: 'RUB' } : null,
    people: d.people
      .filter((p) => p.name.trim())
      .map((p) => ({ name: p.name.trim(), role: p.role, character: p.character.trim() || null })),
  }
}

function FilmForm({ film, onSaved }: { film?: AdminFilm; onSaved: (film: AdminFilm) => void }) {
  const { t } = useTranslation()
  const genres = useGenres()
  const create = useCreateFilm()
  const update = useUpdateFilm(film?.id ?? '')
  const [d, setD] = useState<Draft>(() => toDraft(film))
  const save = film ? update : create
  const set = <K extends keyof Draft>(key: K, value: Draft[K]) => setD((prev) => ({ ...prev, [key]: value }))

  function submit(event: FormEvent) {
    event.preventDefault()
    save.mutate(toBody(d), { onSuccess: (saved) => onSaved(saved as AdminFilm) })
  }

  return (
    <form className="card form film-form" onSubmit={submit}>
      <div className="form-grid">
        <label>
          {t('admin.film.title')}
          <input required maxLength={300} value={d.title} onChange={(e) => set('title', e.target.value)} />
        </label>
        <label>
          {t('admin.film.originalTitle')}
          <input maxLength={300} value={d.original_title} onChange={(e) => set('original_title', e.target.value)} />
        </label>
        <label>
          {t('admin.film.year')}
          <input type="number" required min={1888} max={2100} value={d.year} onChange={(e) => set('year', e.target.value)} />
        </label>
        <label>
          {t('admin.film.minutes')}
          <input type="number" required min={1} max={2880} value={d.minutes} onChange={(e) => set('minutes', e.target.value)} />
        </label>
        <label>
          {t('admin.film.countries')}
          <input placeholder="RU, US" value={d.countries} onChange={(e) => set('countries', e.target.value)} />
        </label>
        <label>
          {t('admin.film.age')}
          <select value={d.age_rating} onChange={(e) => set('age_rating', e.target.value as Draft['age_rating'])}>
            {AGE.map((a) => (
              <option key={a}>{a}</option>
            ))}
          </select>
        </label>
        <label>
          {t('admin.film.access')}
          <select value={d.access} onChange={(e) => set('access', e.target.value as Draft['access'])}>
            {ACCESS.map((a) => (
              <option key={a} value={a}>
                {t(`access.${a}`)}
              </option>
            ))}
          </select>
        </label>
        {d.access === 'purchase' ? (
          <label>
            {t('admin.film.price')}
            <input type="number" required min={1} step="0.01" value={d.price} onChange={(e) => set('price', e.target.value)} />
          </label>
        ) : null}
      </div>
      <fieldset className="chips">
        <legend>{t('catalog.genres')}</legend>
        {genres.data?.map((g) => (
          <label key={g.slug} className={`chip ${d.genres.includes(g.slug) ? 'chip-on' : ''}`}>
            <input
              type="checkbox"
              className="visually-hidden"
              checked={d.genres.includes(g.slug)}
              onChange={(e) =>
                set('genres', e.target.checked ? [...d.genres, g.slug] : d.genres.filter((s) => s !== g.slug))
              }
            />
            {t(`genres.${g.slug}`, { defaultValue: g.name })}
          </label>
        ))}
      </fieldset>
      <label>
        {t('admin.film.description')}
        <textarea rows={5} maxLength={10000} value={d.description} onChange={(e) => set('description', e.target.value)} />
      </label>
      <fieldset className="people">
        <legend>{t('admin.film.people')}</legend>
        {d.people.map((p, i) => (
          <div key={i} className="person-row">
            <input
              aria-label={t('admin.film.personName')}
              placeholder={t('admin.film.personName')}
              value={p.name}
              onChange={(e) => set('people', d.people.map((q, j) => (j === i ? { ...q, name: e.target.value } : q)))}
            />
            <select
              aria-label={t('admin.film.personRole')}
              value={p.role}
              onChange={(e) =>
                set('people', d.people.map((q, j) => (j === i ? { ...q, role: e.target.value as Credit['role'] } : q)))
              }
            >
              {ROLES.map((r) => (
                <option key={r} value={r}>
                  {t(`roles.${r}`)}
                </option>
              ))}
            </select>
            <input
              aria-label={t('admin.film.character')}
              placeholder={t('admin.film.character')}
              value={p.character}
              onChange={(e) => set('people', d.people.map((q, j) => (j === i ? { ...q, character: e.target.value } : q)))}
            />
            <button
              type="button"
              className="link-button danger"
              aria-label={t('common.delete')}
              onClick={() => set('people', d.people.filter((_, j) => j !== i))}
            >
              ✕
            </button>
          </div>
        ))}
        <button
          type="button"
          className="link-button"
          onClick={() => set('people', [...d.people, { name: '', role: 'actor', character: '' }])}
        >
          + {t('admin.film.addPerson')}
        </button>
      </fieldset>
      <ErrorMessage error={save.error} />
      {save.isSuccess ? <p className="alert alert-ok" role="status">{t('common.saved')}</p> : null}
      <Button type="submit" busy={save.isPending}>
        {film ? t('common.save') : t('admin.film.create')}
      </Button>
    </form>
  )
}

export function NewFilmPage() {
  const { t } = useTranslation()
  const navigate = useNavigate()
  return (
    <div>
      <h1>{t('admin.film.new')}</h1>
      <FilmForm onSaved={(film) => navigate(`/admin/films/${film.id}`, { replace: true })} />
    </div>
  )
}

export function EditFilmPage() {
  const { t } = useTranslation()
  const { filmId = '' } = useParams()
  const navigate = useNavigate()
  const film = useAdminFilm(filmId)
  const update = useUpdateFilm(filmId)
  const remove = useDeleteFilm(filmId)
  if (film.isPending) return <Spinner />
  if (film.error) return <ErrorMessage error={film.error} />
  const f = film.data
  const published = f.status === 'published'
  return (
    <div className="admin-film">
      <div className="page-head">
        <h1>{f.title}</h1>
        <span className={`badge status-${f.status}`}>{t(`filmStatus.${f.status}`)}</span>
        {published ? <Link to={`/films/${f.id}`}>{t('admin.film.view')}</Link> : null}
      </div>
      <div className="admin-film-grid">
        <div>
          <Poster title={f.title} url={f.poster_url} year={f.year} size="large" />
          <div className="actions stack">
            <Button
              variant={published ? 'secondary' : 'primary'}
              busy={update.isPending}
              onClick={() => update.mutate({ status: published ? 'draft' : 'published' })}
            >
              {published ? t('admin.film.unpublish') : t('admin.film.publish')}
            </Button>
            <Button
              variant="danger"
              busy={remove.isPending}
              onClick={() =>
                window.confirm(t('admin.film.confirmDelete', { title: f.title })) &&
                remove.mutate(undefined, { onSuccess: () => navigate('/admin/films') })
              }
            >
              {t('common.delete')}
            </Button>
            <ErrorMessage error={update.error ?? remove.error} />
          </div>
        </div>
        <div className="stack">
          <Upload filmId={f.id} />
          <Subtitles filmId={f.id} />
          <FilmForm key={f.updated_at} film={f} onSaved={() => undefined} />
        </div>
      </div>
    </div>
  )
}
