import { useTranslation } from 'react-i18next'
import { Link } from 'react-router'

import { ErrorMessage } from '../../components/ErrorMessage'
import { FilmCard, type CardFilm } from '../../components/FilmCard'
import { FilmRow } from '../../components/FilmRow'
import { Poster } from '../../components/Poster'
import { useContinueWatching, useFilmRow, useGenres, usePopular } from './api'

const GENRE_ROWS = ['drama', 'comedy', 'sci-fi', 'animation']

function Skeletons() {
  return (
    <>
      {Array.from({ length: 6 }, (_, i) => (
        <div key={i} className="film-card skeleton" aria-hidden="true" />
      ))}
    </>
  )
}

function Row({ title, films, more, loading, error }: {
  title: string
  films: CardFilm[] | undefined
  more?: string
  loading: boolean
  error: unknown
}) {
  const { t } = useTranslation()
  if (!loading && !error && films?.length === 0) return null
  return (
    <FilmRow title={title} more={more} moreLabel={t('home.all')}>
      {loading ? <Skeletons /> : null}
      {error ? <ErrorMessage error={error} /> : null}
      {films?.map((film) => <FilmCard key={film.id} film={film} />)}
    </FilmRow>
  )
}

function GenreRow({ slug, name }: { slug: string; name: string }) {
  const row = useFilmRow({ genre: [slug], sort: '-rating' })
  return (
    <Row title={name} films={row.data?.items} more={`/films?genre=${slug}`} loading={row.isPending} error={row.error} />
  )
}

export function HomePage() {
  const { t } = useTranslation()
  const popular = usePopular()
  const fresh = useFilmRow({ sort: '-new' })
  const genres = useGenres()
  const resume = useContinueWatching()
  const hero = popular.data?.items[0]

  return (
    <div className="page home">
      {hero ? (
        <section className="hero" aria-label={t('home.featured')}>
          <Poster title={hero.title} url={hero.poster_url} year={hero.year} size="large" />
          <div className="hero-text">
            <p className="eyebrow">{t('home.featured')}</p>
            <h1>{hero.title}</h1>
            <p className="muted">
              {hero.year} · {hero.genres.map((g) => t(`genres.${g.slug}`, { defaultValue: g.name })).join(', ')}
            </p>
            <Link to={`/films/${hero.id}`} className="btn btn-primary">
              {t('home.more')}
            </Link>
          </div>
        </section>
      ) : null}
      {resume.data && resume.data.items.length > 0 ? (
        <FilmRow title={t('home.continue')} more="/account/continue" moreLabel={t('home.all')}>
          {resume.data.items.map((item) => (
            <FilmCard
              key={item.film.id}
              film={item.film}
              progress={item.duration_seconds ? item.position_seconds / item.duration_seconds : 0}
            />
          ))}
        </FilmRow>
      ) : null}
      <Row
        title={t('home.popular')}
        films={popular.data?.items}
        more="/films?sort=-popular"
        loading={popular.isPending}
        error={popular.error}
      />
      <Row title={t('home.new')} films={fresh.data?.items} more="/films?sort=-new" loading={fresh.isPending} error={fresh.error} />
      {GENRE_ROWS.map((slug) => {
        const genre = genres.data?.find((g) => g.slug === slug)
        return genre ? <GenreRow key={slug} slug={slug} name={t(`genres.${slug}`, { defaultValue: genre.name })} /> : null
      })}
    </div>
  )
}
