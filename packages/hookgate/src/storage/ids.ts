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
  const random = options.random ?? ((bytes: Uint8Array) => void randomFillSync(bytes))
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

/** 48-bit time + 80-bit random = 128 bits → 26 base32 characters (the first carries only 3 bits). */
function encode(time: number, randomPart: Uint8Array): string {
  let out = ''
  // Time: 10 characters × 5 bits = 50 bits, the top two always zero.
  let t = time
  const timeChars: string[] = new Array(10)
  for (let i = 9; i >= 0; i--) {
    timeChars[i] = ALPHABET[t % 32]!
    t = Math.floor(t / 32)
  }
  out += timeChars.join('')
  // Random: 80 bits = 16 characters, read 5 bits at a time from the byte string.
  let buffer = 0
  let bits = 0
  for (const byte of randomPart) {
    buffer = (buffer << 8) | byte
    bits += 8
    while (bits >= 5) {
      bits -= 5
      out += ALPHABET[(buffer >> bits) & 31]
    }
    buffer &= (1 << bits) - 1
  }
  return out
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
