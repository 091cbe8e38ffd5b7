/**
 * The pieces of diagnosed and captured rejections (issue 9 §2): the per-source, per-minute diagnosis budget (with an
 * injected clock), and the sealing of a captured request's signature headers (opened only by a source secret, bound
 * to its record, tamper-evident).
 */
import { describe, expect, it } from 'vitest'
import { captureKeys, captureRequest, openSealed, seal } from '../../src/ingest/capture.ts'
import { createDiagnosisBudget } from '../../src/ingest/diagnosis-budget.ts'
import { parseConfig } from '../../src/config.ts'

describe('diagnosis budget', () => {
  it('allows perMinute per source per clock minute, then none until the next minute; 0 never', () => {
    const budget = createDiagnosisBudget()
    const t = Date.UTC(2026, 2, 1, 12, 0, 0)
    expect([1, 2, 3, 4].map((i) => budget.take('a', 3, t + i * 1000))).toEqual([
      true,
      true,
      true,
      false,
    ])
    expect(budget.take('b', 3, t + 5000)).toBe(true) // per source
    expect(budget.take('a', 3, t + 59_999)).toBe(false)
    expect(budget.take('a', 3, t + 60_000)).toBe(true) // the next minute
    expect(budget.take('c', 0, t)).toBe(false)
  })
})

describe('sealed signature headers', () => {
  const secrets = ['first-secret-0123456789abcdef', 'second-secret-0123456789abcdef']
  const parts = {
    headers: { 'x-hub-signature-256': 'sha256=abc', 'x-twice': ['1', '2'] },
    url: 'https://h.example/webhooks/gh?token=t',
  }

  it('opens with any one of the source secrets, not with another, another record or a changed box', () => {
    const sealed = seal(captureKeys(secrets), parts, 'gh', 'f'.repeat(64))!
    expect(sealed.split('.')).toHaveLength(3) // v1 + one box per secret
    expect(sealed).not.toContain('abc')
    expect(openSealed(sealed, [secrets[1]!], 'gh', 'f'.repeat(64))).toEqual(parts)
    expect(openSealed(sealed, ['x', secrets[0]!], 'gh', 'f'.repeat(64))).toEqual(parts)
    expect(
      openSealed(sealed, ['another-secret-0123456789abcdef'], 'gh', 'f'.repeat(64)),
    ).toBeUndefined()
    expect(openSealed(sealed, secrets, 'other', 'f'.repeat(64))).toBeUndefined()
    expect(openSealed(sealed, secrets, 'gh', 'e'.repeat(64))).toBeUndefined()
    const [v, box] = sealed.split('.')
    // Another character at the second-to-last place (chosen from that character, so it always changes).
    const flipped = `${v}.${box!.slice(0, -2)}${box!.at(-2) === 'A' ? 'B' : 'A'}${box!.slice(-1)}`
    expect(openSealed(flipped, secrets, 'gh', 'f'.repeat(64))).toBeUndefined()
    expect(openSealed('v2.xyz', secrets, 'gh', 'f'.repeat(64))).toBeUndefined()
    expect(seal([], parts, 'gh', 'f'.repeat(64))).toBeUndefined()
  })

  it('captureRequest keeps non-sensitive headers out of the seal, cuts the body and shows the URL without its query', () => {
    const body = new TextEncoder().encode('0123456789abcdef-and-more')
    const captured = captureRequest({
      method: 'POST',
      url: 'https://h.example/webhooks/gh?token=t',
      headers: {
        'content-type': 'application/json',
        'x-hub-signature-256': 'sha256=abc',
        'x-custom-sig-name': 'v',
        authorization: 'Bearer b',
      },
      body,
      maxBytes: 16,
      sensitiveHeaders: new Set(['x-custom-sig-name']),
      keys: captureKeys(secrets),
      sourceId: 'gh',
      bodySha256: 'd'.repeat(64),
    })
    expect(captured).toMatchObject({
      method: 'POST',
      url: 'https://h.example/webhooks/gh',
      truncated: true,
    })
    expect(new TextDecoder().decode(captured.body)).toBe('0123456789abcdef')
    expect(openSealed(captured.sealed!, secrets, 'gh', 'd'.repeat(64))).toEqual({
      headers: {
        'x-hub-signature-256': 'sha256=abc',
        'x-custom-sig-name': 'v',
        authorization: 'Bearer b',
      },
      url: 'https://h.example/webhooks/gh?token=t',
    })
  })
})

describe('config', () => {
  const source = (extra: Record<string, unknown> = {}) => ({
    id: 'gh',
    provider: 'github',
    secrets: ['config-secret-0123456789abcdef'],
    ...extra,
  })

  it('diagnose.perMinute: the server default (10), overridden per source; capture off by default, 64 KiB cap', () => {
    const config = parseConfig(
      {
        sources: [
          source(),
          source({
            id: 'b',
            diagnose: { perMinute: 0 },
            captureRejected: true,
            captureMaxBytes: 100,
          }),
        ],
      },
      { env: {} },
    )
    expect(config.sources[0]).toMatchObject({
      diagnosePerMinute: 10,
      captureRejected: false,
      captureMaxBytes: 65_536,
      captureKeys: [],
    })
    expect(config.sources[1]).toMatchObject({
      diagnosePerMinute: 0,
      captureRejected: true,
      captureMaxBytes: 100,
    })
    expect(config.sources[1]!.captureKeys).toHaveLength(1)
    const server = parseConfig(
      { server: { diagnose: { perMinute: 3 } }, sources: [source()] },
      { env: {} },
    )
    expect(server.sources[0]!.diagnosePerMinute).toBe(3)
  })

  it('refuses bad values, naming the key', () => {
    expect(() =>
      parseConfig({ sources: [source({ captureRejected: 'yes' })] }, { env: {} }),
    ).toThrow(/sources\[0\]\.captureRejected/)
    expect(() => parseConfig({ sources: [source({ captureMaxBytes: 0 })] }, { env: {} })).toThrow(
      /sources\[0\]\.captureMaxBytes/,
    )
    expect(() =>
      parseConfig({ sources: [source({ diagnose: { perMinute: -1 } })] }, { env: {} }),
    ).toThrow(/sources\[0\]\.diagnose\.perMinute/)
    expect(() =>
      parseConfig({ sources: [source({ diagnose: { every: 1 } })] }, { env: {} }),
    ).toThrow(/sources\[0\]\.diagnose/)
  })
})
