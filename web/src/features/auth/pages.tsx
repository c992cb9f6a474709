import { useState, type FormEvent } from 'react'
import { useTranslation } from 'react-i18next'
import { Link, useNavigate, useSearchParams } from 'react-router'

import { Button } from '../../components/Button'
import { ErrorMessage } from '../../components/ErrorMessage'
import { useConfirmReset, useRegister, useRequestReset, useSignIn } from './api'

const PASSWORD_MIN = 10

/** Where to go after signing in: only a path of this app, never another site. */
function useNext(): string {
  const [params] = useSearchParams()
  const next = params.get('next') ?? '/'
  return next.startsWith('/') && !next.startsWith('//') ? next : '/'
}

export function LoginPage() {
  const { t } = useTranslation()
  const navigate = useNavigate()
  const next = useNext()
  const signIn = useSignIn()
  const [email, setEmail] = useState('')
  const [password, setPassword] = useState('')

  function submit(event: FormEvent) {
    event.preventDefault()
    signIn.mutate({ email: email.trim(), password }, { onSuccess: () => navigate(next, { replace: true }) })
  }

  return (
    <div className="page narrow">
      <form className="card form" onSubmit={submit} aria-labelledby="login-title">
        <h1 id="login-title">{t('auth.signInTitle')}</h1>
        <label>
          {t('auth.email')}
          <input type="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
        </label>
        <label>
          {t('auth.password')}
          <input
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </label>
        <ErrorMessage error={signIn.error} />
        <Button type="submit" busy={signIn.isPending}>
          {t('auth.signIn')}
        </Button>
        <div className="form-links">
          <Link to="/forgot-password">{t('auth.forgot')}</Link>
          <Link to={`/register?next=${encodeURIComponent(next)}`}>{t('auth.noAccount')}</Link>
        </div>
      </form>
    </div>
  )
}

export function RegisterPage() {
  const { t } = useTranslation()
  const navigate = useNavigate()
  const next = useNext()
  const register = useRegister()
  const [form, setForm] = useState({ email: '', password: '', display_name: '' })

  function submit(event: FormEvent) {
    event.preventDefault()
    register.mutate(
      { email: form.email.trim(), password: form.password, display_name: form.display_name.trim() || undefined },
      { onSuccess: () => navigate(next, { replace: true }) },
    )
  }

  return (
    <div className="page narrow">
      <form className="card form" onSubmit={submit} aria-labelledby="register-title">
        <h1 id="register-title">{t('auth.registerTitle')}</h1>
        <label>
          {t('auth.displayName')}
          <input
            autoComplete="nickname"
            maxLength={64}
            value={form.display_name}
            onChange={(e) => setForm({ ...form, display_name: e.target.value })}
          />
        </label>
        <label>
          {t('auth.email')}
          <input
            type="email"
            autoComplete="email"
            required
            value={form.email}
            onChange={(e) => setForm({ ...form, email: e.target.value })}
          />
        </label>
        <label>
          {t('auth.password')}
          <input
            type="password"
            autoComplete="new-password"
            required
            minLength={PASSWORD_MIN}
            value={form.password}
            onChange={(e) => setForm({ ...form, password: e.target.value })}
            aria-describedby="password-hint"
          />
        </label>
        <span id="password-hint" className="hint">
          {t('auth.passwordHint', { min: PASSWORD_MIN })}
        </span>
        <ErrorMessage error={register.error} />
        <Button type="submit" busy={register.isPending}>
          {t('auth.register')}
        </Button>
        <div className="form-links">
          <Link to={`/login?next=${encodeURIComponent(next)}`}>{t('auth.haveAccount')}</Link>
        </div>
      </form>
    </div>
  )
}

export function ForgotPasswordPage() {
  const { t } = useTranslation()
  const request = useRequestReset()
  const [email, setEmail] = useState('')

  return (
    <div className="page narrow">
      <form
        className="card form"
        aria-labelledby="forgot-title"
        onSubmit={(e) => {
          e.preventDefault()
          request.mutate(email.trim())
        }}
      >
        <h1 id="forgot-title">{t('auth.forgotTitle')}</h1>
        {request.isSuccess ? (
          <p className="alert alert-ok" role="status">
            {t('auth.resetSent')}
          </p>
        ) : (
          <>
            <p className="muted">{t('auth.forgotHelp')}</p>
            <label>
              {t('auth.email')}
              <input type="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
            </label>
            <ErrorMessage error={request.error} />
            <Button type="submit" busy={request.isPending}>
              {t('auth.sendLink')}
            </Button>
          </>
        )}
        <div className="form-links">
          <Link to="/login">{t('auth.backToSignIn')}</Link>
        </div>
      </form>
    </div>
  )
}

export function ResetPasswordPage() {
  const { t } = useTranslation()
  const [params] = useSearchParams()
  const token = params.get('token') ?? ''
  const confirm = useConfirmReset()
  const [password, setPassword] = useState('')

  return (
    <div className="page narrow">
      <form
        className="card form"
        aria-labelledby="reset-title"
        onSubmit={(e) => {
          e.preventDefault()
          confirm.mutate({ token, new_password: password })
        }}
      >
        <h1 id="reset-title">{t('auth.resetTitle')}</h1>
        {!token ? <p className="alert alert-error">{t('auth.resetNoToken')}</p> : null}
        {confirm.isSuccess ? (
          <>
            <p className="alert alert-ok" role="status">
              {t('auth.resetDone')}
            </p>
            <Link to="/login" className="btn btn-primary">
              {t('auth.signIn')}
            </Link>
          </>
        ) : (
          <>
            <label>
              {t('auth.newPassword')}
              <input
                type="password"
                autoComplete="new-password"
                required
                minLength={PASSWORD_MIN}
                value={password}
                onChange={(e) => setPassword(e.target.value)}
                aria-describedby="new-password-hint"
              />
            </label>
            <span id="new-password-hint" className="hint">
              {t('auth.passwordHint', { min: PASSWORD_MIN })}
            </span>
            <ErrorMessage error={confirm.error} />
            <Button type="submit" busy={confirm.isPending} disabled={!token}>
              {t('auth.setPassword')}
            </Button>
          </>
        )}
      </form>
    </div>
  )
}
