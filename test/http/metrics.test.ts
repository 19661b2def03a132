import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { generateSigningKey } from '../../src/adapters/crypto/p384-keys.js';
import { createMetrics } from '../../src/http/metrics.js';
import type { KeyCacheStatus } from '../../src/services/key-cache.js';
import { signingBackend } from '../support/signing.js';
import { expectToMatchSpec } from '../support/spec.js';
import { buildTestApp, CHANNEL_ARN, type TestApp } from '../support/test-app.js';

/** What the alerting rules (deploy/prometheus) read, as the service's own /metrics shows it. */
describe('GET /metrics for alerting', () => {
  const scrape = async (context: TestApp) => {
    const response = await request(context.app).get('/metrics');
    expectToMatchSpec(response, 'get', '/metrics');
    return response.text;
  };
  const issue = async (context: TestApp, body: object, key = context.apiKeys.issuer) => {
    const response = await request(context.app)
      .post('/v1/playback-tokens')
      .set('Authorization', `Bearer ${key}`)
      .send(body);
    expectToMatchSpec(response, 'post', '/v1/playback-tokens');
    return response;
  };

  it('counts token refusals by error code, single requests and batch items alike', async () => {
    const context = await buildTestApp({ regions: ['us-west-2'] });

    await issue(context, { channelArn: CHANNEL_ARN, viewerId: 'v', ttlSeconds: 601 });
    await issue(context, { channelArn: CHANNEL_ARN.replace('us-west-2', 'eu-west-1') });
    const batch = await request(context.app)
      .post('/v1/playback-tokens/batch')
      .set('Authorization', `Bearer ${context.apiKeys.issuer}`)
      .send({
        requests: [
          { channelArn: CHANNEL_ARN },
          { channelArn: CHANNEL_ARN, singleUse: true, ttlSeconds: 900 },
        ],
      });
    expectToMatchSpec(batch, 'post', '/v1/playback-tokens/batch');
    const text = await scrape(context);

    expect(text).toContain('playback_token_refusals_total{code="TTL_ABOVE_VIEWER_LIMIT"} 2');
    expect(text).toContain('playback_token_refusals_total{code="CHANNEL_REGION_NOT_SERVED"} 1');
    expect(text).toContain('playback_tokens_issued_total{outcome="rejected"} 3');
    expect(text).toContain('playback_tokens_issued_total{outcome="issued"} 1');
  });

  it('counts a token that could not be signed under its code, as failed', async () => {
    const context = await buildTestApp({ withKey: false });

    await issue(context, { channelArn: CHANNEL_ARN });
    const text = await scrape(context);

    expect(text).toContain('playback_token_refusals_total{code="NO_SIGNING_KEY"} 1');
    expect(text).toContain('playback_tokens_issued_total{outcome="failed"} 1');
  });

  it('counts requests refused for a missing or unknown API key, and nothing for a valid one', async () => {
    const context = await buildTestApp();

    await issue(context, { channelArn: CHANNEL_ARN });
    await issue(context, { channelArn: CHANNEL_ARN }, `${context.apiKeys.issuer}x`);
    const anonymous = await request(context.app)
      .post('/v1/playback-tokens')
      .send({ channelArn: CHANNEL_ARN });
    const basic = await request(context.app).get('/v1/playback-keys').set('Authorization', 'Basic abc');
    expectToMatchSpec(anonymous, 'post', '/v1/playback-tokens');
    expectToMatchSpec(basic, 'get', '/v1/playback-keys');
    const text = await scrape(context);

    expect(text).toContain('api_key_authentication_failures_total 3');
    expect(text).not.toContain(context.apiKeys.issuer);
  });

  it('counts rotations run to completion and failed ones by code, every series present from the start', async () => {
    const context = await buildTestApp();
    const rotate = async (emergency?: boolean) => {
      const response = await request(context.app)
        .post('/v1/playback-keys/rotate')
        .set('Authorization', `Bearer ${context.apiKeys.admin}`)
        .send(emergency === undefined ? {} : { emergency });
      expectToMatchSpec(response, 'post', '/v1/playback-keys/rotate');
      return response;
    };

    const before = await scrape(context);
    expect((await rotate()).status).toBe(200);
    expect((await rotate()).status).toBe(409);
    context.registry.faults.fail('importKey');
    expect((await rotate(true)).status).toBe(503);
    const after = await scrape(context);

    expect(before).toContain('signing_key_rotations_total{emergency="false"} 0');
    expect(before).toContain(
      'signing_key_rotation_failures_total{emergency="true",code="NO_FREE_KEY_SLOT"} 0',
    );
    expect(after).toContain('signing_key_rotations_total{emergency="false"} 1');
    expect(after).toContain('signing_key_rotations_total{emergency="true"} 0');
    expect(after).toContain(
      'signing_key_rotation_failures_total{emergency="false",code="PREVIOUS_KEY_DRAINING"} 1',
    );
    expect(after).toContain(
      'signing_key_rotation_failures_total{emergency="true",code="DEPENDENCY_UNAVAILABLE"} 1',
    );
  });

  // prom-client writes NaN as "Nan", which Prometheus reads as NaN.
  it('shows how long a pending key has waited, NaN when there is none', async () => {
    const context = await buildTestApp();
    const none = await scrape(context);
    await context.store.stagePending(await generateSigningKey(context.clock.now()));
    await context.keyCache.refresh();
    context.clock.advance(95);

    expect(none).toMatch(/^signing_key_pending_age_seconds Nan$/m);
    expect(await scrape(context)).toMatch(/^signing_key_pending_age_seconds 95$/m);
  });

  it('shows 0 while the previous key drains, then how long it has outstayed the drain period', async () => {
    const context = await buildTestApp();
    const none = await scrape(context);
    await context.rotator.rotate({ emergency: false });
    const draining = await scrape(context);
    // TOKEN_MAX_TTL_SECONDS 3600 + CLOCK_SKEW_SECONDS 60 + KEY_MAX_STALENESS_SECONDS 300 in the test app: 3960 s.
    context.clock.advance(3960 + 125);
    await context.keyCache.refresh();

    expect(none).toMatch(/^signing_key_previous_drain_overdue_seconds Nan$/m);
    expect(draining).toMatch(/^signing_key_previous_drain_overdue_seconds 0$/m);
    expect(await scrape(context)).toMatch(/^signing_key_previous_drain_overdue_seconds 125$/m);
  });

  it('says whether SIGNER=auto fell back to OpenSSL', async () => {
    const context = await buildTestApp();
    const status = context.keyCache.status();
    const metricsFor = (signerChoice: 'auto' | 'nettle' | 'openssl', signer: 'nettle' | 'openssl') =>
      createMetrics({
        keyStatus: (): KeyCacheStatus => status,
        clock: context.clock.now,
        signer,
        signerChoice,
        drainPolicy: context.runtime.drainPolicy,
        regions: () => [],
      }).registry.getSingleMetricAsString('signer_openssl_fallback');

    expect(await scrape(context)).toMatch(
      new RegExp(`^signer_openssl_fallback ${signingBackend.name === 'openssl' ? 1 : 0}$`, 'm'),
    );
    expect(await metricsFor('auto', 'openssl')).toMatch(/^signer_openssl_fallback 1$/m);
    expect(await metricsFor('auto', 'nettle')).toMatch(/^signer_openssl_fallback 0$/m);
    expect(await metricsFor('openssl', 'openssl')).toMatch(/^signer_openssl_fallback 0$/m);
  });

  it('counts AWS calls and their failures by operation, region, error and kind', async () => {
    const context = await buildTestApp();

    context.metrics.countAwsCall({ service: 'ivs', operation: 'ListPlaybackKeyPairs', region: 'eu-west-1' });
    context.metrics.countAwsCall({
      service: 'secretsmanager',
      operation: 'DescribeSecret',
      region: 'us-west-2',
      error: { name: 'ThrottlingException', kind: 'unavailable' },
    });
    const text = await scrape(context);

    expect(text).toContain(
      'aws_api_calls_total{service="ivs",operation="ListPlaybackKeyPairs",region="eu-west-1"} 1',
    );
    expect(text).toContain(
      'aws_api_call_failures_total{service="secretsmanager",operation="DescribeSecret",region="us-west-2",error="ThrottlingException",kind="unavailable"} 1',
    );
  });
});
