/** Handshakes of the body-HMAC presets a–i, checked against what the providers' docs require. */
import { describe, expect, it } from 'vitest'
import { probeHandshake, providers } from '@hookgate/verify'

describe('dropbox handshake', () => {
  const preset = providers.dropbox({ secrets: ['dbx-app-secret'] })

  it('echoes GET ?challenge= as text/plain (https://www.dropbox.com/developers/reference/webhooks)', () => {
    const answer = probeHandshake(preset, {
      method: 'GET',
      url: '/hooks/dropbox?challenge=tDTXH7ycfWgRFlEf2Ye5',
      headers: {},
    })
    expect(answer).toEqual({
      status: 200,
      contentType: 'text/plain',
      headers: { 'X-Content-Type-Options': 'nosniff' },
      body: 'tDTXH7ycfWgRFlEf2Ye5',
    })
  })

  it('answers nothing to a GET without a challenge, or to a HEAD', () => {
    expect(
      probeHandshake(preset, { method: 'GET', url: '/hooks/dropbox', headers: {} }),
    ).toBeUndefined()
    expect(
      probeHandshake(preset, { method: 'HEAD', url: '/hooks/dropbox?challenge=x', headers: {} }),
    ).toBeUndefined()
  })
})
