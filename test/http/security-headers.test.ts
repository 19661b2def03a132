import express from 'express';
import helmet from 'helmet';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { buildTestApp, CHANNEL_ARN } from '../support/test-app.js';

const TRANSPORT_HEADERS = new Set([
  'date',
  'connection',
  'keep-alive',
  'content-length',
  'transfer-encoding',
]);

/** The headers helmet() itself sends, in its order, from an app that does nothing else. */
async function helmetHeaders(): Promise<[string, unknown][]> {
  const reference = express().use(helmet());
  reference.get('/', (_req, res) => {
    res.end();
  });
  const response = await request(reference).get('/');
  return Object.entries(response.headers).filter(([name]) => !TRANSPORT_HEADERS.has(name));
}

describe('security headers', () => {
  it('sends exactly what helmet() sends, in the same order, on successes, errors and unknown routes', async () => {
    const expected = await helmetHeaders();
    const context = await buildTestApp();
    const names = new Set(expected.map(([name]) => name));

    const responses = [
      await request(context.app).get('/healthz'),
      await request(context.app)
        .post('/v1/playback-tokens')
        .set('Authorization', `Bearer ${context.apiKeys.issuer}`)
        .send({ channelArn: CHANNEL_ARN }),
      await request(context.app).post('/v1/playback-tokens').send({ channelArn: CHANNEL_ARN }),
      await request(context.app).get('/no-such-route'),
    ];

    expect(expected.length).toBeGreaterThanOrEqual(10);
    for (const response of responses) {
      expect(Object.entries(response.headers).filter(([name]) => names.has(name))).toEqual(expected);
      expect(response.headers['x-powered-by']).toBeUndefined();
    }
  });
});
