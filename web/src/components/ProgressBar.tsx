interface Props {
  value: number // 0..100
  label: string
  detail?: string
  tone?: 'accent' | 'ok' | 'error'
}

export function ProgressBar({ value, label, detail, tone = 'accent' }: Props) {
  const percent = Math.max(0, Math.min(100, Math.round(value)))
  return (
    <div className="progress">
      <div className="progress-head">
        <span>{label}</span>
        <span>{percent}%</span>
      </div>
      <div
        className={`progress-track tone-${tone}`}
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent}
      >
        <div className="progress-fill" style={{ width: `${percent}%` }} />
      </div>
      {detail ? <div className="progress-detail">{detail}</div> : null}
    </div>
  )
}
