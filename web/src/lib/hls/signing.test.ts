import { describe, expect, it } from 'vitest'

import { signedUrlFactory } from './signing'

function policy(resource: string): string {
  const json = JSON.stringify({ Statement: [{ Resource: resource, Condition: {} }] })
  return btoa(json).replace(/\+/g, '-').replace(/=/g, '_').replace(/\//g, '~')
}

const base = 'http://127.0.0.1:8000/media/hls/film-1'
const query = `Policy=${policy(`${base}/*`)}&Signature=s&Key-Pair-Id=k`
const manifest = `${base}/upload-1/master.m3u8?${query}`

describe('signing every HLS request', () => {
  const sign = signedUrlFactory(manifest)

  it("adds the grant to playlists and segments under the policy's prefix", () => {
    expect(sign(`${base}/upload-1/720p/seg-1.ts`)).toBe(`${base}/upload-1/720p/seg-1.ts?${query}`)
  })

  it('leaves signed URLs, other films and other hosts alone', () => {
    expect(sign(manifest)).toBe(manifest)
    expect(sign('https://elsewhere.example/x.ts')).toBe('https://elsewhere.example/x.ts')
    expect(sign('http://127.0.0.1:8000/media/hls/film-2/x.ts')).toBe('http://127.0.0.1:8000/media/hls/film-2/x.ts')
  })

  it("falls back to the manifest's folder without a readable policy", () => {
    const live = signedUrlFactory('http://127.0.0.1:8000/media/live/ev/index.m3u8?Signature=s&Key-Pair-Id=k')
    expect(live('http://127.0.0.1:8000/media/live/ev/index-3.ts')).toBe(
      'http://127.0.0.1:8000/media/live/ev/index-3.ts?Signature=s&Key-Pair-Id=k',
    )
  })
})
