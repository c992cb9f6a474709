// Presigned S3 multipart upload straight from the browser: a few parts in flight, each part
// retried with backoff, a pause while the browser is offline, and progress in bytes, speed and
// time left. Finished parts are reported as they finish, so that a reload can resume.

export interface PartTarget {
  part_number: number
  url: string
}

export interface FinishedPart {
  part_number: number
  etag: string
}

export interface Progress {
  sent: number
  total: number
  bytesPerSecond: number
  secondsLeft: number | null
  partsDone: number
  partsTotal: number
  retrying: boolean
  offline: boolean
}

export type PutPart = (url: string, body: Blob, onBytes: (loaded: number) => void, signal: AbortSignal) => Promise<string>

export interface UploadJob {
  file: Blob
  partSize: number
  targets: PartTarget[]
  finished: FinishedPart[] // already in S3 (resume): never sent again
  concurrency?: number
  maxAttempts?: number
  backoffMs?: number
  signal: AbortSignal
  onProgress: (progress: Progress) => void
  onPartDone: (part: FinishedPart) => void
  putPart?: PutPart
}

export class UploadFailed extends Error {
  readonly partNumber: number
  readonly status: number | null

  constructor(partNumber: number, status: number | null) {
    super(`part ${partNumber} failed${status ? ` (HTTP ${status})` : ''}`)
    this.partNumber = partNumber
    this.status = status
  }
}

class HttpError extends Error {
  readonly status: number

  constructor(status: number) {
    super(`HTTP ${status}`)
    this.status = status
  }
}

/** One PUT with upload progress (fetch has none); resolves to the ETag S3 answered. */
export const xhrPut: PutPart = (url, body, onBytes, signal) =>
  new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest()
    xhr.open('PUT', url)
    xhr.upload.onprogress = (event) => onBytes(event.loaded)
    xhr.onload = () => {
      const etag = xhr.getResponseHeader('ETag')
      if (xhr.status >= 200 && xhr.status < 300 && etag) resolve(etag)
      else reject(new HttpError(xhr.status || 0))
    }
    xhr.onerror = () => reject(new HttpError(0))
    xhr.onabort = () => reject(new DOMException('aborted', 'AbortError'))
    signal.addEventListener('abort', () => xhr.abort(), { once: true })
    xhr.send(body)
  })

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms)
    signal.addEventListener('abort', () => {
      clearTimeout(timer)
      reject(new DOMException('aborted', 'AbortError'))
    })
  })
}

function waitOnline(signal: AbortSignal): Promise<void> {
  if (navigator.onLine) return Promise.resolve()
  return new Promise((resolve, reject) => {
    window.addEventListener('online', () => resolve(), { once: true })
    signal.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')))
  })
}

const SPEED_WINDOW_MS = 5_000

export async function uploadParts(job: UploadJob): Promise<FinishedPart[]> {
  const { file, partSize, signal } = job
  const put = job.putPart ?? xhrPut
  const concurrency = job.concurrency ?? 4
  const maxAttempts = job.maxAttempts ?? 5
  const backoffMs = job.backoffMs ?? 1_000
  const doneNumbers = new Set(job.finished.map((p) => p.part_number))
  const results = new Map(job.finished.map((p) => [p.part_number, p]))
  const partBytes = (n: number) => Math.min(partSize, file.size - (n - 1) * partSize)
  const total = file.size
  let confirmed = [...doneNumbers].reduce((sum, n) => sum + partBytes(n), 0)
  const inFlight = new Map<number, number>()
  const samples: [number, number][] = []
  let retrying = 0
  let offline = false

  function report() {
    const sent = confirmed + [...inFlight.values()].reduce((a, b) => a + b, 0)
    const now = performance.now()
    samples.push([now, sent])
    while (samples.length > 2 && (samples[0]?.[0] ?? now) < now - SPEED_WINDOW_MS) samples.shift()
    const first = samples[0] ?? [now, sent]
    const elapsed = (now - first[0]) / 1000
    const bytesPerSecond = elapsed > 0.2 ? (sent - first[1]) / elapsed : 0
    job.onProgress({
      sent,
      total,
      bytesPerSecond,
      secondsLeft: bytesPerSecond > 0 ? (total - sent) / bytesPerSecond : null,
      partsDone: results.size,
      partsTotal: job.targets.length,
      retrying: retrying > 0,
      offline,
    })
  }

  async function sendOne(target: PartTarget): Promise<void> {
    const n = target.part_number
    const body = file.slice((n - 1) * partSize, (n - 1) * partSize + partBytes(n))
    for (let attempt = 1; ; attempt += 1) {
      try {
        if (!navigator.onLine) {
          offline = true
          report()
          await waitOnline(signal)
          offline = false
        }
        const etag = await put(target.url, body, (loaded) => {
          inFlight.set(n, loaded)
          report()
        }, signal)
        inFlight.delete(n)
        confirmed += body.size
        const part = { part_number: n, etag }
        results.set(n, part)
        job.onPartDone(part)
        report()
        return
      } catch (error) {
        inFlight.delete(n)
        if (signal.aborted) throw error
        const status = error instanceof HttpError ? error.status : null
        // 4xx other than 403 (an expired URL, fixed by the caller) will not heal by retrying
        if (attempt >= maxAttempts || (status !== null && status >= 400 && status < 500)) {
          throw new UploadFailed(n, status)
        }
        retrying += 1
        report()
        await sleep(backoffMs * 2 ** (attempt - 1), signal)
        retrying -= 1
      }
    }
  }

  const queue = job.targets.filter((t) => !doneNumbers.has(t.part_number))
  report()
  async function worker(): Promise<void> {
    for (let target = queue.shift(); target; target = queue.shift()) await sendOne(target)
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, queue.length) }, worker))
  return [...results.values()].sort((a, b) => a.part_number - b.part_number)
}

/** Remembered per film so that a reload offers to resume: ids and ETags only, no URL or token. */
export interface SavedUpload {
  upload_id: string
  name: string
  size: number
  last_modified: number
}

const key = (filmId: string) => `cinema.upload.${filmId}`

export function saveUpload(filmId: string, saved: SavedUpload): void {
  window.localStorage.setItem(key(filmId), JSON.stringify(saved))
}

export function savedUpload(filmId: string): SavedUpload | null {
  try {
    return JSON.parse(window.localStorage.getItem(key(filmId)) ?? 'null') as SavedUpload | null
  } catch {
    return null
  }
}

export function forgetUpload(filmId: string): void {
  window.localStorage.removeItem(key(filmId))
}

export function sameFile(saved: SavedUpload, file: File): boolean {
  return saved.name === file.name && saved.size === file.size && saved.last_modified === file.lastModified
}
