import type { ReactNode } from 'react'
import { Link } from 'react-router'

interface Props {
  title: string
  more?: string // link to the full list
  moreLabel?: string
  children: ReactNode
}

export function FilmRow({ title, more, moreLabel, children }: Props) {
  return (
    <section className="film-row" aria-label={title}>
      <div className="row-head">
        <h2>{title}</h2>
        {more ? (
          <Link to={more} className="row-more">
            {moreLabel}
          </Link>
        ) : null}
      </div>
      <div className="row-scroller">{children}</div>
    </section>
  )
}
