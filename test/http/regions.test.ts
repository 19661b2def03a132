import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { expectToMatchSpec } from '../support/spec.js';
import { buildTestApp } from '../support/test-app.js';

const PATH = '/v1/playback-tokens';
const arnIn = (region: string, account = '123456789012') =>
  `arn:aws:ivs:${region}:${account}:channel/AbCdEf123456`;

/** Tokens are issued only where they can play (docs/ivs-playback-rules.md, "Regions"). */
describe('POST /v1/playback-tokens with IVS_REGIONS', () => {
  const build = () => buildTestApp({ regions: ['us-west-2', 'eu-west-1'] });
  const issue = (context: Awaited<ReturnType<typeof build>>, channelArn: string) =>
    request(context.app)
      .post(PATH)
      .set('Authorization', `Bearer ${context.apiKeys.issuer}`)
      .send({ channelArn });

  it('issues a token for a channel in each served region', async () => {
    const context = await build();

    const responses = await Promise.all([
      issue(context, arnIn('us-west-2')),
      issue(context, arnIn('eu-west-1')),
    ]);

    expect(responses.map((response) => response.status)).toEqual([201, 201]);
  });

  it('returns 422 CHANNEL_REGION_NOT_SERVED for a channel in another region, naming it and the served ones', async () => {
    const context = await build();

    const response = await issue(context, arnIn('ap-south-1'));

    expect(response.status).toBe(422);
    expect(response.body).toMatchObject({
      code: 'CHANNEL_REGION_NOT_SERVED',
      details: { region: 'ap-south-1', servedRegions: ['us-west-2', 'eu-west-1'] },
    });
    expect(response.body.message).toContain('add ap-south-1 to IVS_REGIONS');
    expectToMatchSpec(response, 'post', PATH);
  });

  it('returns 422 CHANNEL_ACCOUNT_NOT_SERVED for a channel in another account than the key pairs', async () => {
    const context = await build();

    const response = await issue(context, arnIn('us-west-2', '210987654321'));

    expect(response.status).toBe(422);
    expect(response.body).toMatchObject({
      code: 'CHANNEL_ACCOUNT_NOT_SERVED',
      details: { accountId: '210987654321', servedAccountId: '123456789012' },
    });
    expectToMatchSpec(response, 'post', PATH);
  });

  it('returns 503 KEY_NOT_IN_REGION with Retry-After once it knows a served region lacks the key, until it holds it again', async () => {
    const context = await build();
    context.registries[1]?.pairs.splice(0);
    context.clock.advance(1);
    await context.runtime.coverage.refresh();

    const refused = await issue(context, arnIn('eu-west-1'));
    const elsewhere = await issue(context, arnIn('us-west-2'));
    await context.rotator.cleanUp();
    const repaired = await issue(context, arnIn('eu-west-1'));

    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toBe('10');
    expect(refused.body).toMatchObject({
      code: 'KEY_NOT_IN_REGION',
      details: { region: 'eu-west-1', coverage: 'missing' },
    });
    expectToMatchSpec(refused, 'post', PATH);
    expect(elsewhere.status).toBe(201);
    expect(repaired.status).toBe(201);
  });
});
