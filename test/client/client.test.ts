import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import jwt from 'jsonwebtoken';
import { afterEach, describe, expect, it } from 'vitest';
import { retryAfterMilliseconds } from '../../src/client/errors.js';
import {
  createIvsPlaybackAuthClient,
  type IvsPlaybackAuthClientOptions,
  IvsPlaybackAuthError,
  type RetryEvent,
} from '../../src/client/index.js';
import { RecordingViewerSessionRevoker } from '../support/fakes.js';
import { specCheckedFetch } from '../support/spec-checked-fetch.js';
import { buildTestApp, CHANNEL_ARN, PLAYBACK_URL, type TestAppOptions } from '../support/test-app.js';

type Fetch = (request: Request) => Promise<Response>;

/**
 * The typed client (`ivs-playback-auth/client`) against the service's own app listening on a
 * loopback port: real HTTP, every answer checked against openapi.yaml, every response scanned for
 * secrets. Faults the app cannot be made to produce (a proxy's 502, a 503 once) are put in front
 * of it by a fetch wrapper; everything else is the server's own answer.
 */
describe('the typed client', () => {
  const servers: Server[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
  });

  /** Every request the client sent; each answer is checked against the contract. */
  const sent: Request[] = [];
  const checkedFetch: Fetch = (request) => {
    sent.push(request);
    return specCheckedFetch(request);
  };

  async function serve(
    options: TestAppOptions = {},
    clientOptions: Partial<IvsPlaybackAuthClientOptions> & { key?: 'all' | 'issuer' | 'admin' } = {},
  ) {
    sent.length = 0;
    const context = await buildTestApp(options);
    const server = createServer(context.app).listen(0, '127.0.0.1');
    servers.push(server);
    await once(server, 'listening');
    const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const client = createIvsPlaybackAuthClient({
      baseUrl,
      apiKey: context.apiKeys[clientOptions.key ?? 'all'],
      fetch: checkedFetch,
      ...clientOptions,
    });
    return { context, client, baseUrl };
  }

  it('issues a token that verifies under the public key the JWKS publishes', async () => {
    const { client } = await serve();

    const issued = await client.issueToken({
      channelArn: CHANNEL_ARN,
      viewerId: 'viewer-42',
      ttlSeconds: 300,
    });
    const { keys } = await client.jwks();
    const jwk = keys.find((key) => key.kid === issued.keyId);
    const claims = jwt.verify(issued.token, createPublicKey({ key: { ...jwk }, format: 'jwk' }), {
      algorithms: ['ES384'],
    });

    expect(claims).toMatchObject({ 'aws:channel-arn': CHANNEL_ARN, 'aws:viewer-id': 'viewer-42' });
    expect(issued.playbackUrl).toBe(`${PLAYBACK_URL}?token=${issued.token}`);
    expect(Date.parse(issued.expiresAt) / 1000).toBe((claims as { exp: number }).exp);
  });

  it('issues a batch: each item issued or refused on its own, in request order', async () => {
    const { client } = await serve();

    const batch = await client.issueTokens([
      { channelArn: CHANNEL_ARN },
      { channelArn: CHANNEL_ARN, viewerId: 'viewer-1', ttlSeconds: 601 },
      { channelArn: CHANNEL_ARN, maximumResolution: 'HD' },
    ]);

    expect(batch).toMatchObject({ issued: 2, failed: 1 });
    expect(batch.results).toEqual([
      expect.objectContaining({ index: 0, status: 201, token: expect.any(String) }),
      { index: 1, status: 400, error: expect.objectContaining({ code: 'TTL_ABOVE_VIEWER_LIMIT' }) },
      expect.objectContaining({ index: 2, status: 201, token: expect.any(String) }),
    ]);
  });

  it('revokes viewer sessions, each started or failed on its own', async () => {
    const revoker = new RecordingViewerSessionRevoker(new Set(['gone']));
    const { client } = await serve({ revoker });

    const result = await client.revokeSessions([
      { channelArn: CHANNEL_ARN, viewerId: 'viewer-1', viewerSessionVersionsLessThanOrEqualTo: 3 },
      { channelArn: CHANNEL_ARN, viewerId: 'gone' },
    ]);

    expect(result).toMatchObject({ started: 1, failed: 1 });
    expect(result.results[1]).toMatchObject({
      index: 1,
      status: 'failed',
      error: { code: 'ResourceNotFoundException' },
    });
    expect(revoker.calls).toHaveLength(1);
  });

  it('adopts a key made elsewhere as previous; a key that is not one surfaces KEY_NOT_READABLE without echoing it', async () => {
    const { client } = await serve();
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-384' });
    const privateKeyPem = privateKey.export({ format: 'pem', type: 'sec1' }).toString();

    const adopted = await client.adoptKey({ privateKeyPem, as: 'previous' });
    const garbage = '-----BEGIN EC PRIVATE KEY-----\nbm90IGEga2V5\n-----END EC PRIVATE KEY-----\n';
    const refused = await client.adoptKey({ privateKeyPem: garbage }).catch((error: unknown) => error);

    expect(adopted).toMatchObject({ state: 'previous', keyId: expect.stringMatching(/^ipa-adopted-/) });
    expect((await client.listKeys()).keys.find((key) => key.keyId === adopted.keyId)).toMatchObject({
      state: 'previous',
      adoptedAt: expect.any(String),
    });
    expect(refused).toBeInstanceOf(IvsPlaybackAuthError);
    expect(refused).toMatchObject({ status: 400, code: 'KEY_NOT_READABLE' });
    expect(JSON.stringify(refused)).not.toContain('bm90IGEga2V5');
    expect(String((refused as Error).message)).not.toContain('bm90IGEga2V5');
  });

  it('inspects a token it issued: plays, and a token cut short will not', async () => {
    const { client } = await serve();
    const { token } = await client.issueToken({ channelArn: CHANNEL_ARN });

    const good = await client.inspectToken({ token });
    const cut = await client.inspectToken({ token: token.slice(0, -20) });

    expect(good.verdict).toBe('plays');
    expect(cut.verdict).toBe('will-not-play');
    expect(cut.findings.map((item) => item.code)).toContain('TOKEN_TRUNCATED');
  });

  it('lists and rotates keys; a refused rotation surfaces the 409 code, its details and Retry-After, sent once', async () => {
    const { client, context } = await serve();
    const before = (await client.listKeys()).keys.map((key) => key.keyId);

    const rotated = await client.rotateKeys();
    const refused = await client.rotateKeys().catch((error: unknown) => error);

    expect(rotated.previousKeyId).toBe(before[0]);
    expect(rotated.currentKeyId).toBe(context.keyCache.status().currentKeyId);
    expect(refused).toBeInstanceOf(IvsPlaybackAuthError);
    expect(refused).toMatchObject({
      status: 409,
      code: 'PREVIOUS_KEY_DRAINING',
      requestId: expect.any(String),
      retryAfterSeconds: expect.any(Number),
      details: { drainEndsAt: expect.any(String) },
    });
    expect(sent.filter((request) => request.url.endsWith('/rotate'))).toHaveLength(2);
    expect((await client.listKeys()).keys.map((key) => key.state).sort()).toEqual(['current', 'previous']);
  });

  it('reads health and readiness, and a not-ready service is an answer, not an error', async () => {
    const ready = await serve();
    const notReady = await serve({ withKey: false });

    expect(await ready.client.health()).toEqual({ status: 'ok' });
    expect(await ready.client.readiness()).toMatchObject({ status: 'ready' });
    expect(await notReady.client.readiness()).toMatchObject({ status: 'not-ready' });
  });

  it("surfaces the service's error code, message and request id, never the API key", async () => {
    const { client, baseUrl, context } = await serve({}, { key: 'issuer' });
    const stranger = createIvsPlaybackAuthClient({
      baseUrl,
      apiKey: `${context.apiKeys.issuer}x`,
      fetch: specCheckedFetch,
    });

    const rule = await client
      .issueToken(
        { channelArn: CHANNEL_ARN, singleUse: true, ttlSeconds: 900 },
        { requestId: 'backend-req-7' },
      )
      .catch((error: unknown) => error);
    const scope = await client.listKeys().catch((error: unknown) => error);
    const unknown = await stranger.issueToken({ channelArn: CHANNEL_ARN }).catch((error: unknown) => error);

    expect(rule).toMatchObject({ status: 400, code: 'TTL_ABOVE_VIEWER_LIMIT', requestId: 'backend-req-7' });
    expect((rule as Error).message).toMatch(/600/);
    expect(scope).toMatchObject({ status: 403, code: 'INSUFFICIENT_SCOPE' });
    expect(unknown).toMatchObject({ status: 401, code: 'UNAUTHENTICATED', name: 'IvsPlaybackAuthError' });
    for (const error of [rule, scope, unknown]) {
      const text = `${String(error)} ${JSON.stringify(error)} ${(error as Error).stack}`;
      expect(text).not.toContain(context.apiKeys.issuer);
    }
  });

  it("retries a 429 after the service's Retry-After, and the retry succeeds", async () => {
    const events: RetryEvent[] = [];
    let advance = (_seconds: number) => {};
    const { client, context } = await serve(
      { rateLimitPerSecond: 1 },
      {
        key: 'issuer',
        onRetry: (event) => {
          events.push(event);
          advance(event.delayMs / 1000); // the service's clock moves on while the client waits
        },
      },
    );
    advance = (seconds) => context.clock.advance(seconds);
    const started = Date.now();

    const tokens = await Promise.all([1, 2, 3].map(() => client.issueToken({ channelArn: CHANNEL_ARN })));

    expect(tokens).toHaveLength(3);
    expect(events).toEqual([
      { attempt: 1, status: 429, delayMs: 1000, method: 'POST', path: '/v1/playback-tokens' },
    ]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(sent).toHaveLength(4);
  });

  it('does not wait longer than maxDelaySeconds: a later Retry-After comes back at once on the error', async () => {
    const { client } = await serve({ withKey: false }, { retry: { maxDelaySeconds: 2 } });

    const error = await client.issueToken({ channelArn: CHANNEL_ARN }).catch((caught: unknown) => caught);

    expect(error).toMatchObject({ status: 503, code: 'NO_SIGNING_KEY', retryAfterSeconds: 5 });
    expect(sent).toHaveLength(1);
  });

  /** A fetch that answers the first `times` requests itself, then lets the service answer. */
  const failing =
    (times: number, answer: () => Response): Fetch =>
    (request) => {
      sent.push(request);
      if (times-- > 0) return Promise.resolve(answer());
      return specCheckedFetch(request);
    };
  const serviceError = (status: number, code: string, retryAfter?: string) =>
    new Response(JSON.stringify({ code, message: `${code} from the test`, requestId: 'r-1' }), {
      status,
      headers: { 'content-type': 'application/json', ...(retryAfter ? { 'retry-after': retryAfter } : {}) },
    });

  it('retries a 503 after its Retry-After', async () => {
    const { client } = await serve(
      {},
      { fetch: failing(1, () => serviceError(503, 'DEPENDENCY_UNAVAILABLE', '1')), key: 'issuer' },
    );
    const started = Date.now();

    const issued = await client.issueToken({ channelArn: CHANNEL_ARN });

    expect(issued.token).toEqual(expect.any(String));
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  it('never retries a rotation after a 503: an interrupted rotation is resumed by its caller', async () => {
    const { client, context } = await serve(
      {},
      { fetch: failing(1, () => serviceError(503, 'DEPENDENCY_UNAVAILABLE', '1')) },
    );
    const before = context.keyCache.status().currentKeyId;

    const error = await client.rotateKeys({ emergency: true }).catch((caught: unknown) => caught);

    expect(error).toMatchObject({ status: 503, code: 'DEPENDENCY_UNAVAILABLE', retryAfterSeconds: 1 });
    expect(sent).toHaveLength(1);
    expect(context.keyCache.status().currentKeyId).toBe(before);
  });

  it('stops after maxAttempts and surfaces the last answer', async () => {
    const { client } = await serve(
      {},
      { fetch: failing(10, () => serviceError(429, 'RATE_LIMITED', '0')), retry: { maxAttempts: 3 } },
    );

    const error = await client.issueToken({ channelArn: CHANNEL_ARN }).catch((caught: unknown) => caught);

    expect(error).toMatchObject({ status: 429, code: 'RATE_LIMITED' });
    expect(sent).toHaveLength(3);
  });

  it('sends once with retry: false', async () => {
    const { client } = await serve(
      {},
      { fetch: failing(10, () => serviceError(429, 'RATE_LIMITED', '0')), retry: false },
    );

    await expect(client.issueToken({ channelArn: CHANNEL_ARN })).rejects.toMatchObject({
      code: 'RATE_LIMITED',
    });
    expect(sent).toHaveLength(1);
  });

  it('reports an answer without the service error shape (a proxy page) as UNEXPECTED_RESPONSE', async () => {
    const proxyPage = () =>
      new Response('<html><body>502 Bad Gateway</body></html>', {
        status: 502,
        statusText: 'Bad Gateway',
        headers: { 'content-type': 'text/html' },
      });
    const { client } = await serve({}, { fetch: failing(1, proxyPage) });

    await expect(client.listKeys()).rejects.toMatchObject({
      status: 502,
      code: 'UNEXPECTED_RESPONSE',
      message: 'the service answered 502 Bad Gateway without its error shape',
    });
  });

  it('gives up waiting when the caller aborts', async () => {
    const { client } = await serve({}, { fetch: failing(1, () => serviceError(503, 'NO_SIGNING_KEY', '5')) });
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('the caller gave up')), 50);

    await expect(
      client.issueToken({ channelArn: CHANNEL_ARN }, { signal: controller.signal }),
    ).rejects.toThrow('the caller gave up');
    expect(sent).toHaveLength(1);
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2026-12-06T10:00:00Z');

    expect(retryAfterMilliseconds('7', now)).toBe(7000);
    expect(retryAfterMilliseconds('Sun, 06 Dec 2026 10:00:03 GMT', now)).toBe(3000);
    expect(retryAfterMilliseconds('Sun, 06 Dec 2026 09:00:00 GMT', now)).toBe(0);
    expect(retryAfterMilliseconds('soon', now)).toBeUndefined();
    expect(retryAfterMilliseconds(null, now)).toBeUndefined();
  });
});
