/**
 * The gateway's live traffic (`GET /api/stream`, server-sent events), shared by every view: one connection, views
 * subscribe while they are shown. The browser reconnects by itself after a drop.
 */

export interface WebhookMessage {
  readonly id: string
  readonly source: string
  readonly provider: string
  readonly eventType: string | null
  readonly receivedAt: string
  readonly duplicate: boolean
}

export interface RejectionMessage {
  readonly source: string
  readonly status: number
  readonly reason: string
  readonly receivedAt: string
}

export interface DeliveryMessage {
  readonly eventId: string
  readonly deliveryId: string
  readonly destination: string
  readonly attempt: number
  readonly status: number | null
  readonly outcome: string
}

interface Messages {
  webhook: WebhookMessage
  rejection: RejectionMessage
  delivery: DeliveryMessage
}

type Listener<K extends keyof Messages> = (message: Messages[K]) => void

let source: EventSource | undefined
const listeners: { [K in keyof Messages]: Set<Listener<K>> } = {
  webhook: new Set(),
  rejection: new Set(),
  delivery: new Set(),
}
const stateListeners = new Set<(connected: boolean) => void>()

function connect(): EventSource {
  const stream = new EventSource('/api/stream')
  for (const name of Object.keys(listeners) as (keyof Messages)[]) {
    stream.addEventListener(name, (event) => {
      let message: unknown
      try {
        message = JSON.parse((event as MessageEvent<string>).data)
      } catch {
        return
      }
      for (const listener of listeners[name]) (listener as (m: unknown) => void)(message)
    })
  }
  stream.addEventListener('open', () => stateListeners.forEach((l) => l(true)))
  stream.addEventListener('error', () => stateListeners.forEach((l) => l(false)))
  return stream
}

/** Subscribes to one kind of message; returns the unsubscribe function. */
export function onLive<K extends keyof Messages>(name: K, listener: Listener<K>): () => void {
  source ??= connect()
  listeners[name].add(listener)
  return () => listeners[name].delete(listener)
}

/** Hears whether the stream is connected. */
export function onLiveState(listener: (connected: boolean) => void): () => void {
  source ??= connect()
  stateListeners.add(listener)
  if (source.readyState === EventSource.OPEN) listener(true)
  return () => stateListeners.delete(listener)
}

/** Closes the stream (sign-out). */
export function stopLive(): void {
  source?.close()
  source = undefined
}
