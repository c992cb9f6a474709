// A film's poster, or a drawn placeholder with its title when it has none yet.
interface Props {
  title: string
  url: string | null | undefined
  year?: number
  size?: 'card' | 'large'
}

function hue(text: string): number {
  let h = 0
  for (const ch of text) h = (h * 31 + ch.charCodeAt(0)) % 360
  return h
}

export function Poster({ title, url, year, size = 'card' }: Props) {
  if (url) {
    return <img className={`poster poster-${size}`} src={url} alt="" loading="lazy" decoding="async" />
  }
  const h = hue(title)
  return (
    <div
      className={`poster poster-${size} poster-placeholder`}
      style={{ background: `linear-gradient(160deg, hsl(${h} 45% 32%), hsl(${(h + 50) % 360} 40% 14%))` }}
      aria-hidden="true"
    >
      <span className="poster-title">{title}</span>
      {year ? <span className="poster-year">{year}</span> : null}
    </div>
  )
}
