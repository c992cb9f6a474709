import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { Link } from 'react-router'
import { Bar, BarChart, CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts'

import { ErrorMessage } from '../../components/ErrorMessage'
import { Spinner } from '../../components/Spinner'
import { money, shortDate } from '../../lib/format'
import { useStats } from './api'

const PERIODS = [7, 30, 90, 365]

function Chart({ title, total, data, kind, format }: {
  title: string
  total: string
  data: { date: string; value: number }[]
  kind: 'line' | 'bar'
  format?: (value: number) => string
}) {
  const { i18n } = useTranslation()
  const tick = (iso: string) => shortDate(iso, i18n.language)
  const Series = kind === 'line' ? LineChart : BarChart
  return (
    <figure className="card chart" aria-label={title}>
      <figcaption>
        <span>{title}</span>
        <strong>{total}</strong>
      </figcaption>
      <ResponsiveContainer width="100%" height={200}>
        <Series data={data} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
          <CartesianGrid stroke="var(--line)" vertical={false} />
          <XAxis dataKey="date" tickFormatter={tick} stroke="var(--muted)" fontSize={12} minTickGap={24} />
          <YAxis stroke="var(--muted)" fontSize={12} allowDecimals={false} tickFormatter={format} width={format ? 84 : 44} />
          <Tooltip
            labelFormatter={(label) => tick(String(label))}
            formatter={(value) => (format ? format(Number(value)) : String(value))}
            contentStyle={{ background: 'var(--panel)', border: '1px solid var(--line)' }}
          />
          {kind === 'line' ? (
            <Line type="monotone" dataKey="value" stroke="var(--accent)" strokeWidth={2} dot={false} />
          ) : (
            <Bar dataKey="value" fill="var(--accent)" radius={[3, 3, 0, 0]} />
          )}
        </Series>
      </ResponsiveContainer>
    </figure>
  )
}

export function Dashboard() {
  const { t, i18n } = useTranslation()
  const [days, setDays] = useState(30)
  const stats = useStats(days)
  if (stats.isPending) return <Spinner />
  if (stats.error) return <ErrorMessage error={stats.error} onRetry={() => void stats.refetch()} />
  const s = stats.data
  const views = s.views_per_day.map((d) => ({ date: d.date, value: d.views }))
  const signups = s.signups_per_day.map((d) => ({ date: d.date, value: d.count }))
  const currency = s.revenue_per_day[0]?.currency ?? 'RUB'
  const revenue = s.revenue_per_day.map((d) => ({ date: d.date, value: d.amount }))
  const sum = (rows: { value: number }[]) => rows.reduce((a, r) => a + r.value, 0)
  const rub = (v: number) => money(v, currency, i18n.language)
  return (
    <div>
      <div className="page-head">
        <h1>{t('admin.dashboard')}</h1>
        <div className="tabs" role="group" aria-label={t('admin.period')}>
          {PERIODS.map((p) => (
            <button key={p} type="button" className={`tab ${p === days ? 'tab-on' : ''}`} aria-pressed={p === days} onClick={() => setDays(p)}>
              {t('admin.days', { count: p })}
            </button>
          ))}
        </div>
      </div>
      <div className="charts">
        <Chart title={t('admin.views')} total={String(sum(views))} data={views} kind="bar" />
        <Chart title={t('admin.revenue')} total={rub(sum(revenue))} data={revenue} kind="line" format={rub} />
        <Chart title={t('admin.signups')} total={String(sum(signups))} data={signups} kind="bar" />
        <figure className="card chart" aria-label={t('admin.topFilms')}>
          <figcaption>
            <span>{t('admin.topFilms')}</span>
          </figcaption>
          {s.top_films.length === 0 ? <p className="muted">{t('admin.noViews')}</p> : null}
          <ol className="top-films">
            {s.top_films.map((f) => (
              <li key={f.film_id}>
                <Link to={`/films/${f.film_id}`}>{f.title}</Link>
                <span className="muted">{t('admin.viewsCount', { count: f.views })}</span>
              </li>
            ))}
          </ol>
        </figure>
      </div>
    </div>
  )
}
