import { useState, type FormEvent } from 'react'
import { useTranslation } from 'react-i18next'

import { Button } from '../../components/Button'
import { ErrorMessage } from '../../components/ErrorMessage'
import { date } from '../../lib/format'
import type { Me } from '../../lib/me'
import { useDeleteReview, useEditReview, usePostReview, useReviews, type Review } from './api'

function ReviewForm({ initial, busy, error, onSubmit, onCancel }: {
  initial?: Review
  busy: boolean
  error: unknown
  onSubmit: (v: { title: string | null; body: string }) => void
  onCancel?: () => void
}) {
  const { t } = useTranslation()
  const [title, setTitle] = useState(initial?.title ?? '')
  const [body, setBody] = useState(initial?.body ?? '')
  function submit(event: FormEvent) {
    event.preventDefault()
    onSubmit({ title: title.trim() || null, body })
  }
  return (
    <form className="review-form" onSubmit={submit}>
      <label>
        {t('reviews.titleField')}
        <input maxLength={200} value={title} onChange={(e) => setTitle(e.target.value)} />
      </label>
      <label>
        {t('reviews.body')}
        <textarea required maxLength={5000} rows={4} value={body} onChange={(e) => setBody(e.target.value)} />
      </label>
      <ErrorMessage error={error} />
      <div className="actions">
        <Button type="submit" busy={busy} disabled={!body.trim()}>
          {initial ? t('common.save') : t('reviews.publish')}
        </Button>
        {onCancel ? (
          <Button variant="ghost" onClick={onCancel}>
            {t('common.cancel')}
          </Button>
        ) : null}
      </div>
    </form>
  )
}

function ReviewItem({ review, filmId, mine }: { review: Review; filmId: string; mine: boolean }) {
  const { t, i18n } = useTranslation()
  const [editing, setEditing] = useState(false)
  const edit = useEditReview(filmId)
  const remove = useDeleteReview(filmId)
  if (editing) {
    return (
      <li className="review">
        <ReviewForm
          initial={review}
          busy={edit.isPending}
          error={edit.error}
          onCancel={() => setEditing(false)}
          onSubmit={(body) => edit.mutate({ id: review.id, body }, { onSuccess: () => setEditing(false) })}
        />
      </li>
    )
  }
  return (
    <li className={`review ${review.hidden ? 'review-hidden' : ''}`}>
      <div className="review-head">
        <strong>{review.author.display_name}</strong>
        {review.score ? <span className="badge">★ {review.score}</span> : null}
        <span className="muted">{date(review.created_at, i18n.language)}</span>
        {review.hidden ? <span className="badge badge-warn">{t('reviews.hidden')}</span> : null}
      </div>
      {review.title ? <h3>{review.title}</h3> : null}
      <p className="review-body">{review.body}</p>
      {mine ? (
        <div className="actions">
          <button type="button" className="link-button" onClick={() => setEditing(true)}>
            {t('common.edit')}
          </button>
          <button
            type="button"
            className="link-button danger"
            disabled={remove.isPending}
            onClick={() => window.confirm(t('reviews.confirmDelete')) && remove.mutate(review.id)}
          >
            {t('common.delete')}
          </button>
          <ErrorMessage error={remove.error} />
        </div>
      ) : null}
    </li>
  )
}

export function Reviews({ filmId, me }: { filmId: string; me: Me | undefined }) {
  const { t } = useTranslation()
  const reviews = useReviews(filmId)
  const post = usePostReview(filmId)
  const items = reviews.data?.pages.flatMap((p) => p.items) ?? []
  const total = reviews.data?.pages[0]?.total ?? 0
  const mine = me ? items.find((r) => r.author.id === me.id) : undefined
  return (
    <section className="reviews" aria-labelledby="reviews-title">
      <h2 id="reviews-title">
        {t('reviews.title')} <span className="muted">{total || ''}</span>
      </h2>
      {me && !mine && !post.isSuccess ? (
        <details className="card write-review">
          <summary>{t('reviews.write')}</summary>
          <ReviewForm busy={post.isPending} error={post.error} onSubmit={(body) => post.mutate(body)} />
        </details>
      ) : null}
      <ErrorMessage error={reviews.error} />
      {reviews.isSuccess && items.length === 0 ? <p className="muted">{t('reviews.none')}</p> : null}
      <ul className="review-list">
        {items.map((review) => (
          <ReviewItem key={review.id} review={review} filmId={filmId} mine={review.author.id === me?.id} />
        ))}
      </ul>
      {reviews.hasNextPage ? (
        <Button variant="secondary" busy={reviews.isFetchingNextPage} onClick={() => void reviews.fetchNextPage()}>
          {t('reviews.more')}
        </Button>
      ) : null}
    </section>
  )
}
