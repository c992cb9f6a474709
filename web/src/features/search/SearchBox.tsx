import { useEffect, useId, useRef, useState, type KeyboardEvent } from 'react'
import { useTranslation } from 'react-i18next'
import { useNavigate } from 'react-router'

import { Poster } from '../../components/Poster'
import { useSuggestions } from './api'

const DEBOUNCE_MS = 250

function useDebounced(value: string, ms: number): string {
  const [debounced, setDebounced] = useState(value)
  useEffect(() => {
    const timer = setTimeout(() => setDebounced(value), ms)
    return () => clearTimeout(timer)
  }, [value, ms])
  return debounced
}

export function SearchBox() {
  const { t } = useTranslation()
  const navigate = useNavigate()
  const listId = useId()
  const [text, setText] = useState('')
  const [open, setOpen] = useState(false)
  const [active, setActive] = useState(-1)
  const q = useDebounced(text.trim(), DEBOUNCE_MS)
  const suggestions = useSuggestions(q)
  const items = q.length >= 2 ? (suggestions.data?.items ?? []) : []
  const box = useRef<HTMLDivElement>(null)

  useEffect(() => {
    function outside(event: MouseEvent) {
      if (box.current && !box.current.contains(event.target as Node)) setOpen(false)
    }
    document.addEventListener('mousedown', outside)
    return () => document.removeEventListener('mousedown', outside)
  }, [])

  function go(path: string) {
    setOpen(false)
    setActive(-1)
    navigate(path)
  }

  function onKey(event: KeyboardEvent<HTMLInputElement>) {
    if (event.key === 'ArrowDown') {
      event.preventDefault()
      setOpen(true)
      setActive((i) => Math.min(items.length - 1, i + 1))
    } else if (event.key === 'ArrowUp') {
      event.preventDefault()
      setActive((i) => Math.max(-1, i - 1))
    } else if (event.key === 'Escape') {
      setOpen(false)
    } else if (event.key === 'Enter') {
      event.preventDefault()
      const chosen = items[active]
      if (chosen) go(`/films/${chosen.id}`)
      else if (text.trim()) go(`/films?q=${encodeURIComponent(text.trim())}`)
    }
  }

  const showList = open && q.length >= 2
  return (
    <div className="search" ref={box}>
      <input
        type="search"
        role="combobox"
        aria-expanded={showList}
        aria-controls={listId}
        aria-autocomplete="list"
        aria-label={t('search.label')}
        aria-activedescendant={active >= 0 ? `${listId}-${active}` : undefined}
        placeholder={t('search.placeholder')}
        value={text}
        onChange={(e) => {
          setText(e.target.value)
          setOpen(true)
          setActive(-1)
        }}
        onFocus={() => setOpen(true)}
        onKeyDown={onKey}
      />
      {showList ? (
        <ul className="search-list" id={listId} role="listbox" aria-label={t('search.results')}>
          {items.map((film, index) => (
            <li
              key={film.id}
              id={`${listId}-${index}`}
              role="option"
              aria-selected={index === active}
              className={index === active ? 'active' : ''}
              onMouseDown={(e) => {
                e.preventDefault()
                go(`/films/${film.id}`)
              }}
            >
              <Poster title={film.title} url={film.poster_url} />
              <span>
                <strong>{film.title}</strong>
                <small>
                  {film.original_title && film.original_title !== film.title ? `${film.original_title} · ` : ''}
                  {film.year}
                </small>
              </span>
            </li>
          ))}
          {suggestions.isFetching && items.length === 0 ? <li className="search-note">{t('common.loading')}</li> : null}
          {!suggestions.isFetching && items.length === 0 ? (
            <li className="search-note">{t('search.nothing', { q })}</li>
          ) : null}
          {items.length > 0 ? (
            <li
              className="search-all"
              role="option"
              aria-selected={false}
              onMouseDown={(e) => {
                e.preventDefault()
                go(`/films?q=${encodeURIComponent(q)}`)
              }}
            >
              {t('search.all', { total: suggestions.data?.total ?? items.length })}
            </li>
          ) : null}
        </ul>
      ) : null}
    </div>
  )
}
