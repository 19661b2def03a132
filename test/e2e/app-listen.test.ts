// Real sockets, which HTTP tests avoid: this checks the server app.listen builds (src/http/fast-paths/listen.ts),
// not a route. The reference is express's own listen: `http.createServer(app).listen(...)`.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { buildTestApp, CHANNEL_ARN } from '../support/test-app.js';

const servers: { close(): void }[] = [];

afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

async function listening(server: Server): Promise<string> {
  servers.push(server);
  if (!server.listening) await new Promise((resolve) => server.once('listening', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Everything a client can see of a response but the Date header and the signature of a token. */
async function observed(response: Response) {
  const headers = [...response.headers.entries()].filter(([name]) => name !== 'date');
  const body = (await response.text()).replace(
    /(eyJ[\w-]*\.eyJ[\w-]*\.)[\w-]+/g,
    '$1<signature: random per signing>',
  );
  return { status: response.status, headers, body };
}

describe('app.listen', () => {
  it('answers byte for byte as the same app behind express’s own listen (createServer(app))', async () => {
    const context = await buildTestApp();
    const fast = await listening(context.app.listen(0, '127.0.0.1'));
    const reference = await listening(createServer(context.app).listen(0, '127.0.0.1'));
    const auth = { authorization: `Bearer ${context.apiKeys.issuer}` };
    const json = { ...auth, 'content-type': 'application/json' };
    const requests: [string, RequestInit][] = [
      ['/healthz', {}],
      ['/readyz', {}],
      ['/.well-known/jwks.json', {}],
      ['/openapi.yaml', {}],
      [
        '/v1/playback-tokens',
        { method: 'POST', headers: json, body: JSON.stringify({ channelArn: CHANNEL_ARN, viewerId: 'v-1' }) },
      ],
      [
        '/v1/playback-tokens/batch',
        {
          method: 'POST',
          headers: json,
          body: JSON.stringify({ requests: [{ channelArn: CHANNEL_ARN }, { channelArn: 'nope' }] }),
        },
      ],
      ['/v1/playback-tokens', { method: 'POST', headers: json, body: '{"channelArn":' }],
      [
        '/v1/playback-tokens',
        { method: 'POST', headers: { ...auth, 'content-type': 'text/plain' }, body: 'x' },
      ],
      [
        '/v1/playback-tokens',
        { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' },
      ],
      ['/v1/playback-tokens', { method: 'GET' }],
      ['/no/such/route', {}],
    ];

    for (const [index, [path, init]] of requests.entries()) {
      const requestId = `listen-check-${index}`;
      const withId = {
        ...init,
        headers: { ...(init.headers as Record<string, string>), 'x-request-id': requestId },
      };
      const [mine, theirs] = [await fetch(fast + path, withId), await fetch(reference + path, withId)];
      expect(await observed(mine), `${init.method ?? 'GET'} ${path}`).toEqual(await observed(theirs));
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
