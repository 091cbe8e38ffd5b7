/**
 * @module storage/ids
 * Time-ordered unique ids for stored rows (`evt_…`, `rej_…`), shared by every storage backend so ids look
 * the same whichever database holds them.
 *
 * Layout: a 48-bit millisecond timestamp then 80 random bits, written as 26 lowercase Crockford base32
 * characters (ULID's layout in TypeID's spelling). Ids from one generator are strictly increasing, also
 * within one millisecond (the random part is incremented, as ULID's monotonic mode does), so sorting ids as
 * strings sorts them by creation time. Uniqueness across processes rests on the 80 random bits.
 */
import { Buffer } from 'node:buffer'
import { randomFillSync } from 'node:crypto'

/** Crockford base32 in lowercase; its characters are in ASCII order, so string order is numeric order. */
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz'
const RANDOM_BYTES = 10
const MAX_TIME = 2 ** 48 - 1

export interface IdGeneratorOptions {
  /** Milliseconds since the epoch. Default: `Date.now`. */
  readonly now?: () => number
  /** Fills the array with random bytes. Default: `crypto.randomFillSync`. */
  readonly random?: (bytes: Uint8Array) => void
}

/**
 * Returns a function producing `${prefix}_` + 26 base32 characters, strictly increasing per generator.
 * @example createIdGenerator('evt')() // 'evt_01jd8x3k2f9q7m4w5e6r8t0y1z'
 */
export function createIdGenerator(prefix: string, options: IdGeneratorOptions = {}): () => string {
  const now = options.now ?? Date.now
  const random = options.random ?? pooledRandom
  let lastTime = -1
  const last = new Uint8Array(RANDOM_BYTES)

  return () => {
    let time = Math.floor(now())
    if (!Number.isSafeInteger(time) || time < 0 || time > MAX_TIME)
      throw new RangeError('Clock out of range for an id')
    if (time <= lastTime) {
      // Same millisecond, or the clock stepped back: stay monotonic by counting up from the last id.
      time = lastTime
      if (!increment(last)) time += 1 // 2^80 ids in one millisecond: borrow the next one (never happens in practice)
    } else {
      random(last)
    }
    lastTime = time
    return `${prefix}_${encode(time, last)}`
  }
}

/** Adds one to a big-endian byte string; false when it wrapped around to zero. */
function increment(bytes: Uint8Array): boolean {
  for (let i = bytes.length - 1; i >= 0; i--) {
    if (bytes[i] !== 0xff) {
      bytes[i] = bytes[i]! + 1
      return true
    }
    bytes[i] = 0
  }
  return false
}

/**
 * Random bytes from a pool refilled 4 KiB at a time: one `randomFillSync` per id cost more than the rest of the id
 * (issue 15). The pool is only read by this module, each byte once.
 */
const POOL_SIZE = 4096
const pool = Buffer.alloc(POOL_SIZE)
let poolOffset = POOL_SIZE

function pooledRandom(bytes: Uint8Array): void {
  if (poolOffset + bytes.length > POOL_SIZE) {
    randomFillSync(pool)
    poolOffset = 0
  }
  pool.copy(bytes, 0, poolOffset, poolOffset + bytes.length)
  poolOffset += bytes.length
}

const ENCODED_LENGTH = 26
const ALPHABET_CODES = Buffer.from(ALPHABET, 'latin1')
/** Scratch for one id's characters (ids are made synchronously, one at a time). */
const chars = Buffer.alloc(ENCODED_LENGTH)

/** 48-bit time + 80-bit random = 128 bits → 26 base32 characters (the first carries only 3 bits). */
function encode(time: number, randomPart: Uint8Array): string {
  // Time: 10 characters × 5 bits = 50 bits, the top two always zero.
  let t = time
  for (let i = 9; i >= 0; i--) {
    chars[i] = ALPHABET_CODES[t % 32]!
    t = Math.floor(t / 32)
  }
  // Random: 80 bits = 16 characters, read 5 bits at a time from the byte string.
  let at = 10
  let buffer = 0
  let bits = 0
  for (let i = 0; i < randomPart.length; i++) {
    buffer = (buffer << 8) | randomPart[i]!
    bits += 8
    while (bits >= 5) {
      bits -= 5
      chars[at++] = ALPHABET_CODES[(buffer >> bits) & 31]!
    }
    buffer &= (1 << bits) - 1
  }
  return chars.toString('latin1', 0, ENCODED_LENGTH)
}

/** The id generators of one store: `evt_`, `rej_`, `dlv_` and `att_`, all on the store's clock. */
export interface StoreIds {
  readonly event: () => string
  readonly rejection: () => string
  readonly delivery: () => string
  readonly attempt: () => string
}

export function createStoreIds(now: () => number): StoreIds {
  return {
    event: createIdGenerator('evt', { now }),
    rejection: createIdGenerator('rej', { now }),
    delivery: createIdGenerator('dlv', { now }),
    attempt: createIdGenerator('att', { now }),
  }
}
