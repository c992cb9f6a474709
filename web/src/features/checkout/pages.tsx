import { useEffect, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { Link, Navigate, useSearchParams } from 'react-router'

import { Button } from '../../components/Button'
import { ErrorMessage } from '../../components/ErrorMessage'
import { Spinner } from '../../components/Spinner'
import { date, money } from '../../lib/format'
import { useMe } from '../../lib/me'
import { recallIntent } from '../../lib/checkout'
import { useFilmAccess, usePlans, useSubscribe, useSubscription } from './api'

const WAIT_MS = 60_000

export function PlansPage() {
  const { t, i18n } = useTranslation()
  const [params] = useSearchParams()
  const filmId = params.get('film') ?? undefined
  const { signedIn } = useMe()
  const plans = usePlans()
  const subscription = useSubscription()
  const subscribe = useSubscribe()
  const current = subscription.data && 'entitled' in subscription.data ? subscription.data : null
  const here = `/subscribe${filmId ? `?film=${filmId}` : ''}`

  return (
    <div className="page">
      <h1>{t('plans.title')}</h1>
      <p className="muted">{t('plans.lead')}</p>
      {current?.entitled ? (
        <p className="alert alert-ok">
          {t('plans.alreadyUntil', {
            plan: current.plan?.name ?? '',
            date: current.current_period_end ? date(current.current_period_end, i18n.language) : '—',
          })}
        </p>
      ) : null}
      {plans.isPending ? <Spinner /> : null}
      <ErrorMessage error={plans.error ?? subscribe.error} />
      <div className="plans">
        {plans.data?.map((plan) => (
          <div key={plan.id} className="card plan">
            <h2>{plan.name}</h2>
            <p className="plan-price">
              {money(plan.price.amount, plan.price.currency, i18n.language)}
              <span className="muted"> / {t(`plans.per.${plan.interval}`)}</span>
            </p>
            <ul className="plan-perks">
              <li>{t('plans.perkAll')}</li>
              <li>{t('plans.perkHd')}</li>
              <li>{t('plans.perkCancel')}</li>
            </ul>
            {signedIn ? (
              <Button
                busy={subscribe.isPending && subscribe.variables?.planId === plan.id}
                disabled={current?.entitled}
                onClick={() => subscribe.mutate({ planId: plan.id, filmId })}
              >
                {t('plans.choose')}
              </Button>
            ) : (
              <Link className="btn btn-primary" to={`/login?next=${encodeURIComponent(here)}`}>
                {t('plans.signInFirst')}
              </Link>
            )}
          </div>
        ))}
      </div>
    </div>
  )
}

/** Back from Stripe Checkout: access follows the webhook, so wait for it, then offer Play. */
export function CheckoutSuccessPage() {
  const { t } = useTranslation()
  const { signedIn } = useMe()
  const [intent] = useState(recallIntent)
  const [timedOut, setTimedOut] = useState(false)
  const filmId = intent?.kind === 'film' ? intent.film_id : undefined
  const waitSubscription = intent?.kind !== 'film'
  const subscription = useSubscription(waitSubscription && !timedOut)
  const film = useFilmAccess(filmId, Boolean(filmId) && !timedOut)
  const granted = filmId
    ? film.data?.can_watch === true
    : Boolean(subscription.data && 'entitled' in subscription.data && subscription.data.entitled)

  useEffect(() => {
    if (granted) return
    const timer = setTimeout(() => setTimedOut(true), WAIT_MS)
    return () => clearTimeout(timer)
  }, [granted])

  if (!signedIn) return <Navigate to="/login?next=/payments/success" replace />
  const target = filmId ?? intent?.film_id
  return (
    <div className="page narrow">
      <div className="card center-text">
        {granted ? (
          <>
            <h1>{t('checkout.done')}</h1>
            <p>{filmId ? t('checkout.filmReady') : t('checkout.subscriptionReady')}</p>
            {target ? (
              <Link className="btn btn-primary btn-large" to={`/watch/${target}`}>
                ▶ {t('film.play')}
              </Link>
            ) : (
              <Link className="btn btn-primary btn-large" to="/films">
                {t('checkout.toCatalog')}
              </Link>
            )}
          </>
        ) : timedOut ? (
          <>
            <h1>{t('checkout.slowTitle')}</h1>
            <p role="alert">{t('checkout.slow')}</p>
            <div className="actions center">
              <Button onClick={() => setTimedOut(false)}>{t('checkout.checkAgain')}</Button>
              <Link className="btn btn-secondary" to="/account/payments">
                {t('checkout.toCabinet')}
              </Link>
            </div>
          </>
        ) : (
          <>
            <h1>{t('checkout.waitingTitle')}</h1>
            <Spinner label={t('checkout.waiting')} />
            <p className="muted">{t('checkout.waiting')}</p>
          </>
        )}
        <ErrorMessage error={subscription.error ?? film.error} />
      </div>
    </div>
  )
}

export function CheckoutCancelPage() {
  const { t } = useTranslation()
  const intent = recallIntent()
  return (
    <div className="page narrow">
      <div className="card center-text">
        <h1>{t('checkout.cancelled')}</h1>
        <p className="muted">{t('checkout.cancelledHelp')}</p>
        <Link className="btn btn-primary" to={intent?.film_id ? `/films/${intent.film_id}` : '/subscribe'}>
          {t('common.back')}
        </Link>
      </div>
    </div>
  )
}
