/**
 * Issue 11: every handshake a preset declares, end to end over HTTP through a real gateway. The request and its
 * expected answer come from the preset's own `handshake.example` (a signed handshake is signed first, as the
 * provider would), so a new preset with a handshake is covered without editing this file. The same request sent
 * to a source whose preset declares no handshake is never answered as one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  providers,
  signWebhook,
  type ProviderDefinition,
  type ProviderFactory,
} from '@hookgate/verify'
import { PRESET_CASES } from '../../../verify/test/support/presets.ts'
import { startGateway, type Running } from './harness.ts'

type HandshakeExample = NonNullable<NonNullable<ProviderDefinition['handshake']>['example']>

const PUBLIC_URL = 'https://hooks.example.com'
const OTHER_SECRET = 'github-secret-for-handshakes-0123456789'

const withHandshake = Object.entries(providers as Record<string, ProviderFactory<object>>)
  .map(([id, factory]) => ({ id, factory, example: factory.definition.handshake?.example }))
  .filter(
    (entry): entry is { id: string; factory: ProviderFactory<object>; example: HandshakeExample } =>
      entry.example !== undefined,
  )

let gw: Running

beforeAll(async () => {
  gw = await startGateway({
    server: { publicUrl: PUBLIC_URL },
    sources: [
      ...withHandshake.map(({ id, factory, example }) => ({
        id,
        provider: id,
        secrets: [PRESET_CASES[id as keyof typeof PRESET_CASES].fixedSecret],
        options: { ...factory.definition.profile?.options, ...example.options },
      })),
      { id: 'plain-github', provider: 'github', secrets: [OTHER_SECRET] },
    ],
  } as never)
})
afterAll(async () => gw.close())

/** The example's request, signed for `sourceId`'s preset when it has a body; sent to `target`. */
async function send(
  id: string,
  example: HandshakeExample,
  target: string,
  secretFor: string,
): Promise<Response> {
  const headers: Record<string, string> = { ...example.headers }
  if (example.body !== undefined) {
    const c = PRESET_CASES[secretFor as keyof typeof PRESET_CASES]
    Object.assign(headers, signWebhook(c.make(c.fixedSecret), { body: example.body }))
  }
  return fetch(`${gw.url}/webhooks/${target}${example.query ?? ''}`, {
    method: example.method,
    headers,
    ...(example.body === undefined ? {} : { body: example.body }),
  })
}

describe('handshakes declared by presets, over HTTP', () => {
  it('covers every preset that declares one', () => {
    expect(withHandshake.map((entry) => entry.id)).toEqual(
      expect.arrayContaining([
        'trello',
        'slack',
        'zoom',
        'twitch',
        'discord',
        'meta',
        'dropbox',
        'okta',
      ]),
    )
  })

  for (const { id, example } of withHandshake) {
    it(`${id}: ${example.method} is answered as the provider requires, and nothing is stored`, async () => {
      const response = await send(id, example, id, id)
      const text = await response.text()
      expect({ status: response.status }).toEqual({ status: example.answer.status })
      if (example.answer.body !== undefined && example.method !== 'HEAD')
        expect(text).toBe(example.answer.body)
      if (example.answer.bodyMatches !== undefined)
        expect(text).toMatch(new RegExp(example.answer.bodyMatches))
      expect((await gw.admin(`/api/events?source=${id}`)).body.items).toEqual([])
    })

    it(`${id}: the same request to a source without that handshake is not answered as one`, async () => {
      const response = await send(id, example, 'plain-github', id)
      const answer = await response.text()
      if (example.method === 'POST') {
        // Signed for another provider: refused by GitHub's verification, never echoed.
        expect(response.status).toBe(400)
        expect(JSON.parse(answer).error.code).toBe('missing_signature')
      } else {
        expect(response.status).toBe(405)
      }
    })
  }

  it('an unsigned reply handshake is refused (401/400), not answered', async () => {
    const zoom = withHandshake.find((entry) => entry.id === 'zoom')!
    const response = await fetch(`${gw.url}/webhooks/zoom`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: zoom.example.body!,
    })
    expect(response.status).toBe(400)
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe(
      'missing_signature',
    )
  })

  it('a probe that is not the handshake (GET without its challenge) is refused with a coded error', async () => {
    const response = await fetch(`${gw.url}/webhooks/dropbox`)
    expect(response.status).toBe(400)
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe(
      'invalid_handshake',
    )
  })
})
