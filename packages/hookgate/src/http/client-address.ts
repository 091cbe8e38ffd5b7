/**
 * @module http/client-address
 * Who sent a request: CIDR lists (IPv4 and IPv6, on `node:net`'s `BlockList`) and the `X-Forwarded-*`
 * headers, believed only when the direct peer is a configured trusted proxy. Anyone can write
 * `X-Forwarded-For: <an allowed IP>`; trusting it from an arbitrary peer would make every allowlist void.
 */
import { BlockList, isIP } from 'node:net'

/** A parsed CIDR (`10.0.0.0/8`, `2001:db8::/32`; a bare address is a /32 or /128). */
export interface Cidr {
  readonly address: string
  readonly prefix: number
  readonly family: 'ipv4' | 'ipv6'
}

/**
 * Parses a CIDR or a bare IP address; `undefined` when it is neither.
 * @example parseCidr('192.168.0.0/16') // { address: '192.168.0.0', prefix: 16, family: 'ipv4' }
 */
export function parseCidr(text: string): Cidr | undefined {
  const slash = text.indexOf('/')
  const address = (slash === -1 ? text : text.slice(0, slash)).trim()
  const version = isIP(address)
  if (version === 0) return undefined
  const max = version === 4 ? 32 : 128
  let prefix = max
  if (slash !== -1) {
    const digits = text.slice(slash + 1).trim()
    if (!/^\d{1,3}$/.test(digits)) return undefined
    prefix = Number(digits)
    if (prefix > max) return undefined
  }
  return { address, prefix, family: version === 4 ? 'ipv4' : 'ipv6' }
}

/** Tests addresses against a list of CIDRs. IPv4-mapped IPv6 peers (`::ffff:10.0.0.1`) match IPv4 ranges. */
export interface AddressMatcher {
  readonly size: number
  matches(address: string | undefined): boolean
}

/**
 * Builds a matcher; throws a `TypeError` naming the bad entry (config validation reports it with its path first).
 * @throws TypeError
 */
export function createAddressMatcher(cidrs: readonly string[]): AddressMatcher {
  const list = new BlockList()
  for (const text of cidrs) {
    const cidr = parseCidr(text)
    if (cidr === undefined) throw new TypeError(`not an IP address or CIDR: "${text.slice(0, 64)}"`)
    list.addSubnet(cidr.address, cidr.prefix, cidr.family)
  }
  return {
    size: cidrs.length,
    matches(address) {
      if (address === undefined || cidrs.length === 0) return false
      const version = isIP(address)
      if (version === 0) return false
      return list.check(address, version === 4 ? 'ipv4' : 'ipv6')
    },
  }
}

/** `::ffff:127.0.0.1` → `127.0.0.1`, for display and storage. */
export function normalizeAddress(address: string | undefined): string | undefined {
  if (address === undefined) return undefined
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address
}

/** Where a request came from, after the trusted proxies have been peeled off. */
export interface ClientInfo {
  /** The client's address: the peer, or the first untrusted hop of `X-Forwarded-For`. */
  readonly address: string | undefined
  /** `X-Forwarded-Proto` when the peer is a trusted proxy. */
  readonly forwardedProto: string | undefined
  /** `X-Forwarded-Host` when the peer is a trusted proxy. */
  readonly forwardedHost: string | undefined
}

function headerText(value: string | readonly string[] | undefined): string | undefined {
  if (value === undefined) return undefined
  return typeof value === 'string' ? value : value.join(', ')
}

function firstItem(value: string | undefined): string | undefined {
  if (value === undefined) return undefined
  const comma = value.indexOf(',')
  const item = (comma === -1 ? value : value.slice(0, comma)).trim()
  return item === '' ? undefined : item
}

/**
 * Resolves the client the way proxy-addr (Express `trust proxy`) does: walk from the peer leftwards through
 * `X-Forwarded-For`; each hop is believed only while the hop before it is trusted. The first untrusted
 * address is the client.
 * @example
 * // peer 10.0.0.5 (trusted), X-Forwarded-For: 203.0.113.7, 10.0.0.9 (trusted) → 203.0.113.7
 */
export function resolveClient(
  peer: string | undefined,
  headers: Readonly<Record<string, string | readonly string[] | undefined>>,
  trustProxy: AddressMatcher,
): ClientInfo {
  const direct = normalizeAddress(peer)
  if (!trustProxy.matches(peer))
    return { address: direct, forwardedProto: undefined, forwardedHost: undefined }
  const forwardedFor = headerText(headers['x-forwarded-for'])
  let address = direct
  if (forwardedFor !== undefined) {
    const hops = forwardedFor
      .split(',')
      .map((hop) => hop.trim())
      .filter((hop) => hop !== '')
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = hops[i] as string
      address = normalizeAddress(hop)
      // An untrusted (or unparsable) hop is the client: nothing to its left can be believed.
      if (!trustProxy.matches(hop)) break
    }
  }
  return {
    address,
    forwardedProto: firstItem(headerText(headers['x-forwarded-proto']))?.toLowerCase(),
    forwardedHost: firstItem(headerText(headers['x-forwarded-host'])),
  }
}
