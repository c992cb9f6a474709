import { describe, expect, it } from 'vitest'

import { uploadParts, type PutPart } from './uploader'

const MB = 1024 * 1024

function job(put: PutPart, finished: { part_number: number; etag: string }[] = []) {
  const file = new Blob([new Uint8Array(10 * MB + 5)])
  const targets = [1, 2, 3].map((n) => ({ part_number: n, url: `https://s3/part-${n}` }))
  const done: number[] = []
  return {
    run: () =>
      uploadParts({
        file,
        partSize: 4 * MB,
        targets,
        finished,
        backoffMs: 1,
        signal: new AbortController().signal,
        onProgress: () => undefined,
        onPartDone: (p) => done.push(p.part_number),
        putPart: put,
      }),
    done,
  }
}

describe('multipart upload', () => {
  it('sends every part once and returns them in order', async () => {
    const sizes: number[] = []
    const put: PutPart = async (url, body) => {
      sizes.push(body.size)
      return `"etag-${url.slice(-1)}"`
    }
    const { run } = job(put)
    expect(await run()).toEqual([1, 2, 3].map((n) => ({ part_number: n, etag: `"etag-${n}"` })))
    expect(sizes.sort((a, b) => a - b)).toEqual([2 * MB + 5, 4 * MB, 4 * MB])
  })

  it('retries a failed part with backoff', async () => {
    let failures = 0
    const put: PutPart = async (url) => {
      if (url.endsWith('2') && failures < 2) {
        failures += 1
        throw new Error('network')
      }
      return '"e"'
    }
    const { run } = job(put)
    expect((await run()).map((p) => p.part_number)).toEqual([1, 2, 3])
    expect(failures).toBe(2)
  })

  it('never re-sends parts that are already in S3', async () => {
    const sent: string[] = []
    const put: PutPart = async (url) => {
      sent.push(url)
      return '"new"'
    }
    const { run, done } = job(put, [{ part_number: 1, etag: '"old-1"' }])
    const parts = await run()
    expect(sent.sort()).toEqual(['https://s3/part-2', 'https://s3/part-3'])
    expect(parts[0]).toEqual({ part_number: 1, etag: '"old-1"' })
    expect(done.sort()).toEqual([2, 3])
  })
})
