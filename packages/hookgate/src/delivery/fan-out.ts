/**
 * @module delivery/fan-out
 * Fan-out: which destinations an event goes to: those fed by its source whose `eventTypes` globs (if any) match its type.
 * Computed once per request on the ingest hot path, so sources whose destinations filter on nothing get a
 * precomputed, shared list (no allocation per request).
 */

/** What fan-out needs of a destination. */
export interface FanOutDestination {
  readonly id: string
  readonly sources: readonly string[]
  /** Globs on the provider's event type; `undefined` = every event, typed or not. */
  readonly eventTypes: readonly string[] | undefined
}

/**
 * Compiles a glob: `*` matches any run of characters (dots included: `invoice.*` matches
 * `invoice.payment.failed`), `?` exactly one; everything else is literal. Case-sensitive, like event types.
 * @example compileGlob('invoice.*').test('invoice.paid') // true
 */
export function compileGlob(glob: string): RegExp {
  let source = ''
  for (const char of glob) {
    if (char === '*') source += '.*'
    else if (char === '?') source += '.'
    else source += char.replace(/[\\^$.|+()[\]{}]/g, '\\$&')
  }
  return new RegExp(`^${source}$`, 's')
}

/** A function from (source id, event type) to the ids of the destinations the event must be delivered to. */
export type FanOut = (sourceId: string, eventType: string | undefined) => readonly string[]

const NONE: readonly string[] = Object.freeze([])

/**
 * Builds the fan-out for a set of destinations.
 * @example const fanOut = createFanOut(config.destinations); fanOut('stripe-main', 'invoice.paid') // ['billing']
 */
export function createFanOut(destinations: readonly FanOutDestination[]): FanOut {
  interface Entry {
    readonly id: string
    readonly patterns: readonly RegExp[] | undefined
  }
  const bySource = new Map<string, Entry[]>()
  for (const destination of destinations) {
    const patterns = destination.eventTypes?.map(compileGlob)
    for (const source of new Set(destination.sources)) {
      const list = bySource.get(source) ?? []
      list.push({ id: destination.id, patterns })
      bySource.set(source, list)
    }
  }
  // Sources with no type filter at all: one frozen list, shared by every request.
  const unfiltered = new Map<string, readonly string[]>()
  for (const [source, entries] of bySource) {
    if (entries.every((entry) => entry.patterns === undefined))
      unfiltered.set(source, Object.freeze(entries.map((entry) => entry.id)))
  }
  return (sourceId, eventType) => {
    const fixed = unfiltered.get(sourceId)
    if (fixed !== undefined) return fixed
    const entries = bySource.get(sourceId)
    if (entries === undefined) return NONE
    const ids: string[] = []
    for (const entry of entries) {
      if (entry.patterns === undefined) ids.push(entry.id)
      else if (eventType !== undefined && entry.patterns.some((pattern) => pattern.test(eventType)))
        ids.push(entry.id)
    }
    return ids
  }
}

/** @deprecated Renamed {@link FanOutDestination} ("route" now means only an HTTP path → handler). */
export type RoutableDestination = FanOutDestination
/** @deprecated Renamed {@link FanOut}. */
export type Router = FanOut
/** @deprecated Renamed {@link createFanOut}. */
export const createRouter: (destinations: readonly FanOutDestination[]) => FanOut = createFanOut
