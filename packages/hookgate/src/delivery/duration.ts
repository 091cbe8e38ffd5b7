/**
 * @module delivery/duration
 * Durations as people write them in a config file: `500ms`, `5s`, `5m`, `2h`, `1d`, or a bare number of
 * milliseconds. One unit per value (no `1h30m`): a schedule reads best as a list of plain steps.
 */

const UNITS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
}
const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/

/**
 * Milliseconds in a duration, or `undefined` when it is not one (negative, empty, unknown unit).
 * @example parseDurationMs('5m') // 300000;  parseDurationMs(250) // 250;  parseDurationMs('soon') // undefined
 */
export function parseDurationMs(value: unknown): number | undefined {
  if (typeof value === 'number')
    return Number.isFinite(value) && value >= 0 ? Math.round(value) : undefined
  if (typeof value !== 'string') return undefined
  const text = value.trim()
  if (/^\d+$/.test(text)) return Number(text)
  const match = DURATION.exec(text)
  if (match === null) return undefined
  const ms = Number(match[1]) * (UNITS[match[2]!] ?? Number.NaN)
  return Number.isFinite(ms) ? Math.round(ms) : undefined
}

/** `300000` → `5m`: the largest unit that divides evenly (logs, `GET /api/destinations`). */
export function formatDurationMs(ms: number): string {
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1_000],
  ] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`
  }
  return `${ms}ms`
}
