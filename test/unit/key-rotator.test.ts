import { describe, expect, it } from 'vitest';
import { generateSigningKey } from '../../src/adapters/crypto/p384-keys.js';
import { type DrainPolicy, drainSeconds } from '../../src/domain/key-lifecycle.js';
import type { PlaybackKeyRegistry } from '../../src/domain/ports.js';
import { createKeyCache } from '../../src/services/key-cache.js';
import { createKeyRotator } from '../../src/services/key-rotator.js';
import {
  InMemoryKeyStore,
  InMemoryPlaybackKeyRegistry,
  InMemoryRotationLock,
  ManualClock,
  RecordingLogger,
} from '../support/fakes.js';
import { signingBackend } from '../support/signing.js';

const POLICY: DrainPolicy = { maxTtlSeconds: 3600, clockSkewSeconds: 60, maxSigningStalenessSeconds: 300 };
const DRAIN = drainSeconds(POLICY);

function setup() {
  const clock = new ManualClock();
  const store = new InMemoryKeyStore();
  const registry = new InMemoryPlaybackKeyRegistry();
  const lock = new InMemoryRotationLock();
  const logger = new RecordingLogger();
  const cache = createKeyCache({
    store,
    clock: clock.now,
    logger,
    maxStalenessSeconds: 300,
    signing: signingBackend,
  });
  const rotator = createKeyRotator({
    store,
    registries: [registry],
    lock,
    clock: clock.now,
    logger,
    drainPolicy: POLICY,
    generateKey: generateSigningKey,
    signing: signingBackend,
    owner: 'test',
    onKeysChanged: () => cache.refresh(),
  });
  return { clock, store, registry, lock, logger, cache, rotator };
}

type Setup = ReturnType<typeof setup>;

/** The invariants (docs/key-lifecycle.md) that must hold after any sequence of steps, failed or not. */
async function expectConsistent({ store, registry }: Setup) {
  const keys = await store.readKeys();
  // Invariant 2: a key that signs is published.
  if (keys.current) expect(registry.isPublished(keys.current.keyId)).toBe(true);
  // No orphan: every key pair of ours is a key the store still knows as pending/current/previous.
  const referenced = [keys.current, keys.previous, keys.pending].flatMap((key) => (key ? [key.keyId] : []));
  for (const pair of registry.pairs.filter((candidate) => candidate.keyId !== undefined)) {
    expect(referenced).toContain(pair.keyId);
  }
  // Invariant 1: no published key of ours has lost its private half (readKeys throws if it had).
  for (const key of [keys.current, keys.previous, keys.pending]) {
    if (key) expect(key.privateKey.reveal()).toContain('BEGIN PRIVATE KEY');
  }
}

describe('key rotator', () => {
  it('creates, publishes and promotes the first key on first start', async () => {
    const context = setup();

    const result = await context.rotator.ensureCurrentKey();

    expect(result?.steps.map((step) => step.split(' ')[0])).toEqual(['created', 'imported', 'promoted']);
    expect(context.cache.signingKey().keyId).toBe(result?.currentKeyId);
    expect(context.registry.isPublished(result?.currentKeyId ?? '')).toBe(true);
    await expectConsistent(context);
  });

  it('does nothing on later starts', async () => {
    const context = setup();
    await context.rotator.ensureCurrentKey();

    const result = await context.rotator.ensureCurrentKey();

    expect(result).toBeUndefined();
  });

  it('stores the private key before its public half is imported (invariant 1)', async () => {
    const context = setup();
    const importKey = context.registry.importKey.bind(context.registry);
    const storedAtImport: boolean[] = [];
    context.registry.importKey = async (key) => {
      const { pending } = await context.store.readKeys();
      storedAtImport.push(pending?.keyId === key.keyId && pending.privateKey.reveal().length > 0);
      return importKey(key);
    };

    await context.rotator.ensureCurrentKey();

    expect(storedAtImport).toEqual([true]);
  });

  it('imports a key before promoting it, so no replica signs with an unpublished key (invariant 2)', async () => {
    const context = setup();
    const promote = context.store.promotePending.bind(context.store);
    const publishedAtPromotion: boolean[] = [];
    context.store.promotePending = async (keyId, at) => {
      publishedAtPromotion.push(context.registry.isPublished(keyId));
      return promote(keyId, at);
    };

    await context.rotator.ensureCurrentKey();
    context.clock.advance(1);
    await context.rotator.rotate({ emergency: false });

    expect(publishedAtPromotion).toEqual([true, true]);
  });

  it('keeps the previous key published while it drains and refuses a second rotation with PREVIOUS_KEY_DRAINING (invariant 3)', async () => {
    const context = setup();
    await context.rotator.ensureCurrentKey();
    const first = await context.rotator.rotate({ emergency: false });
    context.clock.advance(DRAIN - 1);

    const second = context.rotator.rotate({ emergency: false });

    await expect(second).rejects.toMatchObject({ code: 'PREVIOUS_KEY_DRAINING', retryAfterSeconds: 1 });
    expect(context.registry.isPublished(first.previousKeyId ?? '')).toBe(true);
  });

  it('deletes the previous key once it has drained, then rotates', async () => {
    const context = setup();
    await context.rotator.ensureCurrentKey();
    const first = await context.rotator.rotate({ emergency: false });
    context.clock.advance(DRAIN);

    const second = await context.rotator.rotate({ emergency: false });

    expect(context.registry.isPublished(first.previousKeyId ?? '')).toBe(false);
    expect(second.previousKeyId).toBe(first.currentKeyId);
    expect(context.registry.pairs).toHaveLength(2);
    await expectConsistent(context);
  });

  it('with emergency deletes the compromised key at once and keeps only the new one', async () => {
    const context = setup();
    await context.rotator.ensureCurrentKey();
    const first = await context.rotator.rotate({ emergency: false });

    const result = await context.rotator.rotate({ emergency: true });

    expect(result.previousKeyId).toBeUndefined();
    expect(context.registry.pairs.map((pair) => pair.keyId)).toEqual([result.currentKeyId]);
    expect(context.registry.isPublished(first.currentKeyId)).toBe(false);
    expect(context.cache.signingKey().keyId).toBe(result.currentKeyId);
    expect(context.cache.jwks().keys.map((key) => key.kid)).toEqual([result.currentKeyId]);
    await expectConsistent(context);
  });

  it('counts foreign key pairs against the slots and never deletes them (invariants 4 and 5)', async () => {
    const context = setup();
    await context.rotator.ensureCurrentKey();
    context.registry.addForeign('someone-elses-key');
    context.registry.addForeign('another-foreign-key');

    const rotation = context.rotator.rotate({ emergency: true });

    await expect(rotation).rejects.toMatchObject({
      code: 'NO_FREE_KEY_SLOT',
      message: expect.stringContaining('someone-elses-key (not managed by this service)'),
    });
    expect(context.registry.pairs.map((pair) => pair.name)).toContain('another-foreign-key');
    await expectConsistent(context);
  });

  it('rotates with one foreign key pair in a slot once the previous key has drained', async () => {
    const context = setup();
    await context.rotator.ensureCurrentKey();
    await context.rotator.rotate({ emergency: false });
    context.registry.addForeign('foreign');
    context.clock.advance(DRAIN);

    await context.rotator.rotate({ emergency: false });

    expect(context.registry.pairs.filter((pair) => pair.keyId === undefined)).toHaveLength(1);
    expect(context.registry.pairs).toHaveLength(3);
    await expectConsistent(context);
  });

  it('lets one of two concurrent rotations proceed and refuses the other with ROTATION_IN_PROGRESS (invariant 6)', async () => {
    const context = setup();
    await context.rotator.ensureCurrentKey();

    const results = await Promise.allSettled([
      context.rotator.rotate({ emergency: false }),
      context.rotator.rotate({ emergency: false }),
    ]);

    expect(results.map((result) => result.status).sort()).toEqual(['fulfilled', 'rejected']);
    const rejected = results.find((result) => result.status === 'rejected');
    expect(rejected?.reason).toMatchObject({ code: 'ROTATION_IN_PROGRESS' });
    await expectConsistent(context);
  });

  const storeSteps = ['stagePending', 'promotePending', 'retirePrevious', 'readKeys'] as const;
  const registrySteps = ['list', 'importKey', 'deleteKeyPair'] as const;
  const crashPoints = [
    ...storeSteps.flatMap((method) =>
      (['before', 'after'] as const).map((when) => ({ target: 'store' as const, method, when })),
    ),
    ...registrySteps.flatMap((method) =>
      (['before', 'after'] as const).map((when) => ({ target: 'registry' as const, method, when })),
    ),
  ];

  describe.each(crashPoints)('after a failure $when $target.$method', ({ target, method, when }) => {
    it.each([false, true])('converges when re-run (emergency: %s) (invariant 6)', async (emergency) => {
      const context = setup();
      await context.rotator.ensureCurrentKey();
      const { currentKeyId: original } = await context.rotator.rotate({ emergency: false });
      context.clock.advance(DRAIN);
      if (target === 'store') context.store.faults.fail(method as (typeof storeSteps)[number], { when });
      else
        context.registry.faults.fail(method as keyof PlaybackKeyRegistry & (typeof registrySteps)[number], {
          when,
        });

      const failed = await context.rotator.rotate({ emergency }).then(
        () => false,
        () => true,
      );
      await expectConsistent(context);
      const promotedBeforeFailing = (await context.store.readKeys()).current?.keyId !== original;
      const retry = failed
        ? await context.rotator.rotate({ emergency }).catch((error: unknown) => error)
        : undefined;

      await expectConsistent(context);
      const keys = await context.store.readKeys();
      expect(keys.pending).toBeUndefined();
      expect(keys.current?.keyId).not.toBe(original);
      if (failed && promotedBeforeFailing && !emergency) {
        // The rotation had already taken effect; the re-run says so instead of rotating twice.
        expect(retry).toMatchObject({
          code: 'PREVIOUS_KEY_DRAINING',
          details: { currentKeyId: keys.current?.keyId },
        });
      } else if (failed) {
        expect(retry).toMatchObject({ currentKeyId: keys.current?.keyId });
      }
      expect(context.lock.holder).toBeUndefined();
    });
  });

  describe('janitor (cleanUp)', () => {
    it('does nothing while the previous key drains', async () => {
      const context = setup();
      await context.rotator.ensureCurrentKey();
      const first = await context.rotator.rotate({ emergency: false });
      context.clock.advance(DRAIN - 1);

      const steps = await context.rotator.cleanUp();

      expect(steps).toEqual([]);
      expect(context.registry.isPublished(first.previousKeyId ?? '')).toBe(true);
    });

    it('deletes the previous key once drained, without creating a new key', async () => {
      const context = setup();
      await context.rotator.ensureCurrentKey();
      const first = await context.rotator.rotate({ emergency: false });
      context.clock.advance(DRAIN);

      const steps = await context.rotator.cleanUp();

      expect(steps).toEqual([`retired ${first.previousKeyId}`]);
      expect(context.registry.pairs.map((pair) => pair.keyId)).toEqual([first.currentKeyId]);
      expect((await context.store.readKeys()).current?.keyId).toBe(first.currentKeyId);
      expect(context.cache.jwks().keys.map((key) => key.kid)).toEqual([first.currentKeyId]);
    });

    it('leaves a rotation under way alone', async () => {
      const context = setup();
      await context.rotator.ensureCurrentKey();
      await context.store.stagePending(await generateSigningKey(context.clock.now()));

      const steps = await context.rotator.cleanUp();

      expect(steps).toEqual([]);
      expect(context.registry.pairs).toHaveLength(1);
    });
  });

  it('reports NO_FREE_KEY_SLOT when a pending key cannot be imported for lack of a slot', async () => {
    const context = setup();
    await context.rotator.ensureCurrentKey();
    await context.store.stagePending(await generateSigningKey(context.clock.now()));
    context.registry.addForeign('a');
    context.registry.addForeign('b');

    const rotation = context.rotator.rotate({ emergency: false });

    await expect(rotation).rejects.toMatchObject({ code: 'NO_FREE_KEY_SLOT' });
    expect((await context.store.readKeys()).pending).toBeDefined();
  });
});
