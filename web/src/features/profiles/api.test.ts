import { describe, expect, it } from 'vitest'

import { AGE_RATINGS, KIDS_MAX, PIN_PATTERN, ratingsFor } from './api'

describe('profiles', () => {
  it('offers a kids profile the age limits up to 12+ only, a grown-up one all of them', () => {
    expect(ratingsFor(true)).toEqual(['0+', '6+', '12+'])
    expect(ratingsFor(true).at(-1)).toBe(KIDS_MAX)
    expect(ratingsFor(false)).toEqual(AGE_RATINGS)
  })

  it('takes a PIN of exactly four digits', () => {
    expect(PIN_PATTERN.test('0420')).toBe(true)
    for (const bad of ['123', '12345', '12a4', ' 1234', '']) expect(PIN_PATTERN.test(bad)).toBe(false)
  })
})
