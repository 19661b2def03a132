import request from 'supertest';
import { beforeEach, describe, expect, it } from 'vitest';
import { expectToMatchSpec } from '../support/spec.js';
import {
  buildTestApp,
  CHANNEL_ARN,
  OTHER_CHANNEL_ARN,
  PLAYBACK_URL,
  type TestApp,
} from '../support/test-app.js';

const PATH = '/v1/playback-tokens';

function decodeSegment(segment: string | undefined): string {
  return Buffer.from(segment ?? '', 'base64url').toString('utf8');
}

describe('POST /v1/playback-tokens', () => {
  let context: TestApp;
  beforeEach(async () => {
    context = await buildTestApp();
  });

  const post = (body: unknown, apiKey = context.apiKeys.issuer) =>
    request(context.app)
      .post(PATH)
      .set('Authorization', `Bearer ${apiKey}`)
      .send(body as object);

  it('returns 201 with a token carrying exactly the requested claims', async () => {
    const now = Math.floor(context.clock.now().getTime() / 1000);

    const response = await post({
      channelArn: CHANNEL_ARN,
      viewerId: 'viewer-42',
      viewerSessionVersion: 3,
      ttlSeconds: 120,
      allowedOrigins: ['https://Example.com', 'https://*.example.org:8443'],
      strictOriginEnforcement: true,
      singleUse: true,
      maximumResolution: 'HD',
    });

    expect(response.status).toBe(201);
    expectToMatchSpec(response, 'post', PATH);
    const [header, payload] = String(response.body.token).split('.');
    expect(decodeSegment(header)).toBe('{"alg":"ES384","typ":"JWT"}');
    const claims = JSON.parse(decodeSegment(payload));
    expect(claims).toEqual({
      'aws:channel-arn': CHANNEL_ARN,
      'aws:viewer-id': 'viewer-42',
      'aws:viewer-session-version': 3,
      'aws:access-control-allow-origin': 'https://example.com,https://*.example.org:8443',
      'aws:strict-origin-enforcement': true,
      'aws:single-use-uuid': expect.stringMatching(
        /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      ),
      'aws:maximum-resolution': 'HD',
      exp: now + 120,
    });
    expect(response.body.expiresAt).toBe(new Date((now + 120) * 1000).toISOString());
    expect(response.body.keyId).toBe(context.keyCache.status().currentKeyId);
  });

  it('returns only aws:channel-arn and exp for a minimal request, with the default TTL in seconds', async () => {
    const now = Math.floor(context.clock.now().getTime() / 1000);

    const response = await post({ channelArn: OTHER_CHANNEL_ARN });

    expect(response.status).toBe(201);
    expect(JSON.parse(decodeSegment(String(response.body.token).split('.')[1]))).toEqual({
      'aws:channel-arn': OTHER_CHANNEL_ARN,
      exp: now + 600,
    });
    expect(response.body.playbackUrl).toBeUndefined();
  });

  it('adds the playback URL with ?token= when the channel is known', async () => {
    const response = await post({ channelArn: CHANNEL_ARN });

    expect(response.status).toBe(201);
    expect(response.body.playbackUrl).toBe(`${PLAYBACK_URL}?token=${response.body.token}`);
  });

  it('marks the response as not cacheable and echoes a request id', async () => {
    const response = await post({ channelArn: CHANNEL_ARN });

    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('echoes a safe inbound x-request-id and replaces an unsafe one', async () => {
    const safe = await post({ channelArn: CHANNEL_ARN }).set('x-request-id', 'trace-123.abc');
    const unsafe = await post({ channelArn: 'nope' }).set('x-request-id', 'bad id\twith spaces');

    expect(safe.headers['x-request-id']).toBe('trace-123.abc');
    // Replaced by a fresh UUID (a random one may well contain the letters "bad", so check its form).
    expect(unsafe.headers['x-request-id']).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(unsafe.body.requestId).toBe(unsafe.headers['x-request-id']);
  });

  describe('refuses a request that breaks a rule with 400 and the rule code', () => {
    const cases: [string, Record<string, unknown>, string][] = [
      ['channelArn is missing', {}, 'INVALID_REQUEST'],
      [
        'channelArn is not a channel ARN',
        { channelArn: 'arn:aws:ivs:us-west-2:123456789012:stream-key/abc' },
        'INVALID_CHANNEL_ARN',
      ],
      [
        'channelArn is 129 characters',
        { channelArn: `arn:aws:ivs:us-west-2:123456789012:channel/${'a'.repeat(86)}` },
        'INVALID_CHANNEL_ARN',
      ],
      ['viewerId is empty', { channelArn: CHANNEL_ARN, viewerId: '' }, 'INVALID_VIEWER_ID'],
      [
        'viewerId is 41 characters',
        { channelArn: CHANNEL_ARN, viewerId: 'v'.repeat(41) },
        'INVALID_VIEWER_ID',
      ],
      ['viewerId has a newline', { channelArn: CHANNEL_ARN, viewerId: 'a\nb' }, 'INVALID_VIEWER_ID'],
      [
        'viewerSessionVersion without viewerId',
        { channelArn: CHANNEL_ARN, viewerSessionVersion: 1 },
        'VIEWER_SESSION_VERSION_WITHOUT_VIEWER_ID',
      ],
      [
        'viewerSessionVersion is 2^31',
        { channelArn: CHANNEL_ARN, viewerId: 'v', viewerSessionVersion: 2 ** 31 },
        'INVALID_VIEWER_SESSION_VERSION',
      ],
      [
        'viewerSessionVersion is negative',
        { channelArn: CHANNEL_ARN, viewerId: 'v', viewerSessionVersion: -1 },
        'INVALID_VIEWER_SESSION_VERSION',
      ],
      [
        'an origin has a path',
        { channelArn: CHANNEL_ARN, allowedOrigins: ['https://example.com/x'] },
        'INVALID_ORIGIN',
      ],
      [
        'an origin smuggles a second one',
        { channelArn: CHANNEL_ARN, allowedOrigins: ['https://a.com,https://b.com'] },
        'INVALID_ORIGIN',
      ],
      [
        'an origin names the default port',
        { channelArn: CHANNEL_ARN, allowedOrigins: ['https://a.com:443'] },
        'INVALID_ORIGIN',
      ],
      [
        'an origin repeats',
        { channelArn: CHANNEL_ARN, allowedOrigins: ['https://a.com', 'https://A.com'] },
        'DUPLICATE_ORIGIN',
      ],
      [
        '6 origins with strict enforcement',
        {
          channelArn: CHANNEL_ARN,
          strictOriginEnforcement: true,
          allowedOrigins: [1, 2, 3, 4, 5, 6].map((n) => `https://o${n}.example.com`),
        },
        'TOO_MANY_STRICT_ORIGINS',
      ],
      [
        'strict enforcement without origins',
        { channelArn: CHANNEL_ARN, strictOriginEnforcement: true },
        'STRICT_ORIGIN_WITHOUT_ORIGINS',
      ],
      [
        '51 origins',
        {
          channelArn: CHANNEL_ARN,
          allowedOrigins: Array.from({ length: 51 }, (_, n) => `https://o${n}.example.com`),
        },
        'TOO_MANY_ORIGINS',
      ],
      [
        'maximumResolution is UHD',
        { channelArn: CHANNEL_ARN, maximumResolution: 'UHD' },
        'INVALID_MAXIMUM_RESOLUTION',
      ],
      ['ttlSeconds is 0', { channelArn: CHANNEL_ARN, ttlSeconds: 0 }, 'INVALID_TTL'],
      ['ttlSeconds is fractional', { channelArn: CHANNEL_ARN, ttlSeconds: 1.5 }, 'INVALID_TTL'],
      ['ttlSeconds is a string', { channelArn: CHANNEL_ARN, ttlSeconds: '60' }, 'INVALID_TTL'],
      ['ttlSeconds is above the maximum', { channelArn: CHANNEL_ARN, ttlSeconds: 3601 }, 'TTL_ABOVE_MAXIMUM'],
      [
        'ttlSeconds is 601 with a viewer id',
        { channelArn: CHANNEL_ARN, viewerId: 'v', ttlSeconds: 601 },
        'TTL_ABOVE_VIEWER_LIMIT',
      ],
      [
        'ttlSeconds is 601 with single use',
        { channelArn: CHANNEL_ARN, singleUse: true, ttlSeconds: 601 },
        'TTL_ABOVE_VIEWER_LIMIT',
      ],
      ['an unknown field is sent', { channelArn: CHANNEL_ARN, exp: 1 }, 'INVALID_REQUEST'],
      ['singleUse is a string', { channelArn: CHANNEL_ARN, singleUse: 'yes' }, 'INVALID_REQUEST'],
      ['the body is an array', [] as unknown as Record<string, unknown>, 'INVALID_REQUEST'],
    ];

    it.each(cases)('when %s', async (_name, body, code) => {
      const response = await post(body);

      expect(response.status).toBe(400);
      expect(response.body.code).toBe(code);
      expect(response.body.message).toEqual(expect.any(String));
      expectToMatchSpec(response, 'post', PATH);
    });
  });

  it.each([
    [
      'an origin with a trailing slash',
      { allowedOrigins: ['https://example.com/'] },
      /^allowedOrigins\[0\] ends with a slash, but an origin has no path: drop the trailing slash; it must be an origin such as https:\/\/example\.com/,
    ],
    [
      'an origin with a path',
      { allowedOrigins: ['https://example.com', 'https://example.com/player'] },
      /^allowedOrigins\[1\] has a path, but an origin has no path: keep only scheme:\/\/host\[:port\]/,
    ],
    [
      'a channel ARN that is not one',
      { channelArn: 'my-channel' },
      /^channelArn must be an IVS channel ARN: arn:aws:ivs:/,
    ],
  ])('says in words, not as a regular expression, what is wrong with %s', async (_case, fields, message) => {
    const response = await post({ channelArn: CHANNEL_ARN, ...fields });

    expect(response.status).toBe(400);
    expect(response.body.message).toMatch(message);
    expect(response.body.message).not.toMatch(/\^|\$|\[a-z/);
  });

  it('accepts the boundaries: 600 s with a viewer id, 40-character viewer id, 5 strict origins, 2^31-1', async () => {
    const response = await post({
      channelArn: CHANNEL_ARN,
      viewerId: 'v'.repeat(40),
      viewerSessionVersion: 2 ** 31 - 1,
      ttlSeconds: 600,
      strictOriginEnforcement: true,
      allowedOrigins: [1, 2, 3, 4, 5].map((n) => `https://o${n}.example.com`),
    });

    expect(response.status).toBe(201);
  });

  it('returns 400 MALFORMED_JSON for a body that is not JSON', async () => {
    const response = await request(context.app)
      .post(PATH)
      .set('Authorization', `Bearer ${context.apiKeys.issuer}`)
      .set('Content-Type', 'application/json')
      .send('{"channelArn": ');

    expect(response.status).toBe(400);
    expect(response.body.code).toBe('MALFORMED_JSON');
    expectToMatchSpec(response, 'post', PATH);
  });

  it('returns 400 INVALID_REQUEST when the body is missing', async () => {
    const response = await request(context.app)
      .post(PATH)
      .set('Authorization', `Bearer ${context.apiKeys.issuer}`);

    expect(response.status).toBe(400);
    expect(response.body.code).toBe('INVALID_REQUEST');
  });

  it('returns 415 UNSUPPORTED_MEDIA_TYPE for a form body', async () => {
    const response = await request(context.app)
      .post(PATH)
      .set('Authorization', `Bearer ${context.apiKeys.issuer}`)
      .type('form')
      .send('channelArn=x');

    expect(response.status).toBe(415);
    expect(response.body.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    expectToMatchSpec(response, 'post', PATH);
  });

  it('returns 413 PAYLOAD_TOO_LARGE for a body over 16 KB', async () => {
    const response = await post({ channelArn: CHANNEL_ARN, viewerId: 'x'.repeat(17_000) });

    expect(response.status).toBe(413);
    expect(response.body.code).toBe('PAYLOAD_TOO_LARGE');
    expectToMatchSpec(response, 'post', PATH);
  });

  describe('authentication and authorization', () => {
    it.each([
      ['no Authorization header', undefined],
      ['an unknown key', 'Bearer ipa_000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'],
      ['a malformed key', 'Bearer not-a-key'],
      ['another scheme', 'Basic dXNlcjpwYXNz'],
      ['an empty bearer', 'Bearer '],
    ])('returns 401 UNAUTHENTICATED for %s', async (_name, header) => {
      const call = request(context.app).post(PATH).send({ channelArn: CHANNEL_ARN });
      const response = await (header === undefined ? call : call.set('Authorization', header));

      expect(response.status).toBe(401);
      expect(response.body).toEqual({
        code: 'UNAUTHENTICATED',
        message: 'send a valid API key as "Authorization: Bearer <key>"',
        requestId: expect.any(String),
      });
      expectToMatchSpec(response, 'post', PATH);
    });

    it('returns 401 for a known key id with the wrong secret', async () => {
      const forged = `${context.apiKeys.issuer.slice(0, 17)}${'A'.repeat(43)}`;

      const response = await post({ channelArn: CHANNEL_ARN }, forged);

      expect(response.status).toBe(401);
    });

    it('returns 403 INSUFFICIENT_SCOPE for a key without tokens:issue', async () => {
      const response = await post({ channelArn: CHANNEL_ARN }, context.apiKeys.admin);

      expect(response.status).toBe(403);
      expect(response.body.code).toBe('INSUFFICIENT_SCOPE');
      expectToMatchSpec(response, 'post', PATH);
    });

    it("returns 403 CHANNEL_NOT_ALLOWED outside the key's channel patterns, and 201 inside", async () => {
      const outside = await post({ channelArn: OTHER_CHANNEL_ARN }, context.apiKeys.limited);
      const inside = await post({ channelArn: CHANNEL_ARN }, context.apiKeys.limited);

      expect(outside.status).toBe(403);
      expect(outside.body.code).toBe('CHANNEL_NOT_ALLOWED');
      expect(inside.status).toBe(201);
    });
  });

  it('returns 503 NO_SIGNING_KEY with Retry-After before any key is loaded', async () => {
    const empty = await buildTestApp({ withKey: false });

    const response = await request(empty.app)
      .post(PATH)
      .set('Authorization', `Bearer ${empty.apiKeys.issuer}`)
      .send({ channelArn: CHANNEL_ARN });

    expect(response.status).toBe(503);
    expect(response.body.code).toBe('NO_SIGNING_KEY');
    expect(Number(response.headers['retry-after'])).toBeGreaterThan(0);
    expectToMatchSpec(response, 'post', PATH);
  });
});
