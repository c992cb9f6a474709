import { useTranslation } from 'react-i18next'

import { ErrorMessage } from '../../components/ErrorMessage'
import { FilmCard } from '../../components/FilmCard'
import { FilmRow } from '../../components/FilmRow'
import { useSimilarFilms } from './api'

/** Films like this one, best first (the server computes them on a schedule). A film with none
 *  yet (published since the last run) shows no row at all. */
export function Similar({ filmId }: { filmId: string }) {
  const { t } = useTranslation()
  const similar = useSimilarFilms(filmId)
  const films = similar.data?.items
  if (films?.length === 0) return null
  return (
    <FilmRow title={t('similar.title')}>
      {similar.isPending
        ? Array.from({ length: 6 }, (_, i) => <div key={i} className="film-card skeleton" aria-hidden="true" />)
        : null}
      {similar.error ? <ErrorMessage error={similar.error} onRetry={() => void similar.refetch()} /> : null}
      {films?.map((film) => <FilmCard key={film.id} film={film} />)}
    </FilmRow>
  )
}
