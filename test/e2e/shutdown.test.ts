import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startService } from '../../src/main.js';
import { RecordingLogger } from '../support/fakes.js';

describe('graceful shutdown', () => {
  it('turns readiness false first, keeps serving with Connection: close during the delay, then stops', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'ipa-shutdown-'));
    const service = await startService({
      env: { KEYS_DIR: folder, PORT: '0', SHUTDOWN_DELAY_SECONDS: '1' },
      logger: new RecordingLogger(),
      announce: () => {},
    });
    await service.ready;

    const closing = service.close();
    const [health, ready] = await Promise.all([
      fetch(`${service.url}/healthz`),
      fetch(`${service.url}/readyz`),
    ]);
    await closing;
    const afterClose = await fetch(`${service.url}/healthz`).then(
      () => 'answered',
      () => 'refused',
    );
    await rm(folder, { recursive: true, force: true });

    expect(health.status).toBe(200);
    expect(health.headers.get('connection')).toBe('close');
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { reason: string }).reason).toBe('shutting down');
    expect(afterClose).toBe('refused');
  });
});
