// A profile's face: its name's first letter on a colour of its name (the same on every device,
// and the same in the form that names a new profile as on its tile afterwards).
const COLOURS = ['#ff5a36', '#3ecf8e', '#5b8cff', '#f5b94a', '#c77dff', '#2ec4d6', '#ff6fa5', '#8bc34a']

function colourOf(name: string): string {
  let hash = 0
  for (const char of name) hash = (hash * 31 + char.charCodeAt(0)) >>> 0
  return COLOURS[hash % COLOURS.length] as string
}

export function Avatar({ name, size = 'large' }: { name: string; size?: 'large' | 'small' }) {
  const letter = Array.from(name.trim())[0]?.toUpperCase() ?? '?'
  return (
    <span className={`avatar avatar-${size}`} style={{ background: colourOf(name.trim()) }} aria-hidden="true">
      {letter}
    </span>
  )
}

const PATHS = {
  lock: 'M12 2a5 5 0 0 0-5 5v3H6a2 2 0 0 0-2 2v8a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2v-8a2 2 0 0 0-2-2h-1V7a5 5 0 0 0-5-5zm-3 8V7a3 3 0 0 1 6 0v3zm3 4a2 2 0 0 1 1 3.7V19h-2v-1.3A2 2 0 0 1 12 14z',
  pencil: 'M3 17.25V21h3.75L17.8 9.94l-3.75-3.75zM20.7 7.04a1 1 0 0 0 0-1.41l-2.34-2.34a1 1 0 0 0-1.41 0l-1.83 1.83 3.75 3.75z',
  plus: 'M11 5h2v6h6v2h-6v6h-2v-6H5v-2h6z',
} as const

export function ProfileIcon({ name, size = 18 }: { name: keyof typeof PATHS; size?: number }) {
  return (
    <svg viewBox="0 0 24 24" width={size} height={size} aria-hidden="true" focusable="false">
      <path fill="currentColor" d={PATHS[name]} />
    </svg>
  )
}
