/**
 * @module delivery/address-policy
 * Which addresses the forwarder may connect to. Loopback and private ranges stay allowed: internal services
 * are what a gateway delivers to. Refused by default, per destination `allowLinkLocal: true` to opt in:
 * link-local ranges and the cloud metadata endpoints, because a POST there from inside a VM reaches the
 * instance metadata service (credentials, user data) — SSRF through a destination URL or its DNS.
 *
 * Checked on the address actually connected to: IP-literal URLs before the request (Node opens those without
 * a lookup), and host names in the agent's `lookup`, i.e. after resolution and at every connection, so a name
 * that resolves to an allowed address at start-up and to 169.254.169.254 later (DNS rebinding) is refused too.
 * `node:net` normalises IPv4-mapped IPv6 (`::ffff:169.254.169.254`) onto the IPv4 rules, and the URL parser
 * normalises decimal, hex and octal spellings (`2852039166`, `0xa9fea9fe`) to dotted quads.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns'
import { BlockList, isIP, type LookupFunction } from 'node:net'

const REFUSED = new BlockList()
// IPv4 link-local: the metadata service of AWS, GCP, Azure, Oracle, DigitalOcean, OpenStack (169.254.169.254).
REFUSED.addSubnet('169.254.0.0', 16, 'ipv4')
// Alibaba Cloud's metadata service.
REFUSED.addAddress('100.100.100.200', 'ipv4')
// IPv6 link-local.
REFUSED.addSubnet('fe80::', 10, 'ipv6')
// AWS's IPv6 metadata endpoint.
REFUSED.addAddress('fd00:ec2::254', 'ipv6')
// The IPv4 link-local range through NAT64 (RFC 6052 well-known prefix).
REFUSED.addSubnet('64:ff9b::a9fe:0', 112, 'ipv6')

/** The error code a refused address fails with (the attempt's `address_refused`). */
export const ADDRESS_REFUSED = 'ERR_HOOKGATE_ADDRESS_REFUSED'

/**
 * True for a link-local or cloud-metadata address (IPv4, IPv6, IPv4-mapped; URL brackets allowed).
 * @example isRefusedAddress('::ffff:169.254.169.254') // true
 * @example isRefusedAddress('10.0.0.5') // false: private addresses are allowed
 */
export function isRefusedAddress(address: string): boolean {
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address
  const version = isIP(bare)
  return version !== 0 && REFUSED.check(bare, version === 4 ? 'ipv4' : 'ipv6')
}

/** The error a refused connection fails with; names the address, never the URL (it may hold credentials). */
export function addressRefusedError(host: string, address: string): NodeJS.ErrnoException {
  const shown = host === address ? address : `${host} resolves to ${address}, which`
  const error: NodeJS.ErrnoException = new Error(
    `${shown} is a link-local or cloud-metadata address; set allowLinkLocal: true on the destination if it is really the target`,
  )
  error.code = ADDRESS_REFUSED
  return error
}

/**
 * Wraps a `lookup` (default `dns.lookup`) so that refused addresses are dropped from its answer, and the lookup
 * fails with {@link ADDRESS_REFUSED} when nothing else is left. For an agent's or socket's `lookup` option.
 * @example new http.Agent({ lookup: guardedLookup() })
 */
export function guardedLookup(base: LookupFunction = dnsLookup as LookupFunction): LookupFunction {
  return (hostname, options, callback) => {
    base(hostname, options, (error, address, family) => {
      if (error !== null) {
        callback(error, address, family)
        return
      }
      if (Array.isArray(address)) {
        const all = address as LookupAddress[]
        const allowed = all.filter((entry) => !isRefusedAddress(entry.address))
        if (allowed.length === 0 && all[0] !== undefined)
          callback(addressRefusedError(hostname, all[0].address), [])
        else callback(null, allowed)
        return
      }
      if (isRefusedAddress(address)) callback(addressRefusedError(hostname, address), '', family)
      else callback(null, address, family)
    })
  }
}
