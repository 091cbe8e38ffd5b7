/**
 * `hookgate send`: every sample of every provider signs and verifies in-process (the same renderSample + signWebhook
 * the command runs, checked with safeVerifyWebhook), and the built binary sends samples into a real
 * `hookgate serve` (temporary SQLite, port 0) that accepts and stores them — or refuses them with a wrong secret.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { generateKeyPairSync, randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { providers, safeVerifyWebhook, signWebhook, type ProviderFactory } from '@hookgate/verify'
import { renderSample } from '../src/cli/commands/send.ts'
import { SAMPLES } from '../src/cli/fixtures/samples.ts'
import { CLI, ensureBuilt, plainEnv } from './built.ts'

const TEXT_SECRET = 'hookgate-send-test-secret-0123456789'
const WHSEC = `whsec_${Buffer.from('hookgate-send-test-key-32-bytes!').toString('base64')}`
const ed25519 = generateKeyPairSync('ed25519')
const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' })
const pem = (key: { export(options: { type: 'pkcs8' | 'spki'; format: 'pem' }): string | Buffer }, type: 'pkcs8' | 'spki') =>
  String(key.export({ type, format: 'pem' }))

/** A secret the provider would issue (for public-key providers, the private key: it signs and verifies). */
function secretFor(factory: ProviderFactory<object>): string {
  switch (factory.definition.profile?.secretKind) {
    case 'whsec':
      return WHSEC
    case 'base64':
      return Buffer.from(TEXT_SECRET).toString('base64')
    case 'hex':
      return Buffer.from(TEXT_SECRET).toString('hex')
    case 'ed25519':
      return pem(ed25519.privateKey, 'pkcs8')
    case 'ecdsa-p256':
      return pem(p256.privateKey, 'pkcs8')
    default:
      return TEXT_SECRET
  }
}

const URL_SIGNED = 'https://hooks.example.com/webhooks/sample'
/** Discord's body `type` is numeric (1: an interaction PING, or a webhook event); its samples are named by the event. */
const NUMBERED_TYPES: Readonly<Record<string, string>> = { 'discord PING': '1', 'discord APPLICATION_AUTHORIZED': '1' }

describe('samples', () => {
  const ids = Object.keys(SAMPLES)

  it('cover at least 30 providers, each a built-in preset with a default among its events', () => {
    expect(ids.length).toBeGreaterThanOrEqual(30)
    for (const id of ids) {
      expect(Object.keys(providers), id).toContain(id)
      const samples = SAMPLES[id]!
      expect(Object.keys(samples.events), id).toContain(samples.default)
    }
    for (const required of ['stripe', 'github', 'slack', 'shopify', 'twilio', 'trello', 'calendly', 'standard-webhooks', 'svix', 'clerk', 'resend', 'openai', 'discord', 'sendgrid', 'paddle', 'gitlab', 'zoom', 'twitch', 'square', 'mux', 'workos', 'intercom', 'typeform', 'lemon-squeezy', 'notion', 'sentry', 'vercel', 'xero']) {
      expect(ids).toContain(required)
    }
  })

  const cases = ids.flatMap((id) => Object.keys(SAMPLES[id]!.events).map((event) => [id, event] as const))
  it.each(cases)('%s %s signs and verifies, with its event type', (id, event) => {
    const factory = providers[id as keyof typeof providers] as ProviderFactory<object>
    const now = new Date()
    const sample = renderSample(id, event, { now })
    const options: Record<string, unknown> = { ...(SAMPLES[id]!.options ?? {}) }
    const urlOption = factory.definition.sourceUrlOption
    if (urlOption !== undefined) options[urlOption] = URL_SIGNED
    const preset = factory({ ...options, secrets: [secretFor(factory)] })
    const signature = signWebhook(preset, { body: sample.body, url: URL_SIGNED, timestamp: now })
    const headers = new Headers({ 'content-type': sample.contentType, ...sample.headers, ...signature })
    const result = safeVerifyWebhook(preset, { method: 'POST', url: URL_SIGNED, headers, rawBody: sample.body }, { now })
    expect(result.ok ? 'ok' : `${result.reason}: ${result.message}`).toBe('ok')
    if (!result.ok) return
    // Where the preset reads an event type, the sample's is the one it is listed under (Discord's is a number).
    if (result.eventType !== undefined) expect(result.eventType).toBe(NUMBERED_TYPES[`${id} ${event}`] ?? event)
    if (sample.contentType === 'application/json') expect(() => result.json()).not.toThrow()
  })

  it('fill fresh ids and the current time on every render', () => {
    const a = renderSample('stripe', undefined, { now: new Date('2026-01-31T00:00:00Z') })
    const b = renderSample('stripe', undefined, { now: new Date('2026-01-31T00:00:00Z') })
    const [ja, jb] = [JSON.parse(Buffer.from(a.body).toString()), JSON.parse(Buffer.from(b.body).toString())] as { id: string; created: number }[]
    expect(ja!.id).toMatch(/^evt_[A-Za-z0-9]{24}$/)
    expect(ja!.id).not.toBe(jb!.id)
    expect(ja!.created).toBe(Date.parse('2026-01-31T00:00:00Z') / 1000)
    expect(a.event).toBe('payment_intent.succeeded')
  })

  it('list the known event types when --event is unknown', () => {
    expect(() => renderSample('github', 'nope')).toThrow(/unknown --event "nope" for github; known: push, pull_request, issues/)
  })
})
