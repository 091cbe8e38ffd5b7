/**
 * @module ingest/diagnosis-budget
 * Bounds what diagnosing refused requests costs (issue 9 §2): `diagnose()` runs up to 64 candidate verifications
 * per request, so the gateway diagnoses at most `perMinute` signature failures per source per clock minute; the
 * rest are recorded as not diagnosed. A flood of junk signatures therefore costs at most `perMinute` diagnoses a
 * minute per source, whatever its size. The clock is injected.
 */

export interface DiagnosisBudget {
  /** True (and counted) when a signature failure of `sourceId` may be diagnosed at `nowMs`. */
  take(sourceId: string, perMinute: number, nowMs: number): boolean
}

export function createDiagnosisBudget(): DiagnosisBudget {
  // One entry per configured source (the caller passes only configured ids): bounded by the configuration.
  const windows = new Map<string, { minute: number; used: number }>()
  return {
    take(sourceId, perMinute, nowMs) {
      if (perMinute <= 0) return false
      const minute = Math.floor(nowMs / 60_000)
      const window = windows.get(sourceId)
      if (window === undefined || window.minute !== minute) {
        windows.set(sourceId, { minute, used: 1 })
        return true
      }
      if (window.used >= perMinute) return false
      window.used++
      return true
    },
  }
}
