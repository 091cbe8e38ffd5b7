/**
 * @module ingest/rejection-limiter
 * Per-client limits on rejected requests (issue 12): a token bucket per remote address that only refusals drain.
 * A sender whose requests keep failing (a flood of junk signatures, a misconfigured integration) is answered 429
 * with `Retry-After` before any body is read or any signature checked, while valid senders, which are never
 * refused, are never slowed. The table is bounded: past `maxClients`, the entries idle longest are dropped.
 */

export interface RejectionLimits {
  /** Refusals an address may have in a burst. 0 turns the limiter off. */
  readonly burst: number
  /** Refusals per second the bucket earns back. */
  readonly perSecond: number
  /** Addresses tracked at most. */
  readonly maxClients: number
}

export interface RejectionLimiter {
  /** Seconds until `address` may be refused again (0: go on and check the request). No address: never limited. */
  retryAfter(address: string | undefined, nowMs: number): number
  /** Counts one refusal against `address`. */
  refused(address: string | undefined, nowMs: number): void
}

interface Bucket {
  tokens: number
  updatedMs: number
}

export function createRejectionLimiter(limits: RejectionLimits): RejectionLimiter {
  // A Map iterates in insertion order: re-inserting on use keeps the longest-idle entries first, for eviction.
  const buckets = new Map<string, Bucket>()

  function refill(address: string, nowMs: number): Bucket | undefined {
    const bucket = buckets.get(address)
    if (bucket === undefined) return undefined
    bucket.tokens = Math.min(
      limits.burst,
      bucket.tokens + ((nowMs - bucket.updatedMs) / 1000) * limits.perSecond,
    )
    bucket.updatedMs = nowMs
    if (bucket.tokens >= limits.burst) {
      buckets.delete(address) // full again: nothing to remember
      return undefined
    }
    return bucket
  }

  return {
    retryAfter(address, nowMs) {
      // A request with no peer address (fetch() called in-process) has no one to hold back.
      if (limits.burst === 0 || address === undefined) return 0
      const bucket = refill(address, nowMs)
      if (bucket === undefined || bucket.tokens >= 1) return 0
      return Math.max(1, Math.ceil((1 - bucket.tokens) / limits.perSecond))
    },
    refused(address, nowMs) {
      if (limits.burst === 0 || address === undefined) return
      const bucket = refill(address, nowMs) ?? { tokens: limits.burst, updatedMs: nowMs }
      bucket.tokens = Math.max(0, bucket.tokens - 1)
      buckets.delete(address)
      buckets.set(address, bucket)
      while (buckets.size > limits.maxClients) {
        const oldest = buckets.keys().next().value
        if (oldest === undefined) break
        buckets.delete(oldest)
      }
    },
  }
}
