import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningService, startService } from '../../src/main.js';
import { RecordingLogger } from '../support/fakes.js';

const CHANNEL_ARN = 'arn:aws:ivs:us-west-2:123456789012:channel/AbCdEf123456';

/** TOKEN_REUSE_SECONDS read from the environment reaches the token route (the rules: test/unit, test/http). */
describe('the service started with TOKEN_REUSE_SECONDS', () => {
  let service: RunningService;
  let folder: string;
  let apiKey = '';
  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'ipa-reuse-'));
    service = await startService({
      env: { KEYS_DIR: folder, PORT: '0', TOKEN_REUSE_SECONDS: '60' },
      logger: new RecordingLogger(),
      announce: (text) => {
        apiKey = /ipa_\S+/.exec(text)?.[0] ?? apiKey;
      },
    });
    await service.ready;
  });
  afterAll(async () => {
    await service.close();
    await rm(folder, { recursive: true, force: true });
  });

  const issue = async (body: object) => {
    const response = await fetch(`${service.url}/v1/playback-tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(response.status).toBe(201);
    return (await response.json()) as { token: string; expiresAt: string };
  };

  it('shares channel-wide tokens and signs viewer tokens each time', async () => {
    const shared = await Promise.all(
      [1, 2, 3].map(() => issue({ channelArn: CHANNEL_ARN, ttlSeconds: 300 })),
    );
    const viewer = await Promise.all(
      [1, 2].map(() => issue({ channelArn: CHANNEL_ARN, ttlSeconds: 300, viewerId: 'v-1' })),
    );

    expect(new Set(shared.map((issued) => issued.token)).size).toBe(1);
    expect(Date.parse(shared[0]?.expiresAt ?? '') % 60_000).toBe(0);
    expect(new Set(viewer.map((issued) => issued.token)).size).toBe(2);
  });
});
