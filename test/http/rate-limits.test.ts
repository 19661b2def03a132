import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { expectToMatchSpec } from '../support/spec.js';
import { buildTestApp, CHANNEL_ARN } from '../support/test-app.js';

const PATH = '/v1/playback-tokens';

describe('request limits', () => {
  it('answers 429 RATE_LIMITED with Retry-After once an API key exceeds its burst (twice its rate), and recovers', async () => {
    const context = await buildTestApp({ rateLimitPerSecond: 3 });
    const call = () =>
      request(context.app)
        .post(PATH)
        .set('Authorization', `Bearer ${context.apiKeys.issuer}`)
        .send({ channelArn: CHANNEL_ARN });

    const statuses = [];
    for (let i = 0; i < 7; i++) statuses.push((await call()).status);
    const limited = await call();
    const otherKey = await request(context.app)
      .post(PATH)
      .set('Authorization', `Bearer ${context.apiKeys.all}`)
      .send({ channelArn: CHANNEL_ARN });
    context.clock.advance(1);
    const recovered = await call();

    expect(statuses).toEqual([201, 201, 201, 201, 201, 201, 429]);
    expect(limited.status).toBe(429);
    expect(limited.body.code).toBe('RATE_LIMITED');
    expect(limited.headers['retry-after']).toBe('1');
    expectToMatchSpec(limited, 'post', PATH);
    expect(otherKey.status).toBe(201);
    expect(recovered.status).toBe(201);
  });

  it('refuses a client after too many bad credentials, even with a valid key, until the window ends', async () => {
    const context = await buildTestApp({ authFailureLimit: 3, trustProxy: true });
    const from = (ip: string, key: string) =>
      request(context.app)
        .post(PATH)
        .set('X-Forwarded-For', ip)
        .set('Authorization', `Bearer ${key}`)
        .send({ channelArn: CHANNEL_ARN });

    const failures = [];
    for (let i = 0; i < 3; i++) failures.push((await from('203.0.113.7', 'wrong')).status);
    const blocked = await from('203.0.113.7', context.apiKeys.issuer);
    const otherClient = await from('198.51.100.9', context.apiKeys.issuer);
    context.clock.advance(300);
    const afterWindow = await from('203.0.113.7', context.apiKeys.issuer);

    expect(failures).toEqual([401, 401, 401]);
    expect(blocked.status).toBe(429);
    expect(blocked.body.code).toBe('TOO_MANY_FAILED_ATTEMPTS');
    expect(Number(blocked.headers['retry-after'])).toBe(300);
    expect(blocked.body.message).toBe(
      'too many requests with bad credentials from this client address; every request from it is refused for 300 more seconds, even with a valid key (AUTH_FAILURE_LIMIT per AUTH_FAILURE_WINDOW_SECONDS; a restart of the service also resets it)',
    );
    expectToMatchSpec(blocked, 'post', PATH);
    expect(otherClient.status).toBe(201);
    expect(afterWindow.status).toBe(201);
  });
});
