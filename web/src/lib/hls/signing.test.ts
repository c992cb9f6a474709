import { describe, expect, it } from 'vitest'

import { signedUrlFactory } from './signing'

const manifest = 'http://127.0.0.1:8000/media/hls/film-1/upload-1/master.m3u8?Policy=p&Signature=s&Key-Pair-Id=k'

describe('signing every HLS request', () => {
  const sign = signedUrlFactory(manifest)

  it('adds the grant to playlists and segments under the film prefix', () => {
    expect(sign('http://127.0.0.1:8000/media/hls/film-1/upload-1/720p/seg-1.ts')).toBe(
      'http://127.0.0.1:8000/media/hls/film-1/upload-1/720p/seg-1.ts?Policy=p&Signature=s&Key-Pair-Id=k',
    )
  })

  it('leaves signed URLs and other hosts alone', () => {
    expect(sign(manifest)).toBe(manifest)
    expect(sign('https://elsewhere.example/x.ts')).toBe('https://elsewhere.example/x.ts')
    expect(sign('http://127.0.0.1:8000/media/hls/film-2/x.ts')).toBe('http://127.0.0.1:8000/media/hls/film-2/x.ts')
  })
})
