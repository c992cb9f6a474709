import { Link } from 'react-router'

import { Poster } from './Poster'

export interface CardFilm {
  id: string
  title: string
  year: number
  poster_url?: string | null
  rating_avg?: number
  rating_count?: number
  access?: string
}

interface Props {
  film: CardFilm
  progress?: number // 0..1: how much was watched
  note?: string
}

export function FilmCard({ film, progress, note }: Props) {
  return (
    <Link to={`/films/${film.id}`} className="film-card">
      <Poster title={film.title} url={film.poster_url} year={film.year} />
      {progress !== undefined ? (
        <div className="card-progress" aria-hidden="true">
          <div style={{ width: `${Math.round(progress * 100)}%` }} />
        </div>
      ) : null}
      <div className="film-card-body">
        <span className="film-card-title">{film.title}</span>
        <span className="film-card-meta">
          {film.year}
          {film.rating_count ? ` · ★ ${film.rating_avg?.toFixed(1)}` : ''}
          {note ? ` · ${note}` : ''}
        </span>
      </div>
    </Link>
  )
}
