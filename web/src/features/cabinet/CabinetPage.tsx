import { useState, type FormEvent, type ReactNode } from 'react'
import { useTranslation } from 'react-i18next'
import { Link, Navigate, NavLink, useParams } from 'react-router'

import { Button } from '../../components/Button'
import { ErrorMessage } from '../../components/ErrorMessage'
import { FilmCard } from '../../components/FilmCard'
import { Spinner } from '../../components/Spinner'
import { clock, date, money } from '../../lib/format'
import { useMe } from '../../lib/me'
import {
  useChangePassword,
  useContinue,
  useFavorites,
  useHistory,
  usePayments,
  usePortal,
  useSubscription,
  useUpdateProfile,
} from './api'

const TABS = ['continue', 'history', 'favorites', 'payments', 'subscription', 'profile'] as const

interface PagedQuery {
  isPending: boolean
  error: unknown
  hasNextPage: boolean
  isFetchingNextPage: boolean
  fetchNextPage: () => unknown
}

function Paged({ query, empty, children }: { query: PagedQuery; empty: boolean; children: ReactNode }) {
  const { t } = useTranslation()
  if (query.isPending) return <Spinner />
  return (
    <>
      <ErrorMessage error={query.error} />
      {empty ? <p className="empty">{t('cabinet.empty')}</p> : children}
      {query.hasNextPage ? (
        <Button variant="secondary" busy={query.isFetchingNextPage} onClick={() => void query.fetchNextPage()}>
          {t('common.more')}
        </Button>
      ) : null}
    </>
  )
}

function Watched({ which }: { which: 'history' | 'continue' }) {
  const { t, i18n } = useTranslation()
  const history = useHistory()
  const resume = useContinue()
  const query = which === 'history' ? history : resume
  const items = query.data?.pages.flatMap((p) => p.items) ?? []
  return (
    <Paged query={query} empty={items.length === 0}>
      <div className="grid">
        {items.map((item) => (
          <FilmCard
            key={item.film.id}
            film={item.film}
            progress={item.duration_seconds ? item.position_seconds / item.duration_seconds : 0}
            note={
              item.completed
                ? t('cabinet.watched')
                : which === 'history'
                  ? `${clock(item.position_seconds)} · ${date(item.updated_at, i18n.language)}`
                  : t('cabinet.stoppedAt', { time: clock(item.position_seconds) })
            }
          />
        ))}
      </div>
    </Paged>
  )
}

function Favorites() {
  const query = useFavorites()
  const items = query.data?.pages.flatMap((p) => p.items) ?? []
  return (
    <Paged query={query} empty={items.length === 0}>
      <div className="grid">
        {items.map((item) => (
          <FilmCard key={item.film.id} film={item.film} />
        ))}
      </div>
    </Paged>
  )
}

function Payments() {
  const { t, i18n } = useTranslation()
  const query = usePayments()
  const items = query.data?.pages.flatMap((p) => p.items) ?? []
  return (
    <Paged query={query} empty={items.length === 0}>
      <table className="table">
        <thead>
          <tr>
            <th>{t('cabinet.date')}</th>
            <th>{t('cabinet.what')}</th>
            <th>{t('cabinet.amount')}</th>
            <th>{t('cabinet.status')}</th>
          </tr>
        </thead>
        <tbody>
          {items.map((p) => (
            <tr key={p.id}>
              <td>{date(p.created_at, i18n.language)}</td>
              <td>
                {p.film_id ? <Link to={`/films/${p.film_id}`}>{p.description}</Link> : p.description}
              </td>
              <td>{money(p.amount, p.currency, i18n.language)}</td>
              <td>
                <span className={`badge status-${p.status}`}>{t(`paymentStatus.${p.status}`, { defaultValue: p.status })}</span>
                {p.amount_refunded > 0 ? ` (${t('cabinet.refunded', { amount: money(p.amount_refunded, p.currency, i18n.language) })})` : ''}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </Paged>
  )
}

function Subscription() {
  const { t, i18n } = useTranslation()
  const subscription = useSubscription()
  const portal = usePortal()
  if (subscription.isPending) return <Spinner />
  const data = subscription.data
  const active = data && 'entitled' in data ? data : null
  return (
    <div className="card narrow-card">
      <ErrorMessage error={subscription.error ?? portal.error} />
      {active ? (
        <>
          <h2>{active.plan?.name ?? t('cabinet.subscription')}</h2>
          <p>
            {t('cabinet.subStatus')}: <span className="badge">{t(`subStatus.${active.status}`, { defaultValue: active.status })}</span>
          </p>
          {active.current_period_end ? (
            <p>
              {active.cancel_at_period_end ? t('cabinet.endsOn') : t('cabinet.renewsOn')}{' '}
              <strong>{date(active.current_period_end, i18n.language)}</strong>
            </p>
          ) : null}
          <Button busy={portal.isPending} onClick={() => portal.mutate()}>
            {t('cabinet.manage')}
          </Button>
        </>
      ) : (
        <>
          <p>{t('cabinet.noSubscription')}</p>
          <Link className="btn btn-primary" to="/subscribe">
            {t('film.subscribe')}
          </Link>
        </>
      )}
    </div>
  )
}

function Profile() {
  const { t, i18n } = useTranslation()
  const { me } = useMe()
  const update = useUpdateProfile()
  const change = useChangePassword()
  const [name, setName] = useState(me?.display_name ?? '')
  const [current, setCurrent] = useState('')
  const [next, setNext] = useState('')
  function saveName(event: FormEvent) {
    event.preventDefault()
    update.mutate({ display_name: name.trim() })
  }
  function savePassword(event: FormEvent) {
    event.preventDefault()
    change.mutate(
      { current_password: current, new_password: next },
      {
        onSuccess: () => {
          setCurrent('')
          setNext('')
        },
      },
    )
  }
  return (
    <div className="two-cols">
      <form className="card form" onSubmit={saveName}>
        <h2>{t('cabinet.profile')}</h2>
        <p className="muted">
          {me?.email} · {t('cabinet.since', { date: me ? date(me.created_at, i18n.language) : '' })}
        </p>
        <label>
          {t('auth.displayName')}
          <input required maxLength={64} value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        <ErrorMessage error={update.error} />
        {update.isSuccess ? <p className="alert alert-ok" role="status">{t('common.saved')}</p> : null}
        <Button type="submit" busy={update.isPending}>
          {t('common.save')}
        </Button>
      </form>
      <form className="card form" onSubmit={savePassword}>
        <h2>{t('cabinet.password')}</h2>
        <label>
          {t('cabinet.currentPassword')}
          <input type="password" autoComplete="current-password" required value={current} onChange={(e) => setCurrent(e.target.value)} />
        </label>
        <label>
          {t('auth.newPassword')}
          <input type="password" autoComplete="new-password" required minLength={10} value={next} onChange={(e) => setNext(e.target.value)} />
        </label>
        <ErrorMessage error={change.error} />
        {change.isSuccess ? <p className="alert alert-ok" role="status">{t('cabinet.passwordChanged')}</p> : null}
        <Button type="submit" busy={change.isPending}>
          {t('cabinet.changePassword')}
        </Button>
      </form>
    </div>
  )
}

export function CabinetPage() {
  const { t } = useTranslation()
  const { tab = 'continue' } = useParams()
  const { signedIn } = useMe()
  if (!signedIn) return <Navigate to={`/login?next=${encodeURIComponent(`/account/${tab}`)}`} replace />
  const current = (TABS as readonly string[]).includes(tab) ? tab : 'continue'
  return (
    <div className="page">
      <h1>{t('cabinet.title')}</h1>
      <nav className="tabs" aria-label={t('cabinet.title')}>
        {TABS.map((name) => (
          <NavLink key={name} to={`/account/${name}`} className={() => `tab ${current === name ? 'tab-on' : ''}`}>
            {t(`cabinet.tabs.${name}`)}
          </NavLink>
        ))}
      </nav>
      <div className="tab-body">
        {current === 'continue' ? <Watched which="continue" /> : null}
        {current === 'history' ? <Watched which="history" /> : null}
        {current === 'favorites' ? <Favorites /> : null}
        {current === 'payments' ? <Payments /> : null}
        {current === 'subscription' ? <Subscription /> : null}
        {current === 'profile' ? <Profile /> : null}
      </div>
    </div>
  )
}
