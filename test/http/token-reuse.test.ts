import { importJWK, type JWK, jwtVerify } from 'jose';
import request from 'supertest';
import { beforeEach, describe, expect, it } from 'vitest';
import { expectToMatchSpec } from '../support/spec.js';
import { buildTestApp, CHANNEL_ARN, type TestApp } from '../support/test-app.js';

const PATH = '/v1/playback-tokens';
const BUCKET_SECONDS = 30;

describe('POST /v1/playback-tokens with TOKEN_REUSE_SECONDS', () => {
  let context: TestApp;
  beforeEach(async () => {
    context = await buildTestApp({ tokenReuseSeconds: BUCKET_SECONDS });
  });

  const post = (body: object) =>
    request(context.app).post(PATH).set('Authorization', `Bearer ${context.apiKeys.issuer}`).send(body);
  const nowSeconds = () => Math.floor(context.clock.now().getTime() / 1000);
  /** Verifies with the published key the response names (IVS tokens carry no `kid`). */
  const verify = async (issued: { token: string; keyId: string }) => {
    const jwks = (await request(context.app).get('/.well-known/jwks.json')).body as { keys: JWK[] };
    const jwk = jwks.keys.find((key) => key.kid === issued.keyId) as JWK;
    return (await jwtVerify(issued.token, await importJWK(jwk, 'ES384'), { algorithms: ['ES384'] })).payload;
  };

  it('hands identical channel-wide requests one token, expiring at the end of the bucket', async () => {
    const asked = nowSeconds() + 300;
    const bucketEnd = Math.ceil(asked / BUCKET_SECONDS) * BUCKET_SECONDS;

    const first = await post({ channelArn: CHANNEL_ARN, ttlSeconds: 300 });
    const second = await post({ channelArn: CHANNEL_ARN, ttlSeconds: 300 });

    expect(first.status).toBe(201);
    expectToMatchSpec(first, 'post', PATH);
    expect(second.body).toEqual(first.body);
    expect(first.body.expiresAt).toBe(new Date(bucketEnd * 1000).toISOString());
    expect(await verify(first.body)).toEqual({ 'aws:channel-arn': CHANNEL_ARN, exp: bucketEnd });
    const metrics = await request(context.app).get('/metrics');
    expect(metrics.text).toContain('playback_tokens_issued_total{outcome="issued"} 1');
    expect(metrics.text).toContain('playback_tokens_issued_total{outcome="reused"} 1');
  });

  it('signs a new token when the expiry moves into the next bucket', async () => {
    const first = await post({ channelArn: CHANNEL_ARN, ttlSeconds: 300 });

    context.clock.advance(BUCKET_SECONDS);
    const later = await post({ channelArn: CHANNEL_ARN, ttlSeconds: 300 });

    expect(later.body.token).not.toBe(first.body.token);
    expect(Date.parse(later.body.expiresAt) - Date.parse(first.body.expiresAt)).toBe(BUCKET_SECONDS * 1000);
  });

  it('never shares viewer or single-use tokens, and keeps their exact expiry', async () => {
    const asked = nowSeconds() + 300;

    const viewer = [
      await post({ channelArn: CHANNEL_ARN, viewerId: 'viewer-1', ttlSeconds: 300 }),
      await post({ channelArn: CHANNEL_ARN, viewerId: 'viewer-1', ttlSeconds: 300 }),
    ];
    const singleUse = [
      await post({ channelArn: CHANNEL_ARN, singleUse: true, ttlSeconds: 300 }),
      await post({ channelArn: CHANNEL_ARN, singleUse: true, ttlSeconds: 300 }),
    ];

    for (const pair of [viewer, singleUse]) {
      expect(pair[0]?.body.token).not.toBe(pair[1]?.body.token);
      expect(pair.map((response) => response.body.expiresAt)).toEqual([
        new Date(asked * 1000).toISOString(),
        new Date(asked * 1000).toISOString(),
      ]);
    }
  });

  it('stops handing out the old token as soon as the key rotates', async () => {
    const before = await post({ channelArn: CHANNEL_ARN, ttlSeconds: 300 });

    const rotation = await request(context.app)
      .post('/v1/playback-keys/rotate')
      .set('Authorization', `Bearer ${context.apiKeys.admin}`);
    const after = await post({ channelArn: CHANNEL_ARN, ttlSeconds: 300 });

    expect(rotation.status).toBe(200);
    expect(after.body.keyId).not.toBe(before.body.keyId);
    expect(after.body.token).not.toBe(before.body.token);
    expect((await verify(after.body))['aws:channel-arn']).toBe(CHANNEL_ARN);
  });

  it('signs as asked when rounding up would pass TOKEN_MAX_TTL_SECONDS', async () => {
    // An expiry that already ends a bucket could be shared even at the maximum TTL: avoid one.
    if ((nowSeconds() + 3600) % BUCKET_SECONDS === 0) context.clock.advance(1);
    const asked = nowSeconds() + 3600;

    const first = await post({ channelArn: CHANNEL_ARN, ttlSeconds: 3600 });
    const second = await post({ channelArn: CHANNEL_ARN, ttlSeconds: 3600 });

    expect(first.body.expiresAt).toBe(new Date(asked * 1000).toISOString());
    expect(second.body.expiresAt).toBe(first.body.expiresAt);
    expect(second.body.token).not.toBe(first.body.token);
  });
});
