import { useTranslation } from 'react-i18next'
import { Link, useParams } from 'react-router'

import { Button } from '../../components/Button'
import { ErrorMessage } from '../../components/ErrorMessage'
import { Poster } from '../../components/Poster'
import { Spinner } from '../../components/Spinner'
import { clock, money, runtime } from '../../lib/format'
import { useMe } from '../../lib/me'
import { useBuyFilm, useFavorite, useFilm, useFilmState, useRate, type Film } from './api'
import { Reviews } from './Reviews'
import { Similar } from './Similar'

function WatchAction({ film }: { film: Film }) {
  const { t, i18n } = useTranslation()
  const { signedIn } = useMe()
  const state = useFilmState(film.id)
  const buy = useBuyFilm(film.id)
  const here = `/films/${film.id}`

  if (!signedIn) {
    return (
      <div className="watch-action">
        <Link to={`/login?next=${encodeURIComponent(here)}`} className="btn btn-primary btn-large">
          {t('film.signInToWatch')}
        </Link>
        {film.access === 'purchase' && film.price ? (
          <span className="muted">{t('film.price', { price: money(film.price.amount, film.price.currency, i18n.language) })}</span>
        ) : null}
      </div>
    )
  }
  if (state.isPending) return <Spinner />
  if (state.error) return <ErrorMessage error={state.error} onRetry={() => void state.refetch()} />
  const position = state.data.position_seconds
  if (state.data.can_watch) {
    return (
      <div className="watch-action">
        <Link to={`/watch/${film.id}`} className="btn btn-primary btn-large">
          ▶ {position && !state.data.completed ? t('film.continueFrom', { time: clock(position) }) : t('film.play')}
        </Link>
      </div>
    )
  }
  if (film.access === 'purchase' && film.price) {
    return (
      <div className="watch-action">
        <Button className="btn-large" busy={buy.isPending} onClick={() => buy.mutate()}>
          {t('film.buy', { price: money(film.price.amount, film.price.currency, i18n.language) })}
        </Button>
        <ErrorMessage error={buy.error} />
      </div>
    )
  }
  return (
    <div className="watch-action">
      <Link to={`/subscribe?film=${film.id}`} className="btn btn-primary btn-large">
        {t('film.subscribe')}
      </Link>
      <span className="muted">{t('film.inSubscription')}</span>
    </div>
  )
}

function PersonalControls({ film }: { film: Film }) {
  const { t } = useTranslation()
  const state = useFilmState(film.id)
  const rate = useRate(film.id)
  const favorite = useFavorite(film.id)
  if (!state.data) return null
  const mine = state.data.my_rating
  return (
    <div className="personal">
      <Button
        variant="secondary"
        aria-pressed={state.data.favorite}
        busy={favorite.isPending}
        onClick={() => favorite.mutate(!state.data.favorite)}
      >
        {state.data.favorite ? `♥ ${t('film.inFavorites')}` : `♡ ${t('film.addFavorite')}`}
      </Button>
      <div className="rate" role="group" aria-label={t('film.yourRating')}>
        <span className="rate-label">{t('film.yourRating')}</span>
        {Array.from({ length: 10 }, (_, i) => i + 1).map((score) => (
          <button
            key={score}
            type="button"
            className={`rate-btn ${mine !== null && mine !== undefined && score <= mine ? 'rate-on' : ''}`}
            aria-pressed={mine === score}
            aria-label={t('film.rateAs', { score })}
            disabled={rate.isPending}
            onClick={() => rate.mutate(score)}
          >
            {score}
          </button>
        ))}
        {mine ? (
          <button type="button" className="link-button" onClick={() => rate.mutate(null)}>
            {t('film.clearRating')}
          </button>
        ) : null}
      </div>
      <ErrorMessage error={rate.error ?? favorite.error} />
    </div>
  )
}

export function FilmPage() {
  const { filmId = '' } = useParams()
  const { t, i18n } = useTranslation()
  const { me } = useMe()
  const film = useFilm(filmId)

  if (film.isPending) return <Spinner />
  if (film.error) return <div className="page narrow"><ErrorMessage error={film.error} /></div>
  const f = film.data
  const regionNames = new Intl.DisplayNames([i18n.language], { type: 'region' })
  const directors = f.people.filter((p) => p.role === 'director')
  const cast = f.people.filter((p) => p.role === 'actor')
  const writers = f.people.filter((p) => p.role === 'writer')

  return (
    <div className="page film-page">
      <div className="film-top">
        <Poster title={f.title} url={f.poster_url} year={f.year} size="large" />
        <div className="film-info">
          <h1>{f.title}</h1>
          {f.original_title && f.original_title !== f.title ? <p className="original-title">{f.original_title}</p> : null}
          <p className="facts">
            <span>{f.year}</span>
            <span>{runtime(f.duration_seconds, i18n.language)}</span>
            <span>{f.countries.map((c) => (c === 'SU' ? t('catalog.ussr') : (regionNames.of(c) ?? c))).join(', ')}</span>
            <span className="badge">{f.age_rating}</span>
          </p>
          <p className="genres">
            {f.genres.map((g) => (
              <Link key={g.slug} to={`/films?genre=${g.slug}`} className="chip">
                {t(`genres.${g.slug}`, { defaultValue: g.name })}
              </Link>
            ))}
          </p>
          <p className="score" aria-label={t('film.ratingAria', { avg: f.rating_avg.toFixed(1), count: f.rating_count })}>
            <span className="score-big">★ {f.rating_count ? f.rating_avg.toFixed(1) : '—'}</span>
            <span className="muted">{t('film.votes', { count: f.rating_count })}</span>
          </p>
          <WatchAction film={f} />
          {me ? <PersonalControls film={f} /> : null}
          <p className="description">{f.description}</p>
          <dl className="credits">
            {directors.length ? (
              <>
                <dt>{t('film.director')}</dt>
                <dd>{directors.map((p) => p.name).join(', ')}</dd>
              </>
            ) : null}
            {writers.length ? (
              <>
                <dt>{t('film.writers')}</dt>
                <dd>{writers.map((p) => p.name).join(', ')}</dd>
              </>
            ) : null}
            {cast.length ? (
              <>
                <dt>{t('film.cast')}</dt>
                <dd>{cast.map((p) => (p.character ? `${p.name} (${p.character})` : p.name)).join(', ')}</dd>
              </>
            ) : null}
          </dl>
        </div>
      </div>
      <Similar filmId={f.id} />
      <Reviews filmId={f.id} me={me} />
    </div>
  )
}
