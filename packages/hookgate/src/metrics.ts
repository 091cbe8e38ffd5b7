/**
 * @module metrics
 * Prometheus text exposition (format 0.0.4), hand-written: four series do not justify prom-client's weight on
 * the hot path. Label values come from the configuration or closed sets (outcomes, reason codes), never from
 * the request, so a scanner cannot explode the series count.
 */

import type { DeliveryStatus } from './storage/types.ts'

/** What happened to a webhook request. */
export const OUTCOMES = [
  'stored',
  'duplicate',
  'handshake',
  'rejected',
  'unavailable',
  'error',
] as const
export type Outcome = (typeof OUTCOMES)[number]

/** Label used for requests to a source id that is not configured. */
export const UNKNOWN_SOURCE_LABEL = '_unknown'

/** What a delivery attempt led to (`lease_lost`: another worker had taken the delivery over meanwhile). */
export const DELIVERY_OUTCOMES = ['delivered', 'retry', 'dead', 'lease_lost'] as const
export type DeliveryOutcome = (typeof DELIVERY_OUTCOMES)[number]

/** Why a connection was closed on accept. */
export const CONNECTION_REFUSALS = ['max_connections', 'per_client'] as const
export type ConnectionRefusal = (typeof CONNECTION_REFUSALS)[number]

/**
 * The store's gauges (issue 14): its size, rows per kind and oldest records, from `Storage.storeStats()` — cached by
 * the `/metrics` endpoint, so a scrape never counts a large table.
 */
export interface StoreGauges {
  readonly bytes: number
  readonly events: number
  readonly rejections: number
  readonly deliveries: { readonly [Status in DeliveryStatus]: number }
  /** 1 when the row counts are estimates (PostgreSQL, large tables). */
  readonly approximate: boolean
  /** 0 when there is none. */
  readonly oldestEventAgeSeconds: number
  readonly oldestRejectionAgeSeconds: number
  /** How old these figures are (the cache's age). */
  readonly computedAgeSeconds: number
}

/** A destination's gauges at scrape time: backlog from the store, circuit and in-flight from this worker. */
export interface DestinationGauges {
  readonly destination: string
  readonly pending: number
  readonly inFlight: number
  readonly dead: number
  /** Seconds since the oldest pending delivery was due (0 when none is). */
  readonly oldestDueAgeSeconds: number
  /** 0 closed, 1 open, 0.5 half-open; undefined when this instance does not deliver. */
  readonly circuitOpen: number | undefined
}

const ATTEMPT_BUCKETS_SECONDS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
]
const LAG_BUCKETS_SECONDS = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 30, 60, 300, 1800, 3600, 21_600, 86_400,
]
const LATENCY_BUCKETS_SECONDS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
]
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

/**
 * The `q` quantile of a histogram's observations, interpolated linearly inside the bucket it falls in (the first
 * bucket starts at 0); past the last bound, the last bound (the histogram knows nothing beyond it).
 */
function quantileSeconds(histogram: Histogram, q: number): number {
  const rank = q * histogram.count
  let below = 0
  for (let i = 0; i < histogram.buckets.length; i++) {
    const n = histogram.counts[i] as number
    if (n > 0 && below + n >= rank) {
      const lower = i === 0 ? 0 : (histogram.buckets[i - 1] as number)
      const upper = histogram.buckets[i] as number
      return lower + (upper - lower) * ((rank - below) / n)
    }
    below += n
  }
  return histogram.buckets[histogram.buckets.length - 1] as number
}

/** The gateway's metrics. */
export interface GatewayMetrics {
  /** Counts one webhook request: `reason` is `ok` or the error code. */
  countRequest(source: string, outcome: Outcome, reason: string): void
  /** Time from the request's arrival to its answer, for requests to a configured source. */
  observeIngest(source: string, seconds: number): void
  /** One group commit: how many events it held and how long it took. Wire to the storage's `onCommit`. */
  observeCommit(batchSize: number, durationMs: number): void
  /** One delivery attempt settled: how it ended for the delivery. */
  countDelivery(destination: string, outcome: DeliveryOutcome): void
  /** One HTTP attempt: its result class (`2xx`…`5xx`, `timeout`, `connection_refused`, …) and duration. */
  observeAttempt(destination: string, resultClass: string, seconds: number): void
  /** Time from the event's arrival to its successful delivery. */
  observeDeliveryLag(destination: string, seconds: number): void
  /** A connection closed on accept: past `server.maxConnections`, or past `server.maxConnectionsPerClient`. */
  countConnectionRefused(reason: ConnectionRefusal): void
  /** A request answered by the HTTP layer before the gateway saw it (parse error, timeout, …): its error code. */
  countClientError(code: string): void
  /**
   * Ingest latency of this process since it started, all sources together: p50 and p99 in ms, estimated from the
   * histogram's buckets (linear within a bucket, as Prometheus' `histogram_quantile`), and how many requests.
   * Undefined before the first request.
   */
  ingestLatency():
    { readonly p50Ms: number; readonly p99Ms: number; readonly count: number } | undefined
  /** The exposition text for `GET /metrics`; `destinations` and `store`: the gauges read just before. */
  render(destinations?: readonly DestinationGauges[], store?: StoreGauges): string
}

/** Creates an empty metrics registry. */
export function createMetrics(): GatewayMetrics {
  const requests = new Map<
    string,
    { labels: readonly (readonly [string, string])[]; value: number }
  >()
  const ingest = new Map<string, Histogram>()
  const batchSize = new Histogram(BATCH_SIZE_BUCKETS)
  const commitSeconds = new Histogram(LATENCY_BUCKETS_SECONDS)
  const deliveries = new Map<
    string,
    { labels: readonly (readonly [string, string])[]; value: number }
  >()
  const attempts = new Map<
    string,
    { labels: readonly (readonly [string, string])[]; value: number }
  >()
  const attemptSeconds = new Map<string, Histogram>()
  const lagSeconds = new Map<string, Histogram>()
  const refusedConnections = new Map<
    string,
    { labels: readonly (readonly [string, string])[]; value: number }
  >()
  const clientErrors = new Map<
    string,
    { labels: readonly (readonly [string, string])[]; value: number }
  >()

  const count = (map: typeof deliveries, labels: readonly (readonly [string, string])[]): void => {
    const key = labels.map(([, value]) => value).join('\u0000')
    const entry = map.get(key)
    if (entry !== undefined) entry.value += 1
    else map.set(key, { labels, value: 1 })
  }
  const histogram = (
    map: Map<string, Histogram>,
    key: string,
    buckets: readonly number[],
  ): Histogram => {
    let found = map.get(key)
    if (found === undefined) {
      found = new Histogram(buckets)
      map.set(key, found)
    }
    return found
  }

  return {
    countRequest(source, outcome, reason) {
      const key = `${source}\u0000${outcome}\u0000${reason}`
      const entry = requests.get(key)
      if (entry !== undefined) entry.value += 1
      else
        requests.set(key, {
          labels: [
            ['source', source],
            ['outcome', outcome],
            ['reason', reason],
          ],
          value: 1,
        })
    },
    observeIngest(source, seconds) {
      let histogram = ingest.get(source)
      if (histogram === undefined) {
        histogram = new Histogram(LATENCY_BUCKETS_SECONDS)
        ingest.set(source, histogram)
      }
      histogram.observe(seconds)
    },
    ingestLatency() {
      const merged = new Histogram(LATENCY_BUCKETS_SECONDS)
      for (const histogram of ingest.values()) {
        merged.count += histogram.count
        histogram.counts.forEach((n, i) => (merged.counts[i] = (merged.counts[i] as number) + n))
      }
      if (merged.count === 0) return undefined
      return {
        p50Ms: quantileSeconds(merged, 0.5) * 1000,
        p99Ms: quantileSeconds(merged, 0.99) * 1000,
        count: merged.count,
      }
    },
    observeCommit(size, durationMs) {
      batchSize.observe(size)
      commitSeconds.observe(durationMs / 1000)
    },
    countDelivery(destination, outcome) {
      count(deliveries, [
        ['destination', destination],
        ['outcome', outcome],
      ])
    },
    observeAttempt(destination, resultClass, seconds) {
      count(attempts, [
        ['destination', destination],
        ['result', resultClass],
      ])
      histogram(attemptSeconds, destination, ATTEMPT_BUCKETS_SECONDS).observe(seconds)
    },
    observeDeliveryLag(destination, seconds) {
      histogram(lagSeconds, destination, LAG_BUCKETS_SECONDS).observe(seconds)
    },
    countConnectionRefused(reason) {
      count(refusedConnections, [['reason', reason]])
    },
    countClientError(code) {
      count(clientErrors, [['code', code]])
    },
    render(destinations = [], store) {
      const lines: string[] = [
        '# HELP hookgate_requests_total Webhook requests by source, outcome and reason.',
        '# TYPE hookgate_requests_total counter',
      ]
      for (const { labels, value } of requests.values())
        lines.push(`hookgate_requests_total{${labelText(labels)}} ${value}`)
      lines.push(
        '# HELP hookgate_ingest_duration_seconds Time from a webhook request to its answer.',
        '# TYPE hookgate_ingest_duration_seconds histogram',
      )
      for (const [source, histogram] of ingest)
        lines.push(...histogram.render('hookgate_ingest_duration_seconds', [['source', source]]))
      lines.push(
        '# HELP hookgate_commit_batch_size Events per durable commit (group commit).',
        '# TYPE hookgate_commit_batch_size histogram',
        ...batchSize.render('hookgate_commit_batch_size', []),
        '# HELP hookgate_commit_duration_seconds Duration of each durable commit, fsync included.',
        '# TYPE hookgate_commit_duration_seconds histogram',
        ...commitSeconds.render('hookgate_commit_duration_seconds', []),
        '# HELP hookgate_deliveries_total Delivery attempts settled, by destination and what they led to.',
        '# TYPE hookgate_deliveries_total counter',
      )
      for (const { labels, value } of deliveries.values())
        lines.push(`hookgate_deliveries_total{${labelText(labels)}} ${value}`)
      lines.push(
        '# HELP hookgate_delivery_attempts_total HTTP delivery attempts by destination and result (status class or error).',
        '# TYPE hookgate_delivery_attempts_total counter',
      )
      for (const { labels, value } of attempts.values())
        lines.push(`hookgate_delivery_attempts_total{${labelText(labels)}} ${value}`)
      lines.push(
        '# HELP hookgate_delivery_attempt_duration_seconds Duration of each delivery attempt.',
        '# TYPE hookgate_delivery_attempt_duration_seconds histogram',
      )
      for (const [destination, h] of attemptSeconds)
        lines.push(
          ...h.render('hookgate_delivery_attempt_duration_seconds', [['destination', destination]]),
        )
      lines.push(
        "# HELP hookgate_delivery_lag_seconds Time from an event's arrival to its delivery (2xx).",
        '# TYPE hookgate_delivery_lag_seconds histogram',
      )
      for (const [destination, h] of lagSeconds)
        lines.push(...h.render('hookgate_delivery_lag_seconds', [['destination', destination]]))
      lines.push(
        '# HELP hookgate_connections_refused_total Connections closed on accept, by cap (max_connections, per_client).',
        '# TYPE hookgate_connections_refused_total counter',
      )
      for (const { labels, value } of refusedConnections.values())
        lines.push(`hookgate_connections_refused_total{${labelText(labels)}} ${value}`)
      lines.push(
        '# HELP hookgate_client_errors_total Requests answered before reaching a handler (malformed, timed out, …), by error code.',
        '# TYPE hookgate_client_errors_total counter',
      )
      for (const { labels, value } of clientErrors.values())
        lines.push(`hookgate_client_errors_total{${labelText(labels)}} ${value}`)
      if (destinations.length > 0) {
        lines.push(
          '# HELP hookgate_delivery_backlog Deliveries by destination and status (pending, in_flight, dead).',
          '# TYPE hookgate_delivery_backlog gauge',
        )
        for (const d of destinations) {
          for (const [status, value] of [
            ['pending', d.pending],
            ['in_flight', d.inFlight],
            ['dead', d.dead],
          ] as const) {
            lines.push(
              `hookgate_delivery_backlog{${labelText([
                ['destination', d.destination],
                ['status', status],
              ])}} ${value}`,
            )
          }
        }
        lines.push(
          '# HELP hookgate_delivery_oldest_due_age_seconds How long the oldest pending delivery has been due.',
          '# TYPE hookgate_delivery_oldest_due_age_seconds gauge',
        )
        for (const d of destinations) {
          lines.push(
            `hookgate_delivery_oldest_due_age_seconds{${labelText([['destination', d.destination]])}} ${formatNumber(d.oldestDueAgeSeconds)}`,
          )
        }
        const circuits = destinations.filter((d) => d.circuitOpen !== undefined)
        if (circuits.length > 0) {
          lines.push(
            '# HELP hookgate_delivery_circuit_open Circuit breaker per destination: 0 closed, 0.5 half-open, 1 open.',
            '# TYPE hookgate_delivery_circuit_open gauge',
          )
          for (const d of circuits)
            lines.push(
              `hookgate_delivery_circuit_open{${labelText([['destination', d.destination]])}} ${formatNumber(d.circuitOpen!)}`,
            )
        }
      }
      if (store !== undefined) lines.push(...renderStore(store))
      return `${lines.join('\n')}\n`
    },
  }
}

/** The `hookgate_store_*` gauges (issue 14). */
function renderStore(store: StoreGauges): string[] {
  return [
    '# HELP hookgate_store_bytes Bytes the store takes on disk (SQLite: database file + WAL; PostgreSQL: the schema tables, indexes and TOAST included).',
    '# TYPE hookgate_store_bytes gauge',
    `hookgate_store_bytes ${store.bytes}`,
    '# HELP hookgate_store_rows Rows kept, by kind (deliveries also by status). Estimates on large PostgreSQL tables: see hookgate_store_rows_approximate.',
    '# TYPE hookgate_store_rows gauge',
    `hookgate_store_rows{kind="events"} ${store.events}`,
    ...Object.entries(store.deliveries).map(
      ([status, n]) =>
        `hookgate_store_rows{${labelText([
          ['kind', 'deliveries'],
          ['status', status],
        ])}} ${n}`,
    ),
    `hookgate_store_rows{kind="rejections"} ${store.rejections}`,
    '# HELP hookgate_store_rows_approximate 1 when hookgate_store_rows holds estimates (PostgreSQL statistics), 0 when exact.',
    '# TYPE hookgate_store_rows_approximate gauge',
    `hookgate_store_rows_approximate ${store.approximate ? 1 : 0}`,
    '# HELP hookgate_store_oldest_age_seconds Age of the oldest record kept, by kind (0 when there is none).',
    '# TYPE hookgate_store_oldest_age_seconds gauge',
    `hookgate_store_oldest_age_seconds{kind="events"} ${formatNumber(store.oldestEventAgeSeconds)}`,
    `hookgate_store_oldest_age_seconds{kind="rejections"} ${formatNumber(store.oldestRejectionAgeSeconds)}`,
    '# HELP hookgate_store_stats_age_seconds Seconds since the store gauges were computed (they are cached between scrapes).',
    '# TYPE hookgate_store_stats_age_seconds gauge',
    `hookgate_store_stats_age_seconds ${formatNumber(store.computedAgeSeconds)}`,
  ]
}
