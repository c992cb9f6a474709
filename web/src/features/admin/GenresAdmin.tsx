import { useState, type FormEvent } from 'react'
import { useTranslation } from 'react-i18next'

import { Button } from '../../components/Button'
import { ErrorMessage } from '../../components/ErrorMessage'
import { useGenreMutations, useGenres } from './api'

export function GenresAdmin() {
  const { t } = useTranslation()
  const genres = useGenres()
  const { create, rename, remove } = useGenreMutations()
  const [slug, setSlug] = useState('')
  const [name, setName] = useState('')

  function add(event: FormEvent) {
    event.preventDefault()
    create.mutate(
      { slug: slug.trim(), name: name.trim() },
      {
        onSuccess: () => {
          setSlug('')
          setName('')
        },
      },
    )
  }

  return (
    <div>
      <h1>{t('admin.genres')}</h1>
      <form className="toolbar" onSubmit={add}>
        <input aria-label="slug" placeholder="slug" required pattern="[a-z0-9-]+" value={slug} onChange={(e) => setSlug(e.target.value)} />
        <input aria-label={t('admin.genreName')} placeholder={t('admin.genreName')} required value={name} onChange={(e) => setName(e.target.value)} />
        <Button type="submit" busy={create.isPending}>
          {t('common.add')}
        </Button>
      </form>
      <ErrorMessage error={create.error ?? rename.error ?? remove.error ?? genres.error} />
      <table className="table">
        <tbody>
          {genres.data?.map((g) => (
            <tr key={g.slug}>
              <td>
                <code>{g.slug}</code>
              </td>
              <td>{g.name}</td>
              <td className="actions">
                <button
                  type="button"
                  className="link-button"
                  onClick={() => {
                    const next = window.prompt(t('admin.genreName'), g.name)
                    if (next?.trim()) rename.mutate({ slug: g.slug, name: next.trim() })
                  }}
                >
                  {t('common.edit')}
                </button>
                <button
                  type="button"
                  className="link-button danger"
                  onClick={() => window.confirm(t('admin.confirmGenreDelete', { name: g.name })) && remove.mutate(g.slug)}
                >
                  {t('common.delete')}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}
