/**
 * @module cli/progress
 * A one-line progress display on stderr for long store commands (`export`, `import`, `migrate-store`): counts and
 * rate, redrawn at most 4 times a second, only when stderr is a terminal (or when asked with `--progress`), so
 * that logs and pipes never fill with carriage returns.
 */

export interface Progress {
  /** Redraws (throttled) with the current counts, e.g. `{ events: 1200, skipped: 3 }`. */
  update(counts: Readonly<Record<string, number>>): void
  /** Draws the final counts and ends the line. */
  done(counts: Readonly<Record<string, number>>): void
}

const REDRAW_MS = 250

/** @param force draw even when stderr is not a terminal (`--progress`) */
export function createProgress(
  label: string,
  force = false,
  now: () => number = Date.now,
): Progress {
  const enabled = force || process.stderr.isTTY === true
  const started = now()
  let last = 0
  const draw = (counts: Readonly<Record<string, number>>, end: boolean): void => {
    const elapsedS = Math.max(0.001, (now() - started) / 1000)
    const first = Object.values(counts)[0] ?? 0
    const parts = Object.entries(counts).map(([name, n]) => `${n} ${name}`)
    const text = `${label}: ${parts.join(', ')} (${Math.round(first / elapsedS)}/s, ${elapsedS.toFixed(1)} s)`
    process.stderr.write(
      process.stderr.isTTY === true ? `\r\x1b[2K${text}${end ? '\n' : ''}` : `${text}\n`,
    )
  }
  return {
    update(counts) {
      if (!enabled) return
      const t = now()
      if (t - last < REDRAW_MS) return
      last = t
      draw(counts, false)
    },
    done(counts) {
      if (enabled) draw(counts, true)
    },
  }
}
