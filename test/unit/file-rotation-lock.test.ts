import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FileRotationLock } from '../../src/adapters/local/file-rotation-lock.js';
import { ManualClock } from '../support/fakes.js';

const folders: string[] = [];
afterEach(async () => {
  await Promise.all(folders.splice(0).map((folder) => rm(folder, { recursive: true, force: true })));
});

async function lockPath(): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), 'ipa-lock-'));
  folders.push(folder);
  return join(folder, 'rotation.lock');
}

describe('FileRotationLock', () => {
  it('lets one holder in at a time and frees the lock on release', async () => {
    const path = await lockPath();
    const clock = new ManualClock();
    const a = new FileRotationLock({ path, clock: clock.now });
    const b = new FileRotationLock({ path, clock: clock.now });

    const releaseA = await a.tryAcquire('a');
    const refusedB = await b.tryAcquire('b');
    await releaseA?.();
    const releaseB = await b.tryAcquire('b');

    expect(releaseA).toBeTypeOf('function');
    expect(refusedB).toBeUndefined();
    expect(releaseB).toBeTypeOf('function');
  });

  it('takes over a lock left by a process that no longer exists', async () => {
    const path = await lockPath();
    const clock = new ManualClock();
    await writeFile(
      path,
      JSON.stringify({ owner: 'crashed', pid: 2 ** 22 + 12_345, acquiredAt: clock.now().toISOString() }),
    );

    const release = await new FileRotationLock({ path, clock: clock.now }).tryAcquire('me');

    expect(release).toBeTypeOf('function');
  });

  it('takes over a lock older than the stale limit', async () => {
    const path = await lockPath();
    const clock = new ManualClock();
    await writeFile(
      path,
      JSON.stringify({ owner: 'slow', pid: process.pid, acquiredAt: clock.now().toISOString() }),
    );
    clock.advance(601);

    const release = await new FileRotationLock({ path, clock: clock.now, staleAfterMs: 600_000 }).tryAcquire(
      'me',
    );

    expect(release).toBeTypeOf('function');
  });
});
