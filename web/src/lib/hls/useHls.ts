import Hls, { type ErrorData, type Level, type LoaderConfig } from 'hls.js'
import { useEffect, useRef, useState, type RefObject } from 'react'

import { setGrantCookies, signedUrlFactory } from './signing'

export interface Quality {
  index: number // -1 = auto
  height: number
}

export type PlaybackProblem = 'network' | 'media' | 'unsupported' | 'forbidden' | null

interface Grant {
  manifest_url: string
  cookies?: Record<string, string>
}

const LIVE_RELOAD_MS = 3_000

/** A live playlist that is not there yet (404) is asked for again every 2 s for a minute. */
const LIVE_PLAYLIST_POLICY: LoaderConfig = {
  maxTimeToFirstByteMs: 10_000,
  maxLoadTimeMs: 20_000,
  timeoutRetry: { maxNumRetry: 2, retryDelayMs: 0, maxRetryDelayMs: 0 },
  errorRetry: {
    maxNumRetry: 30,
    retryDelayMs: 2_000,
    maxRetryDelayMs: 2_000,
    shouldRetry: (config, count, _timeout, response, retry) =>
      retry || (response?.code === 404 && count < (config?.maxNumRetry ?? 0)),
  },
}

/** Attaches the signed HLS stream to the <video>: hls.js where MSE exists, native HLS otherwise. */
export function useHls(
  video: RefObject<HTMLVideoElement | null>,
  grant: Grant | undefined,
  { live = false }: { live?: boolean } = {},
) {
  const hls = useRef<Hls | null>(null)
  const [levels, setLevels] = useState<Quality[]>([])
  const [level, setLevel] = useState(-1)
  const [autoHeight, setAutoHeight] = useState<number | null>(null)
  // a problem belongs to the grant it happened with: a new grant starts clean
  const [failure, setFailure] = useState<{ grant: Grant; problem: PlaybackProblem } | null>(null)
  const problem = failure && failure.grant === grant ? failure.problem : null

  useEffect(() => {
    const element = video.current
    if (!element || !grant) return
    const setProblem = (p: PlaybackProblem) => setFailure({ grant, problem: p })
    // hls.js first: Chromium also says "maybe" to native m3u8, which would bypass all of this.
    if (Hls.isSupported()) {
      const sign = signedUrlFactory(grant.manifest_url)
      const player = new Hls({
        xhrSetup: (xhr, url) => xhr.open('GET', sign(url), true),
        capLevelToPlayerSize: true,
        startLevel: -1,
        // live: start two 2 s fragments behind the edge (hls.js's default is three), and wait
        // out the seconds between "on air" and the first fragment's playlist (a 404 until then)
        ...(live
          ? {
              liveSyncDurationCount: 2,
              manifestLoadPolicy: { default: LIVE_PLAYLIST_POLICY },
              playlistLoadPolicy: { default: LIVE_PLAYLIST_POLICY },
            }
          : {}),
      })
      hls.current = player
      let recovered = false
      let reload: ReturnType<typeof setTimeout> | undefined
      // live: once the stream plays again, the "signal dropped" notice goes
      player.on(Hls.Events.FRAG_BUFFERED, () => setFailure((f) => (f && f.problem === 'network' ? null : f)))
      player.on(Hls.Events.MANIFEST_PARSED, (_e, data) => {
        setLevels(
          data.levels
            .map((l: Level, index: number) => ({ index, height: l.height }))
            .sort((a: Quality, b: Quality) => b.height - a.height),
        )
      })
      player.on(Hls.Events.LEVEL_SWITCHED, (_e, data) => setAutoHeight(player.levels[data.level]?.height ?? null))
      player.on(Hls.Events.ERROR, (_e, data: ErrorData) => {
        if (!data.fatal) return // e.g. bufferSeekOverHole: hls.js handles it
        const status = data.response?.code
        if (status === 403 || status === 401) setProblem('forbidden')
        else if (data.type === Hls.ErrorTypes.MEDIA_ERROR && !recovered) {
          recovered = true
          player.recoverMediaError()
        } else if (data.type === Hls.ErrorTypes.NETWORK_ERROR) {
          setProblem('network')
          // a live signal that dropped may come back: keep asking while the page is open
          if (live) reload = setTimeout(() => player.loadSource(grant.manifest_url), LIVE_RELOAD_MS)
        } else setProblem('media')
      })
      player.loadSource(grant.manifest_url)
      player.attachMedia(element)
      return () => {
        clearTimeout(reload)
        player.destroy()
        hls.current = null
      }
    }
    if (element.canPlayType('application/vnd.apple.mpegurl')) {
      if (grant.cookies) setGrantCookies(grant.cookies, grant.manifest_url)
      element.setAttribute('src', grant.manifest_url)
      return () => {
        element.removeAttribute('src')
        element.load()
      }
    }
    setProblem('unsupported')
    return undefined
  }, [video, grant, live])

  function chooseLevel(index: number) {
    setLevel(index)
    if (hls.current) hls.current.currentLevel = index // -1 = adaptive
  }

  return { levels, level, autoHeight, chooseLevel, problem }
}
