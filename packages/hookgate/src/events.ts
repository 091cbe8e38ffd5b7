/**
 * @module events
 * The gateway's in-process event bus: what happened in this process, as it happens, for live views (the admin
 * API's `GET /api/stream`, `hookgate dev`). Events are colon-namespaced (`event:stored`, `rejection:recorded`,
 * `delivery:attempted`) and carry metadata only — never headers, bodies or secrets — so a subscriber cannot leak
 * what the store protects.
 *
 * Emitting is synchronous and cheap when nobody listens (one `Set` size check); a listener that throws is
 * isolated (the others still run, and the ingest or delivery that emitted is never affected).
 * With PostgreSQL and several instances, each instance's bus sees that instance's traffic only.
 */

/** A webhook committed to the store (or recognised as a duplicate of a stored one). */
export interface EventStoredPayload {
  readonly id: string
  readonly sourceId: string
  readonly provider: string
  readonly eventType: string | undefined
  readonly receivedAt: Date
  readonly duplicate: boolean
}

/** A refused webhook request, as recorded in the rejections log. */
export interface RejectionRecordedPayload {
  readonly sourceId: string
  readonly status: number
  /** The error code answered (`signature_mismatch`, `ip_not_allowed`, …). */
  readonly reason: string
  readonly receivedAt: Date
}

/** One delivery attempt, once recorded, with the retry policy's decision. */
export interface DeliveryAttemptedPayload {
  readonly deliveryId: string
  readonly eventId: string
  readonly destinationId: string
  readonly attempt: number
  /** The destination's HTTP status; `undefined` when it did not answer (timeout, connection error). */
  readonly statusCode: number | undefined
  /** `timeout: …`, `connection_refused: …`; `undefined` when the destination answered. */
  readonly error: string | undefined
  readonly durationMs: number
  /** What follows: delivered, a retry, dead-lettered, or the lease was lost (another worker settles it). */
  readonly outcome: 'delivered' | 'retry' | 'dead' | 'lease_lost'
  readonly startedAt: Date
}

/** The typed event map. */
export interface GatewayEventMap {
  'event:stored': EventStoredPayload
  'rejection:recorded': RejectionRecordedPayload
  'delivery:attempted': DeliveryAttemptedPayload
}

export type GatewayEventName = keyof GatewayEventMap

export interface GatewayEvents {
  /** Subscribes; returns the unsubscribe function. */
  on<K extends GatewayEventName>(
    name: K,
    listener: (payload: GatewayEventMap[K]) => void,
  ): () => void
  emit<K extends GatewayEventName>(name: K, payload: GatewayEventMap[K]): void
}

/**
 * Creates a bus. `onListenerError` hears what a listener threw (default: ignored).
 * @example
 * const events = createGatewayEvents()
 * const off = events.on('event:stored', (e) => console.log(e.id))
 */
export function createGatewayEvents(
  onListenerError?: (error: unknown, name: GatewayEventName) => void,
): GatewayEvents {
  const listeners = new Map<GatewayEventName, Set<(payload: never) => void>>()
  return {
    on(name, listener) {
      let set = listeners.get(name)
      if (set === undefined) {
        set = new Set()
        listeners.set(name, set)
      }
      const entry = listener as (payload: never) => void
      set.add(entry)
      return () => {
        set.delete(entry)
      }
    },
    emit(name, payload) {
      const set = listeners.get(name)
      if (set === undefined || set.size === 0) return
      for (const listener of [...set]) {
        try {
          ;(listener as (payload: GatewayEventMap[typeof name]) => void)(payload)
        } catch (error) {
          onListenerError?.(error, name)
        }
      }
    },
  }
}
