/**
 * @module storage/postgres/batcher
 * The group-commit queue of the PostgreSQL backend. Internal.
 *
 * Items queue up; a batch is sent on the next macrotask (`setImmediate`: every request that arrived in the
 * current poll phase joins it) or at once when `maxBatchSize` items or `maxBatchBytes` are waiting. At most
 * `maxConcurrent` batches are in flight; while they are, new items keep queueing and leave together as soon as
 * one finishes. So under load batches grow by themselves (one commit, one WAL flush for many events), and a
 * lone request waits for nothing but its own commit.
 */

export interface BatcherOptions<T> {
  readonly maxBatchSize: number
  readonly maxBatchBytes: number
  readonly maxConcurrent: number
  /** Bytes an item adds to its batch (for `maxBatchBytes`). */
  readonly sizeOf: (item: T) => number
  /** Writes a batch and settles every item of it. May reject: then `fail` settles the items. */
  readonly run: (batch: T[]) => Promise<void>
  /** Settles an item whose batch's `run` rejected. */
  readonly fail: (item: T, error: unknown) => void
}

export class Batcher<T> {
  readonly #options: BatcherOptions<T>
  #queue: T[] = []
  #queuedBytes = 0
  #inFlight = 0
  #scheduled: NodeJS.Immediate | undefined
  #idle: (() => void)[] = []

  constructor(options: BatcherOptions<T>) {
    this.#options = options
  }

  /** Items waiting or being written. */
  get pending(): number {
    return this.#queue.length + this.#inFlight
  }

  push(item: T): void {
    this.#queue.push(item)
    this.#queuedBytes += this.#options.sizeOf(item)
    if (
      this.#queue.length >= this.#options.maxBatchSize ||
      this.#queuedBytes >= this.#options.maxBatchBytes
    ) {
      this.#pump()
    } else {
      this.#scheduled ??= setImmediate(() => {
        this.#scheduled = undefined
        this.#pump()
      })
    }
  }

  /** Sends everything queued now and resolves once no batch is queued or in flight. */
  drain(): Promise<void> {
    this.#pump()
    if (this.#queue.length === 0 && this.#inFlight === 0) return Promise.resolve()
    return new Promise((resolve) => this.#idle.push(resolve))
  }

  #pump(): void {
    if (this.#scheduled !== undefined) {
      clearImmediate(this.#scheduled)
      this.#scheduled = undefined
    }
    while (this.#inFlight < this.#options.maxConcurrent && this.#queue.length > 0) {
      this.#inFlight++
      void this.#runBatch(this.#take())
    }
  }

  /** The oldest items, up to the size and byte limits (always at least one). */
  #take(): T[] {
    const { maxBatchSize, maxBatchBytes, sizeOf } = this.#options
    let count = 0
    let bytes = 0
    while (count < this.#queue.length && count < maxBatchSize) {
      const size = sizeOf(this.#queue[count]!)
      if (count > 0 && bytes + size > maxBatchBytes) break
      bytes += size
      count++
    }
    const batch = this.#queue.splice(0, count)
    this.#queuedBytes -= bytes
    return batch
  }

  async #runBatch(batch: T[]): Promise<void> {
    try {
      await this.#options.run(batch)
    } catch (error) {
      for (const item of batch) this.#options.fail(item, error)
    } finally {
      this.#inFlight--
      // What queued up meanwhile leaves at once: it already waited for a whole commit.
      if (this.#queue.length > 0) this.#pump()
      else if (this.#inFlight === 0) for (const resolve of this.#idle.splice(0)) resolve()
    }
  }
}
