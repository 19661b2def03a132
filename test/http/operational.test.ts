import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { translateAwsError } from '../../src/adapters/aws/aws-error.js';
import { signingBackend } from '../support/signing.js';
import { expectToMatchSpec } from '../support/spec.js';
import { buildTestApp, CHANNEL_ARN } from '../support/test-app.js';

describe('operational routes', () => {
  it('GET /healthz answers 200 ok', async () => {
    const { app } = await buildTestApp();

    const response = await request(app).get('/healthz');

    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: 'ok' });
    expectToMatchSpec(response, 'get', '/healthz');
  });

  it('GET /readyz is ready with a fresh current key', async () => {
    const context = await buildTestApp();

    const response = await request(context.app).get('/readyz');

    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      status: 'ready',
      currentKeyId: context.keyCache.status().currentKeyId,
    });
    expectToMatchSpec(response, 'get', '/readyz');
  });

  it('GET /readyz is 503 without a key, when keys are too stale, and once shutdown begins', async () => {
    const empty = await buildTestApp({ withKey: false });
    const stale = await buildTestApp();
    stale.clock.advance(301);
    const stopping = await buildTestApp();
    stopping.shutDown();

    const responses = await Promise.all(
      [empty, stale, stopping].map(({ app }) => request(app).get('/readyz')),
    );

    expect(responses.map((response) => [response.status, response.body.reason])).toEqual([
      [503, 'no signing key loaded yet'],
      [503, 'the signing key has not been re-read from the key store for too long'],
      [503, 'shutting down'],
    ]);
    for (const response of responses) expectToMatchSpec(response, 'get', '/readyz');
  });

  it('GET /readyz is 503 until a served region is known to hold the key, and ready while one region lacks it', async () => {
    const nowhere = await buildTestApp({ regions: ['us-west-2', 'eu-west-1'] });
    for (const registry of nowhere.registries) registry.pairs.splice(0);
    nowhere.clock.advance(1);
    await nowhere.runtime.coverage.refresh();
    const degraded = await buildTestApp({ regions: ['us-west-2', 'eu-west-1'] });
    degraded.registries[1]?.pairs.splice(0);
    degraded.clock.advance(1);
    await degraded.runtime.coverage.refresh();

    const [notServing, oneRegionDown] = await Promise.all([
      request(nowhere.app).get('/readyz'),
      request(degraded.app).get('/readyz'),
    ]);

    expect(oneRegionDown.status).toBe(200);
    expect(oneRegionDown.body).toMatchObject({
      regions: [
        { region: 'us-west-2', currentKey: 'held' },
        { region: 'eu-west-1', currentKey: 'missing' },
      ],
      degradedRegions: ['eu-west-1'],
    });
    expectToMatchSpec(oneRegionDown, 'get', '/readyz');
    expect([notServing.status, notServing.body.reason]).toEqual([
      503,
      'no served region is confirmed yet to hold the signing key (IVS not read yet, or it lacks the key everywhere)',
    ]);
    expect(notServing.body.degradedRegions).toEqual(['us-west-2', 'eu-west-1']);
    expectToMatchSpec(notServing, 'get', '/readyz');
  });

  it('GET /readyz says why no key could be loaded: the AWS operation and error name', async () => {
    const context = await buildTestApp({ withKey: false });
    const regionMissing = new Error('Region is missing');
    context.keyCache.recordFailure(translateAwsError(regionMissing, 'Secrets Manager DescribeSecret'));

    const response = await request(context.app).get('/readyz');

    expect(response.status).toBe(503);
    expect(response.body.reason).toBe(
      'no signing key loaded yet: Secrets Manager DescribeSecret failed (RegionMissing): no AWS region is configured: set AWS_REGION',
    );
    expect(response.body.keyStore).toMatchObject({
      lastRefreshFailed: true,
      lastFailure: {
        code: 'DEPENDENCY_UNAVAILABLE',
        message: response.body.reason.replace('no signing key loaded yet: ', ''),
        operation: 'Secrets Manager DescribeSecret',
        awsError: 'RegionMissing',
        at: context.clock.now().toISOString(),
      },
    });
    expectToMatchSpec(response, 'get', '/readyz');
  });

  it('GET /.well-known/jwks.json lists public EC P-384 keys only', async () => {
    const context = await buildTestApp();

    const response = await request(context.app).get('/.well-known/jwks.json');

    expect(response.status).toBe(200);
    expectToMatchSpec(response, 'get', '/.well-known/jwks.json');
    expect(response.body.keys).toEqual([
      {
        kty: 'EC',
        crv: 'P-384',
        x: expect.any(String),
        y: expect.any(String),
        kid: context.keyCache.status().currentKeyId,
        alg: 'ES384',
        use: 'sig',
      },
    ]);
  });

  it('GET /metrics exposes requests, latency, token outcomes, key age and the signer', async () => {
    const context = await buildTestApp();
    await request(context.app)
      .post('/v1/playback-tokens')
      .set('Authorization', `Bearer ${context.apiKeys.issuer}`)
      .send({ channelArn: CHANNEL_ARN });
    await request(context.app)
      .post('/v1/playback-tokens')
      .set('Authorization', `Bearer ${context.apiKeys.issuer}`)
      .send({ channelArn: CHANNEL_ARN, viewerId: 'v', ttlSeconds: 601 });
    context.clock.advance(42);

    const response = await request(context.app).get('/metrics');

    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toContain('text/plain');
    expect(response.text).toContain(
      'http_requests_total{route="/v1/playback-tokens",method="POST",status="201"} 1',
    );
    expect(response.text).toContain(
      'http_requests_total{route="/v1/playback-tokens",method="POST",status="400"} 1',
    );
    expect(response.text).toContain('http_request_duration_seconds_bucket');
    expect(response.text).toContain('playback_tokens_issued_total{outcome="issued"} 1');
    expect(response.text).toContain('playback_tokens_issued_total{outcome="rejected"} 1');
    expect(response.text).toMatch(/signing_key_age_seconds 4[2-9]/);
    expect(response.text).toContain('signing_key_ready 1');
    expect(response.text).toContain(`signer_info{signer="${signingBackend.name}"} 1`);
  });

  it('GET /openapi.yaml serves the contract', async () => {
    const { app } = await buildTestApp();

    const response = await request(app).get('/openapi.yaml');

    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toContain('application/yaml');
    expect(response.text).toContain('openapi: 3.1.0');
  });

  it('answers an unknown route with 404 NOT_FOUND in the error shape', async () => {
    const { app } = await buildTestApp();

    const response = await request(app).get('/v2/nothing');

    expect(response.status).toBe(404);
    expect(response.body.code).toBe('NOT_FOUND');
    expectToMatchSpec(response, 'get', '/v2/nothing');
  });

  it('answers a wrong method with 405 METHOD_NOT_ALLOWED and an Allow header', async () => {
    const { app } = await buildTestApp();

    const response = await request(app).get('/v1/playback-tokens');

    expect(response.status).toBe(405);
    expect(response.body.code).toBe('METHOD_NOT_ALLOWED');
    expect(response.headers['allow']).toBe('POST');
    expectToMatchSpec(response, 'get', '/nowhere');
  });

  it('sends security headers and no x-powered-by', async () => {
    const { app } = await buildTestApp();

    const response = await request(app).get('/healthz');

    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['x-powered-by']).toBeUndefined();
  });
});
