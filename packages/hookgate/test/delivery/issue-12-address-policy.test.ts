/**
 * Issue 12, item 8: destinations must not reach link-local or cloud-metadata addresses unless a destination
 * opts in (`allowLinkLocal: true`); private and loopback addresses stay allowed.
 *
 * No test here connects off loopback: the literal cases are refused by the config or before a request exists,
 * and the DNS case injects a resolver that answers 169.254.169.254 and asserts that no connection was attempted.
 */
import dc from 'node:diagnostics_channel'
import type { LookupAddress } from 'node:dns'
import type { LookupFunction, Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { parseConfig } from '../../src/config.ts'
import {
  ADDRESS_REFUSED,
  guardedLookup,
  isRefusedAddress,
} from '../../src/delivery/address-policy.ts'
import { createForwarder } from '../../src/delivery/forwarder.ts'
import { createDeliveryWorker } from '../../src/delivery/worker.ts'
import { ConfigError } from '../../src/errors.ts'
import { createSqliteStorage } from '../../src/storage/sqlite/index.ts'
import { createClock, DEST_SECRET, destination, event, SOURCE_SECRET } from './fixtures.ts'
import { startSink } from './sink.ts'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

/** Every TCP connection attempt this process starts (IP and port), seen through `net`'s diagnostics channel. */
function recordConnectionAttempts(): { readonly attempts: string[] } {
  const attempts: string[] = []
  const onSocket = (message: unknown): void => {
    const { socket } = message as { socket: Socket }
    socket.on('connectionAttempt', (ip: string, port: number) => attempts.push(`${ip}:${port}`))
  }
  dc.subscribe('net.client.socket', onSocket)
  cleanups.push(() => void dc.unsubscribe('net.client.socket', onSocket))
  return { attempts }
}

/** A resolver that answers every name with fixed addresses (no DNS traffic), and records the names asked. */
function fakeResolver(addresses: readonly LookupAddress[]): LookupFunction & { asked: string[] } {
  const asked: string[] = []
  const lookup = ((
    hostname: string,
    options: { all?: boolean },
    callback: (error: null, address: string | LookupAddress[], family?: number) => void,
  ) => {
    asked.push(hostname)
    if (options.all === true) callback(null, [...addresses])
    else callback(null, addresses[0]!.address, addresses[0]!.family)
  }) as unknown as LookupFunction & { asked: string[] }
  lookup.asked = asked
  return lookup
}

function lookupOnce(
  lookup: LookupFunction,
  all: boolean,
): Promise<{ error: NodeJS.ErrnoException | null; address: unknown }> {
  return new Promise((resolve) =>
    lookup('metadata.hookgate.test', { all }, (error, address) => resolve({ error, address })),
  )
}

describe('the address policy', () => {
  it('refuses link-local and metadata addresses in every spelling; allows loopback, private and public ones', () => {
    for (const address of [
      '169.254.169.254',
      '169.254.0.1',
      '::ffff:169.254.169.254',
      '::ffff:a9fe:a9fe',
      '[::ffff:a9fe:a9fe]',
      'fe80::1',
      'fd00:ec2::254',
      '100.100.100.200',
      '64:ff9b::a9fe:a9fe',
    ]) {
      expect(isRefusedAddress(address), address).toBe(true)
    }
    for (const address of [
      '127.0.0.1',
      '::1',
      '10.0.0.5',
      '172.16.3.4',
      '192.168.1.10',
      'fd12:3456::1',
      '100.64.0.1',
      '8.8.8.8',
      'localhost',
    ]) {
      expect(isRefusedAddress(address), address).toBe(false)
    }
  })

  it('the guarded lookup fails on a refused answer, drops refused addresses from a mixed one, and passes the rest', async () => {
    const metadata = await lookupOnce(
      guardedLookup(fakeResolver([{ address: '169.254.169.254', family: 4 }])),
      false,
    )
    expect(metadata.error).toMatchObject({
      code: ADDRESS_REFUSED,
      message: expect.stringMatching(
        /^metadata\.hookgate\.test resolves to 169\.254\.169\.254, which is a link-local/,
      ),
    })
    const mapped = await lookupOnce(
      guardedLookup(fakeResolver([{ address: '::ffff:169.254.169.254', family: 6 }])),
      true,
    )
    expect(mapped.error?.code).toBe(ADDRESS_REFUSED)
    const mixed = await lookupOnce(
      guardedLookup(
        fakeResolver([
          { address: '169.254.169.254', family: 4 },
          { address: '10.1.2.3', family: 4 },
        ]),
      ),
      true,
    )
    expect(mixed).toEqual({ error: null, address: [{ address: '10.1.2.3', family: 4 }] })
    const loopback = await lookupOnce(
      guardedLookup(fakeResolver([{ address: '127.0.0.1', family: 4 }])),
      false,
    )
    expect(loopback).toEqual({ error: null, address: '127.0.0.1' })
  })

  it('config refuses link-local destination URLs (decimal, hex, octal, IPv4-mapped) unless allowLinkLocal: true', () => {
    const config = (url: string, extra: Record<string, unknown> = {}) =>
      parseConfig(
        {
          sources: [{ id: 'src', provider: 'github', secrets: [SOURCE_SECRET] }],
          destinations: [{ id: 'd', url, sources: ['src'], signingSecret: DEST_SECRET, ...extra }],
        },
        { env: {} },
      )
    const refused = [
      ['http://169.254.169.254/latest/meta-data/', '169.254.169.254'],
      ['http://2852039166/', '169.254.169.254'],
      ['http://0xa9fea9fe/', '169.254.169.254'],
      ['http://0251.0376.0251.0376/', '169.254.169.254'],
      ['http://[::ffff:169.254.169.254]/', '[::ffff:a9fe:a9fe]'],
      ['https://[fe80::1]:8443/h', '[fe80::1]'],
    ] as const
    for (const [url, shown] of refused) {
      let error: unknown
      try {
        config(url)
      } catch (caught) {
        error = caught
      }
      expect(error, url).toBeInstanceOf(ConfigError)
      expect((error as ConfigError).issues).toEqual([
        `destinations[0].url: ${shown} is a link-local or cloud-metadata address; set allowLinkLocal: true on this destination if it is really the target`,
      ])
      expect(config(url, { allowLinkLocal: true }).destinations[0]!.allowLinkLocal).toBe(true)
    }
    for (const url of [
      'http://127.0.0.1:9000/h',
      'http://10.0.0.5/h',
      'http://[::1]:9000/h',
      'http://billing.internal/h',
    ]) {
      expect(config(url).destinations[0]!.allowLinkLocal, url).toBe(false)
    }
  })
})

describe('the forwarder applies the policy at connect time', () => {
  it('a host name that resolves to 169.254.169.254 is refused after the lookup and before any connection', async () => {
    const { attempts } = recordConnectionAttempts()
    const clock = createClock()
    const storage = createSqliteStorage({ path: ':memory:' })
    await storage.migrate()
    cleanups.push(() => storage.close())
    // DNS rebinding: a name that looked harmless when configured answers with the metadata address now.
    const resolver = fakeResolver([{ address: '169.254.169.254', family: 4 }])
    const forwarder = createForwarder({ lookup: resolver })
    cleanups.push(() => forwarder.close())
    const d = destination({ url: 'http://metadata.hookgate.test:9/latest', timeoutMs: 2_000 })
    const w = createDeliveryWorker({
      storage,
      destinations: [d],
      now: clock.now,
      forward: forwarder.forward,
      circuitBreaker: { failureThreshold: 100 },
    })
    cleanups.push(() => w.stop({ timeoutMs: 2_000 }))
    const { event: stored } = await storage.ingest(event(clock.now()), ['d'])

    await w.poll()
    await w.idle()
    const [delivery] = await storage.listDeliveries(stored.id)
    expect(delivery!.attemptLog[0]!.error).toBe(
      'address_refused: metadata.hookgate.test resolves to 169.254.169.254, which is a link-local or cloud-metadata address; set allowLinkLocal: true on the destination if it is really the target',
    )
    expect(delivery!.attemptLog[0]!.next.kind).toBe('retry')
    expect(resolver.asked).toEqual(['metadata.hookgate.test'])
    expect(attempts).toEqual([])
  })

  it('an IP literal is refused before a request exists; allowLinkLocal lets a name through to its address', async () => {
    const { attempts } = recordConnectionAttempts()
    const forwarder = createForwarder()
    cleanups.push(() => forwarder.close())
    const clock = createClock()
    const storage = createSqliteStorage({ path: ':memory:' })
    await storage.migrate()
    cleanups.push(() => storage.close())
    const { event: stored } = await storage.ingest(event(clock.now()), ['d'])
    const [claimed] = await storage.claimDue({
      workerId: 'w',
      limit: 1,
      leaseMs: 60_000,
      now: clock.now(),
    })
    // Built around the config check (as a programmatic GatewayConfig could be): the forwarder still refuses.
    const literal = {
      ...destination({ url: 'http://127.0.0.1:9/h' }),
      url: 'http://[::ffff:169.254.169.254]:9/h',
    }
    const result = await forwarder.forward(literal, claimed!, clock.now())
    expect(result.outcome).toMatchObject({ kind: 'error', code: 'address_refused' })
    expect(attempts).toEqual([])
    expect(stored.id).toBe(claimed!.eventId)

    // Opted in: the injected resolver's answer is used as is (a loopback sink stands in for the target).
    const sink = await startSink()
    cleanups.push(() => sink.close())
    const optedIn = createForwarder({ lookup: fakeResolver([{ address: '127.0.0.1', family: 4 }]) })
    cleanups.push(() => optedIn.close())
    const allowed = destination({
      url: `http://link-local.hookgate.test:${sink.port}/h`,
      allowLinkLocal: true,
    })
    expect((await optedIn.forward(allowed, claimed!, clock.now())).outcome).toMatchObject({
      kind: 'response',
      statusCode: 200,
    })
    expect(attempts).toEqual([`127.0.0.1:${sink.port}`])
  })
})
