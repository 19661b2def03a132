import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createRuntime, type Runtime } from '../../src/runtime.js';
import { type AwsStandIn, startAwsStandIn } from '../support/aws-stand-in/index.js';
import { RecordingLogger } from '../support/fakes.js';

const KEY_ID_TAG = 'ivs-playback-auth:key-id';

/**
 * docs/key-lifecycle.md invariant 6 through the real SDK clients: a rotation interrupted at any AWS call —
 * refused before it takes effect, or taking effect with the reply lost — converges when run again,
 * with no orphaned IVS key pair and no lost private key, and a token issued after it plays (the
 * stand-in's playback oracle).
 */
describe('rotation interrupted at every AWS call, through the stand-in', () => {
  let standIn: AwsStandIn;
  const savedEnv = { ...process.env };

  beforeAll(async () => {
    standIn = await startAwsStandIn();
    Object.assign(process.env, standIn.env());
  });
  afterAll(async () => {
    await standIn.close();
    process.env = savedEnv;
  });
  beforeEach(() => {
    standIn.reset();
  });

  async function runtimeFor(secretId: string): Promise<Runtime> {
    const config = loadConfig({
      KEY_STORE: 'secrets-manager',
      SECRET_ID: secretId,
      API_KEYS_FILE: '/nonexistent',
      ROTATION_TAKEOVER_SECONDS: '0',
    });
    return createRuntime(config, { logger: new RecordingLogger() });
  }

  /** Every key pair of ours is a stored key; the current key is imported and has its private half. */
  async function expectConsistent(runtime: Runtime): Promise<void> {
    // A token the runtime issues now, with the key it has reloaded, plays on a private channel.
    const channel = standIn.ivs.addChannel({ authorized: true });
    await runtime.keyCache.refresh();
    const issued = await runtime.tokenIssuer.issue({ channelArn: channel.arn, viewerId: 'viewer-1' });
    expect(standIn.play({ channelArn: channel.arn, token: issued.token })).toMatchObject({
      plays: true,
      reason: 'TOKEN_ACCEPTED',
    });

    const keys = await runtime.store.readKeys();
    const stored = [keys.current, keys.previous, keys.pending].flatMap((key) => (key ? [key.keyId] : []));
    const ours = standIn.ivs.keyPairs.flatMap((pair) =>
      pair.tags[KEY_ID_TAG] ? [pair.tags[KEY_ID_TAG]] : [],
    );
    for (const keyId of ours) expect(stored).toContain(keyId);
    expect(keys.current).toBeDefined();
    expect(ours).toContain(keys.current?.keyId);
    expect(keys.current?.privateKey.reveal()).toContain('BEGIN PRIVATE KEY');
    // The SDK's retry of a label move whose first attempt took effect (its reply was dropped) is
    // refused by the state, not as malformed; the key store recognises the label already in place.
    expect(standIn.rejected()).toEqual([]);
  }

  const calls = [
    ['secretsmanager', 'PutSecretValue'],
    ['secretsmanager', 'UpdateSecretVersionStage'],
    ['secretsmanager', 'TagResource'],
    ['secretsmanager', 'DescribeSecret'],
    ['ivs', 'ImportPlaybackKeyPair'],
    ['ivs', 'DeletePlaybackKeyPair'],
    ['ivs', 'ListPlaybackKeyPairs'],
  ] as const;
  const failures = [
    { name: 'refused (5xx beyond the SDK retries)', spec: { kind: 'server-error', times: 3 } },
    { name: 'applied, reply lost', spec: { kind: 'drop', afterEffect: true, times: 1 } },
  ] as const;

  describe.each(calls)('%s %s', (service, operation) => {
    it.each(failures)('converges after the call is $name', async ({ spec }) => {
      const runtime = await runtimeFor(`ivs-playback-auth/faults-${randomUUID()}`);
      await runtime.rotator.ensureCurrentKey();
      const original = (await runtime.store.readKeys()).current?.keyId;
      standIn.faults.add({ service, operation, ...spec });

      const first = await runtime.rotator.rotate({ emergency: true }).catch((error: unknown) => error);
      standIn.faults.clear();
      const second = await runtime.rotator.rotate({ emergency: true }).catch((error: unknown) => error);

      await expectConsistent(runtime);
      const keys = await runtime.store.readKeys();
      expect(keys.pending).toBeUndefined();
      expect(keys.current?.keyId).not.toBe(original);
      // Either run may have been the one that finished; neither may leave a second key imported.
      expect(
        [first, second].some((result) => (result as { currentKeyId?: string }).currentKeyId !== undefined),
      ).toBe(true);
      // A lost reply is absorbed: the SDK retries and every call is idempotent, so the first run succeeds.
      if (spec.kind === 'drop') expect(first).toMatchObject({ currentKeyId: expect.any(String) });
      expect(standIn.ivs.keyPairs).toHaveLength(1);
    });
  });
});
