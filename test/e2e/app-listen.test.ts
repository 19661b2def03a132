// Real sockets, which HTTP tests avoid: this checks the server app.listen builds, not a route.
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { buildTestApp, CHANNEL_ARN } from '../support/test-app.js';

const VOLATILE = new Set(['date', 'connection', 'keep-alive', 'x-request-id', 'content-length']);
const servers: { close(): void }[] = [];

afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

describe('app.listen', () => {
  it('answers exactly as the app does behind a plain node:http server', async () => {
    const context = await buildTestApp();
    const server = context.app.listen(0, '127.0.0.1');
    servers.push(server);
    await new Promise((resolve) => server.once('listening', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const post = { channelArn: CHANNEL_ARN, viewerId: 'v-1' };

    const listened = [
      await fetch(`${base}/healthz`),
      await fetch(`${base}/v1/playback-tokens`, {
        method: 'POST',
        headers: { authorization: `Bearer ${context.apiKeys.issuer}`, 'content-type': 'application/json' },
        body: JSON.stringify(post),
      }),
      await fetch(`${base}/v1/playback-tokens`, { method: 'GET' }),
    ];
    const plain = [
      await request(context.app).get('/healthz'),
      await request(context.app)
        .post('/v1/playback-tokens')
        .set('Authorization', `Bearer ${context.apiKeys.issuer}`)
        .send(post),
      await request(context.app).get('/v1/playback-tokens'),
    ];

    for (const [index, response] of listened.entries()) {
      const reference = plain[index];
      expect(response.status).toBe(reference?.status);
      expect([...response.headers.keys()].filter((name) => !VOLATILE.has(name)).sort()).toEqual(
        Object.keys(reference?.headers ?? {})
          .filter((name) => !VOLATILE.has(name))
          .sort(),
      );
      expect(Object.keys((await response.json()) as object).sort()).toEqual(
        Object.keys(reference?.body ?? {}).sort(),
      );
    }
  });

  it('hands a listen error to the callback, once', async () => {
    const context = await buildTestApp();
    const first = context.app.listen(0, '127.0.0.1');
    servers.push(first);
    await new Promise((resolve) => first.once('listening', resolve));
    const { port } = first.address() as AddressInfo;
    const calls: (Error | undefined)[] = [];

    const second = context.app.listen(port, '127.0.0.1', (error?: Error) => calls.push(error));
    servers.push(second);
    await new Promise((resolve) => setTimeout(resolve, 100));

    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ code: 'EADDRINUSE' });
  });
});
