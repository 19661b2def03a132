import request from 'supertest';
import { beforeEach, describe, expect, it } from 'vitest';
import { expectToMatchSpec } from '../support/spec.js';
import { buildTestApp, CHANNEL_ARN, type TestApp } from '../support/test-app.js';

const PATH = '/v1/playback-tokens/batch';

describe('POST /v1/playback-tokens/batch', () => {
  let context: TestApp;
  beforeEach(async () => {
    context = await buildTestApp();
  });

  const post = (body: unknown, apiKey = context.apiKeys.issuer) =>
    request(context.app)
      .post(PATH)
      .set('Authorization', `Bearer ${apiKey}`)
      .send(body as object);

  it('issues each item on its own: one bad item does not fail the others', async () => {
    const response = await post({
      requests: [
        { channelArn: CHANNEL_ARN, viewerId: 'a' },
        { channelArn: CHANNEL_ARN, viewerId: 'b', ttlSeconds: 601 },
        { channelArn: 'not-an-arn' },
        { channelArn: CHANNEL_ARN, surprise: true },
        'not an object',
        { channelArn: CHANNEL_ARN, maximumResolution: 'FULL_HD' },
      ],
    });

    expect(response.status).toBe(200);
    expectToMatchSpec(response, 'post', PATH);
    expect(response.body.issued).toBe(2);
    expect(response.body.failed).toBe(4);
    expect(
      response.body.results.map((result: { index: number; status: number; error?: { code: string } }) => [
        result.index,
        result.status,
        result.error?.code,
      ]),
    ).toEqual([
      [0, 201, undefined],
      [1, 400, 'TTL_ABOVE_VIEWER_LIMIT'],
      [2, 400, 'INVALID_CHANNEL_ARN'],
      [3, 400, 'INVALID_REQUEST'],
      [4, 400, 'INVALID_REQUEST'],
      [5, 201, undefined],
    ]);
    expect(response.body.results[0].token).not.toBe(response.body.results[5].token);
  });

  it('accepts 100 requests (multiview)', async () => {
    const requests = Array.from({ length: 100 }, (_, index) => ({
      channelArn: CHANNEL_ARN,
      viewerId: `viewer-${index}`,
    }));

    const response = await post({ requests });

    expect(response.status).toBe(200);
    expect(response.body.issued).toBe(100);
    expect(new Set(response.body.results.map((result: { token: string }) => result.token)).size).toBe(100);
  });

  it.each([
    ['no requests', { requests: [] }, 'INVALID_BATCH_SIZE'],
    [
      '101 requests',
      { requests: Array.from({ length: 101 }, () => ({ channelArn: CHANNEL_ARN })) },
      'INVALID_BATCH_SIZE',
    ],
    ['requests is missing', {}, 'INVALID_REQUEST'],
    ['requests is not an array', { requests: { channelArn: CHANNEL_ARN } }, 'INVALID_REQUEST'],
  ])('refuses %s with 400 %s', async (_name, body, code) => {
    const response = await post(body);

    expect(response.status).toBe(400);
    expect(response.body.code).toBe(code);
    expectToMatchSpec(response, 'post', PATH);
  });

  it('words the batch size rule in plain English', async () => {
    const [empty, tooMany] = await Promise.all([
      post({ requests: [] }),
      post({ requests: Array.from({ length: 101 }, () => ({ channelArn: CHANNEL_ARN })) }),
    ]);

    expect(empty.body.message).toBe('requests must have at least 1 item');
    expect(tooMany.body.message).toBe('requests must have at most 100 items');
  });

  it('reports CHANNEL_NOT_ALLOWED per item for a key limited to some channels', async () => {
    const response = await post(
      {
        requests: [
          { channelArn: CHANNEL_ARN },
          { channelArn: 'arn:aws:ivs:us-east-1:999999999999:channel/Zzz' },
        ],
      },
      context.apiKeys.limited,
    );

    expect(response.status).toBe(200);
    expect(response.body.results[1]).toMatchObject({ status: 403, error: { code: 'CHANNEL_NOT_ALLOWED' } });
    expect(response.body.results[0].status).toBe(201);
  });

  it('requires the tokens:issue scope', async () => {
    const response = await post({ requests: [{ channelArn: CHANNEL_ARN }] }, context.apiKeys.revoker);

    expect(response.status).toBe(403);
    expect(response.body.code).toBe('INSUFFICIENT_SCOPE');
  });
});
