import { describe, expect, it } from 'vitest'

import { readFilters, writeFilters } from './filters'

describe('catalog filters in the URL', () => {
  it('round-trip every filter', () => {
    const filters = {
      genre: ['drama', 'sci-fi'],
      year_from: 1970,
      year_to: 1999,
      rating_min: 7,
      country: 'SU',
      q: 'сталкер',
      sort: '-rating',
    }
    expect(readFilters(writeFilters(filters))).toEqual(filters)
  })

  it('drop what the API would refuse instead of sending it', () => {
    const read = readFilters(new URLSearchParams('year_from=19&rating_min=42&country=xyz&sort=drop&genre=<b>'))
    expect(read).toEqual({
      genre: [],
      year_from: undefined,
      year_to: undefined,
      rating_min: undefined,
      country: undefined,
      q: undefined,
      sort: undefined,
    })
  })
})
