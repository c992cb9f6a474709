import { useState } from 'react'
import { useTranslation } from 'react-i18next'

import { Button } from '../../components/Button'
import { ErrorMessage } from '../../components/ErrorMessage'
import { date } from '../../lib/format'
import { useMe } from '../../lib/me'
import { useUpdateUser, useUsers } from './api'

const ROLES = ['user', 'moderator', 'admin'] as const

export function UsersAdmin() {
  const { t, i18n } = useTranslation()
  const { me } = useMe()
  const [q, setQ] = useState('')
  const [role, setRole] = useState<'' | (typeof ROLES)[number]>('')
  const users = useUsers({ q: q.trim() || undefined, role: role || undefined })
  const update = useUpdateUser()
  const items = users.data?.pages.flatMap((p) => p.items) ?? []
  return (
    <div>
      <h1>{t('admin.users')}</h1>
      <div className="toolbar">
        <input type="search" aria-label={t('admin.searchUsers')} placeholder={t('admin.searchUsers')} value={q} onChange={(e) => setQ(e.target.value)} />
        <select aria-label={t('admin.role')} value={role} onChange={(e) => setRole(e.target.value as typeof role)}>
          <option value="">{t('admin.allRoles')}</option>
          {ROLES.map((r) => (
            <option key={r} value={r}>
              {t(`role.${r}`)}
            </option>
          ))}
        </select>
      </div>
      <ErrorMessage error={users.error ?? update.error} />
      <table className="table">
        <thead>
          <tr>
            <th>{t('auth.email')}</th>
            <th>{t('auth.displayName')}</th>
            <th>{t('admin.since')}</th>
            <th>{t('admin.role')}</th>
            <th>{t('admin.active')}</th>
          </tr>
        </thead>
        <tbody>
          {items.map((u) => (
            <tr key={u.id} className={u.is_active ? '' : 'row-off'}>
              <td>{u.email}</td>
              <td>{u.display_name}</td>
              <td>{date(u.created_at, i18n.language)}</td>
              <td>
                <select
                  aria-label={t('admin.roleOf', { email: u.email })}
                  value={u.role}
                  disabled={u.id === me?.id}
                  onChange={(e) => update.mutate({ id: u.id, body: { role: e.target.value as (typeof ROLES)[number] } })}
                >
                  {ROLES.map((r) => (
                    <option key={r} value={r}>
                      {t(`role.${r}`)}
                    </option>
                  ))}
                </select>
              </td>
              <td>
                <Button
                  variant={u.is_active ? 'ghost' : 'secondary'}
                  disabled={u.id === me?.id}
                  onClick={() => update.mutate({ id: u.id, body: { is_active: !u.is_active } })}
                >
                  {u.is_active ? t('admin.deactivate') : t('admin.activate')}
                </Button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {users.hasNextPage ? (
        <Button variant="secondary" busy={users.isFetchingNextPage} onClick={() => void users.fetchNextPage()}>
          {t('common.more')}
        </Button>
      ) : null}
    </div>
  )
}
