import { useEffect, useState, type RefObject } from 'react'

import { OFF, rememberedSubtitles, rememberSubtitles } from './subtitleChoice'

export interface SubtitleOption {
  language: string
  label: string
}

// The player's controls cover the bottom of the picture (three rows of them on a phone): cues
// that do not place themselves end at 80 % of the height, above the controls.
const CUE_BOTTOM_PERCENT = 80

function placeCues(track: TextTrack): void {
  for (const cue of Array.from(track.activeCues ?? [])) {
    if (cue instanceof VTTCue && cue.line === 'auto') {
      cue.snapToLines = false
      cue.lineAlign = 'end'
      cue.line = CUE_BOTTOM_PERCENT
    }
  }
}

/** Shows `wanted` (a language, or OFF) and disables every other subtitle track. */
function showOnly(element: HTMLVideoElement, wanted: string): void {
  const tracks = subtitleTracks(element)
  const chosen = wanted === OFF ? undefined : tracks.find((track) => track.language === wanted)
  for (const track of tracks) if (track !== chosen && track.mode !== 'disabled') track.mode = 'disabled'
  if (chosen && chosen.mode !== 'showing') chosen.mode = 'showing'
}

function subtitleTracks(element: HTMLVideoElement): TextTrack[] {
  return Array.from(element.textTracks).filter((track) => track.kind === 'subtitles' || track.kind === 'captions')
}

/**
 * The subtitle tracks the stream's master lists (its SUBTITLES group), as the <video>'s text
 * tracks: hls.js makes one per track (`renderTextTrackCues`, its default) and follows the one
 * whose mode is 'showing' (its SubtitleTrackController loads that WebVTT), and Safari's native
 * HLS makes the same ones. So one code path chooses for both: every other track 'disabled', the
 * chosen one 'showing'. The choice is remembered per profile (subtitleChoice.ts) and applied as
 * soon as the tracks appear.
 */
export function useSubtitles(video: RefObject<HTMLVideoElement | null>, attached: unknown) {
  const [options, setOptions] = useState<SubtitleOption[]>([])
  const [choice, setChoice] = useState<string>(() => rememberedSubtitles())

  useEffect(() => {
    const element = video.current
    if (!element || !attached) return
    const list = element.textTracks
    const placed = new Set<TextTrack>()
    const place = (event: Event) => placeCues(event.target as TextTrack)
    const refresh = () => {
      const seen = new Map<string, SubtitleOption>()
      for (const track of subtitleTracks(element)) {
        if (!placed.has(track)) {
          placed.add(track)
          track.addEventListener('cuechange', place)
        }
        if (track.language && !seen.has(track.language)) {
          seen.set(track.language, { language: track.language, label: track.label || track.language })
        }
      }
      setOptions([...seen.values()])
      showOnly(element, rememberedSubtitles())
    }
    refresh()
    list.addEventListener('addtrack', refresh)
    list.addEventListener('removetrack', refresh)
    return () => {
      list.removeEventListener('addtrack', refresh)
      list.removeEventListener('removetrack', refresh)
      for (const track of placed) track.removeEventListener('cuechange', place)
    }
  }, [video, attached])

  function choose(language: string) {
    setChoice(language)
    rememberSubtitles(language)
    if (video.current) showOnly(video.current, language)
  }

  // A remembered language this film does not have shows as Off.
  const shown = options.some((option) => option.language === choice) ? choice : OFF
  return { options, choice: shown, choose }
}
