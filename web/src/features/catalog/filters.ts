// The catalog's filters live in the URL: a filtered page can be shared and survives a reload.
import type { Filters } from './api'

export const SORTS = ['-popular', '-rating', '-new', '-year', 'year', 'title'] as const
export const COUNTRIES = ['RU', 'SU', 'US', 'GB', 'FR', 'IT', 'DE', 'JP', 'KR', 'ES', 'SE', 'NZ', 'CA', 'IN', 'CN']
export const RATINGS = [5, 6, 7, 8, 9]
const YEAR_MIN = 1888
const YEAR_MAX = 2100

function year(value: string | null): number | undefined {
  const n = Number(value)
  return value && Number.isInteger(n) && n >= YEAR_MIN && n <= YEAR_MAX ? n : undefined
}

export function readFilters(params: URLSearchParams): Filters {
  const rating = Number(params.get('rating_min'))
  const sort = params.get('sort')
  const country = params.get('country')?.toUpperCase()
  return {
    genre: params.getAll('genre').filter((g) => /^[a-z0-9-]{1,40}$/.test(g)),
    year_from: year(params.get('year_from')),
    year_to: year(params.get('year_to')),
    rating_min: rating > 0 && rating <= 10 ? rating : undefined,
    country: country && /^[A-Z]{2}$/.test(country) ? country : undefined,
    q: params.get('q')?.trim() || undefined,
    sort: sort && /^-?(popular|rating|year|title|new)$/.test(sort) ? sort : undefined,
  }
}

export function writeFilters(filters: Filters): URLSearchParams {
  const params = new URLSearchParams()
  if (filters.q) params.set('q', filters.q)
  for (const g of filters.genre) params.append('genre', g)
  if (filters.year_from) params.set('year_from', String(filters.year_from))
  if (filters.year_to) params.set('year_to', String(filters.year_to))
  if (filters.rating_min) params.set('rating_min', String(filters.rating_min))
  if (filters.country) params.set('country', filters.country)
  if (filters.sort) params.set('sort', filters.sort)
  return params
}
