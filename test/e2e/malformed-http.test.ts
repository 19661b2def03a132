import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningService, startService } from '../../src/main.js';
import { RecordingLogger } from '../support/fakes.js';

/** Requests Node's HTTP parser refuses before express sees them still get the JSON error shape. */
describe('requests that are not valid HTTP', () => {
  let service: RunningService;
  let folder: string;
  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'ipa-malformed-'));
    service = await startService({
      env: { KEYS_DIR: folder, PORT: '0' },
      logger: new RecordingLogger(),
      announce: () => {},
    });
    await service.ready;
  });
  afterAll(async () => {
    await service.close();
    await rm(folder, { recursive: true, force: true });
  });

  const raw = (text: string) =>
    new Promise<string>((resolve, reject) => {
      const { port } = new URL(service.url);
      const socket = connect(Number(port), '127.0.0.1', () => socket.end(text));
      let answer = '';
      socket.on('data', (chunk) => {
        answer += chunk.toString('utf8');
      });
      socket.on('end', () => resolve(answer));
      socket.on('error', reject);
    });

  it.each([
    {
      name: 'Content-Length and Transfer-Encoding together',
      request:
        'POST /v1/playback-tokens HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
      status: '400',
    },
    { name: 'a garbled request line', request: 'GARBAGE\r\n\r\n', status: '400' },
    {
      name: 'headers over the limit',
      request: `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
      status: '431',
    },
  ])('answers $name with $status and a JSON error', async ({ request, status }) => {
    const answer = await raw(request);

    expect(answer.startsWith(`HTTP/1.1 ${status}`)).toBe(true);
    const body = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as {
      code: string;
      requestId: string;
    };
    expect(body.code).toBe('INVALID_REQUEST');
    expect(body.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });
});
