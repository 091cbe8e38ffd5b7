/**
 * @module metrics
 * Prometheus text exposition (format 0.0.4), hand-written: four series do not justify prom-client's weight on
 * the hot path. Label values come from the configuration or closed sets (outcomes, reason codes), never from
 * the request, so a scanner cannot explode the series count.
 */

/** What happened to a webhook request. */
export const OUTCOMES = ['stored', 'duplicate', 'handshake', 'rejected', 'unavailable', 'error'] as const
export type Outcome = (typeof OUTCOMES)[number]

/** Label used for requests to a source id that is not configured. */
export const UNKNOWN_SOURCE_LABEL = '_unknown'

const LATENCY_BUCKETS_SECONDS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]
const BATCH_SIZE_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024]

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')
}

function labelText(labels: readonly (readonly [string, string])[]): string {
  return labels.map(([name, value]) => `${name}="${escapeLabel(value)}"`).join(',')
}

function formatNumber(value: number): string {
  if (value === Number.POSITIVE_INFINITY) return '+Inf'
  return Number.isInteger(value) ? String(value) : value.toPrecision(12).replace(/\.?0+$/, '')
}

class Histogram {
  readonly buckets: readonly number[]
  readonly counts: number[]
  sum = 0
  count = 0
  constructor(buckets: readonly number[]) {
    this.buckets = buckets
    this.counts = new Array<number>(buckets.length).fill(0)
  }
  observe(value: number): void {
    this.sum += value
    this.count += 1
    // Cumulative on output; here each observation lands in its first bucket only.
    for (let i = 0; i < this.buckets.length; i++) {
      if (value <= (this.buckets[i] as number)) {
        this.counts[i] = (this.counts[i] as number) + 1
        return
      }
    }
  }
  render(name: string, labels: readonly (readonly [string, string])[]): string[] {
    const lines: string[] = []
    let cumulative = 0
    const prefix = labels.length === 0 ? '' : `${labelText(labels)},`
    this.buckets.forEach((bound, i) => {
      cumulative += this.counts[i] as number
      lines.push(`${name}_bucket{${prefix}le="${formatNumber(bound)}"} ${cumulative}`)
    })
    lines.push(`${name}_bucket{${prefix}le="+Inf"} ${this.count}`)
    const suffix = labels.length === 0 ? '' : `{${labelText(labels)}}`
    lines.push(`${name}_sum${suffix} ${formatNumber(this.sum)}`)
    lines.push(`${name}_count${suffix} ${this.count}`)
    return lines
  }
}

/** The gateway's metrics. */
export interface GatewayMetrics {
  /** Counts one webhook request: `reason` is `ok` or the error code. */
  countRequest(source: string, outcome: Outcome, reason: string): void
  /** Time from the request's arrival to its answer, for requests to a configured source. */
  observeIngest(source: string, seconds: number): void
  /** One group commit: how many events it held and how long it took. Wire to the storage's `onCommit`. */
  observeCommit(batchSize: number, durationMs: number): void
  /** The exposition text for `GET /metrics`. */
  render(): string
}

/** Creates an empty metrics registry. */
export function createMetrics(): GatewayMetrics {
  const requests = new Map<string, { labels: readonly (readonly [string, string])[]; value: number }>()
  const ingest = new Map<string, Histogram>()
  const batchSize = new Histogram(BATCH_SIZE_BUCKETS)
  const commitSeconds = new Histogram(LATENCY_BUCKETS_SECONDS)

  return {
    countRequest(source, outcome, reason) {
      const key = `${source}\u0000${outcome}\u0000${reason}`
      const entry = requests.get(key)
      if (entry !== undefined) entry.value += 1
      else requests.set(key, { labels: [['source', source], ['outcome', outcome], ['reason', reason]], value: 1 })
    },
    observeIngest(source, seconds) {
      let histogram = ingest.get(source)
      if (histogram === undefined) {
        histogram = new Histogram(LATENCY_BUCKETS_SECONDS)
        ingest.set(source, histogram)
      }
      histogram.observe(seconds)
    },
    observeCommit(size, durationMs) {
      batchSize.observe(size)
      commitSeconds.observe(durationMs / 1000)
    },
    render() {
      const lines: string[] = [
        '# HELP hookgate_requests_total Webhook requests by source, outcome and reason.',
        '# TYPE hookgate_requests_total counter',
      ]
      for (const { labels, value } of requests.values()) lines.push(`hookgate_requests_total{${labelText(labels)}} ${value}`)
      lines.push(
        '# HELP hookgate_ingest_duration_seconds Time from a webhook request to its answer.',
        '# TYPE hookgate_ingest_duration_seconds histogram',
      )
      for (const [source, histogram] of ingest) lines.push(...histogram.render('hookgate_ingest_duration_seconds', [['source', source]]))
      lines.push(
        '# HELP hookgate_commit_batch_size Events per durable commit (group commit).',
        '# TYPE hookgate_commit_batch_size histogram',
        ...batchSize.render('hookgate_commit_batch_size', []),
        '# HELP hookgate_commit_duration_seconds Duration of each durable commit, fsync included.',
        '# TYPE hookgate_commit_duration_seconds histogram',
        ...commitSeconds.render('hookgate_commit_duration_seconds', []),
      )
      return `${lines.join('\n')}\n`
    },
  }
}
