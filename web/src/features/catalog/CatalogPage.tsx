import { useEffect, useRef, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { useSearchParams } from 'react-router'

import { ErrorMessage } from '../../components/ErrorMessage'
import { FilmCard } from '../../components/FilmCard'
import { Spinner } from '../../components/Spinner'
import { useCatalog, useGenres, type Filters } from './api'
import { COUNTRIES, RATINGS, SORTS, readFilters, writeFilters } from './filters'

function YearInput({ label, value, onCommit }: { label: string; value?: number; onCommit: (v?: number) => void }) {
  // remounted (by key) when the URL changes the value, so no effect has to copy it over
  const [text, setText] = useState(value ? String(value) : '')
  const commit = () => {
    const n = Number(text)
    onCommit(text && Number.isInteger(n) && n >= 1888 && n <= 2100 ? n : undefined)
  }
  return (
    <label className="field-inline">
      {label}
      <input
        type="number"
        inputMode="numeric"
        min={1888}
        max={2100}
        placeholder="—"
        value={text}
        onChange={(e) => setText(e.target.value)}
        onBlur={commit}
        onKeyDown={(e) => e.key === 'Enter' && commit()}
      />
    </label>
  )
}

function FilterBar({ filters, onChange }: { filters: Filters; onChange: (f: Filters) => void }) {
  const { t, i18n } = useTranslation()
  const [open, setOpen] = useState(false) // phones: the panel folds away behind a button
  const genres = useGenres()
  const regionNames = new Intl.DisplayNames([i18n.language], { type: 'region' })
  const toggle = (slug: string) =>
    onChange({
      ...filters,
      genre: filters.genre.includes(slug) ? filters.genre.filter((g) => g !== slug) : [...filters.genre, slug],
    })
  const active =
    filters.genre.length + [filters.year_from, filters.year_to, filters.rating_min, filters.country].filter(Boolean).length
  return (
    <>
      <button type="button" className="btn btn-secondary filters-toggle" aria-expanded={open} onClick={() => setOpen(!open)}>
        {t('catalog.filters')}
        {active ? ` (${active})` : ''}
      </button>
      <div className={`filters ${open ? 'filters-open' : ''}`} role="group" aria-label={t('catalog.filters')}>
        <div className="chips" role="group" aria-label={t('catalog.genres')}>
          {genres.data?.map((g) => (
            <button
              key={g.slug}
              type="button"
              className={`chip ${filters.genre.includes(g.slug) ? 'chip-on' : ''}`}
              aria-pressed={filters.genre.includes(g.slug)}
              onClick={() => toggle(g.slug)}
            >
              {t(`genres.${g.slug}`, { defaultValue: g.name })}
            </button>
          ))}
        </div>
        <div className="filter-fields">
          <YearInput key={`from-${filters.year_from ?? ''}`} label={t('catalog.yearFrom')} value={filters.year_from} onCommit={(v) => onChange({ ...filters, year_from: v })} />
          <YearInput key={`to-${filters.year_to ?? ''}`} label={t('catalog.yearTo')} value={filters.year_to} onCommit={(v) => onChange({ ...filters, year_to: v })} />
          <label className="field-inline">
            {t('catalog.rating')}
            <select
              value={filters.rating_min ?? ''}
              onChange={(e) => onChange({ ...filters, rating_min: e.target.value ? Number(e.target.value) : undefined })}
            >
              <option value="">{t('catalog.any')}</option>
              {RATINGS.map((r) => (
                <option key={r} value={r}>
                  {r}+
                </option>
              ))}
            </select>
          </label>
          <label className="field-inline">
            {t('catalog.country')}
            <select value={filters.country ?? ''} onChange={(e) => onChange({ ...filters, country: e.target.value || undefined })}>
              <option value="">{t('catalog.any')}</option>
              {COUNTRIES.map((c) => (
                <option key={c} value={c}>
                  {c === 'SU' ? t('catalog.ussr') : (regionNames.of(c) ?? c)}
                </option>
              ))}
            </select>
          </label>
          <label className="field-inline">
            {t('catalog.sort')}
            <select value={filters.sort ?? ''} onChange={(e) => onChange({ ...filters, sort: e.target.value || undefined })}>
              <option value="">{filters.q ? t('sort.relevance') : t('sort.-popular')}</option>
              {SORTS.map((s) => (
                <option key={s} value={s}>
                  {t(`sort.${s}`)}
                </option>
              ))}
            </select>
          </label>
        </div>
      </div>
    </>
  )
}

export function CatalogPage() {
  const { t } = useTranslation()
  const [params, setParams] = useSearchParams()
  const filters = readFilters(params)
  const catalog = useCatalog(filters)
  const sentinel = useRef<HTMLDivElement>(null)
  const { hasNextPage, isFetchingNextPage, fetchNextPage } = catalog

  useEffect(() => {
    const node = sentinel.current
    if (!node) return
    const observer = new IntersectionObserver(
      (entries) => {
        if (entries[0]?.isIntersecting && hasNextPage && !isFetchingNextPage) void fetchNextPage()
      },
      { rootMargin: '600px' },
    )
    observer.observe(node)
    return () => observer.disconnect()
  }, [hasNextPage, isFetchingNextPage, fetchNextPage])

  const films = catalog.data?.pages.flatMap((page) => page.items) ?? []
  const total = catalog.data?.pages[0]?.total
  const active = params.toString() !== ''

  return (
    <div className="page">
      <div className="page-head">
        <h1>{filters.q ? t('catalog.searchTitle', { q: filters.q }) : t('catalog.title')}</h1>
        {total !== undefined ? <span className="muted">{t('catalog.found', { count: total })}</span> : null}
        {active ? (
          <button type="button" className="link-button" onClick={() => setParams(new URLSearchParams())}>
            {t('catalog.reset')}
          </button>
        ) : null}
      </div>
      <FilterBar filters={filters} onChange={(f) => setParams(writeFilters(f), { replace: true })} />
      {catalog.isPending ? <Spinner /> : null}
      <ErrorMessage error={catalog.error} onRetry={() => void catalog.refetch()} />
      {catalog.isSuccess && films.length === 0 ? <p className="empty">{t('catalog.empty')}</p> : null}
      <div className="grid">
        {films.map((film) => (
          <FilmCard key={film.id} film={film} />
        ))}
      </div>
      <div ref={sentinel} className="sentinel">
        {isFetchingNextPage ? <Spinner /> : null}
        {hasNextPage && !isFetchingNextPage ? (
          <button type="button" className="btn btn-secondary" onClick={() => void fetchNextPage()}>
            {t('catalog.more')}
          </button>
        ) : null}
      </div>
    </div>
  )
}
