import { createHash, createPublicKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateSigningKey, parseAdoptablePrivateKey } from '../../src/adapters/crypto/p384-keys.js';
import { type DrainPolicy, drainSeconds } from '../../src/domain/key-lifecycle.js';
import { type AdoptionRole, adoptedKeyId, PrivateKeyPem } from '../../src/domain/signing-key.js';
import { createKeyCache } from '../../src/services/key-cache.js';
import { createKeyRotator } from '../../src/services/key-rotator.js';
import {
  InMemoryKeyStore,
  InMemoryPlaybackKeyRegistry,
  InMemoryRotationLock,
  ManualClock,
  RecordingLogger,
} from '../support/fakes.js';
import { type LegacyKey, makeLegacyKey } from '../support/legacy-signer.js';
import { signingBackend } from '../support/signing.js';

const POLICY: DrainPolicy = { maxTtlSeconds: 3600, clockSkewSeconds: 60, maxSigningStalenessSeconds: 300 };
const DRAIN = drainSeconds(POLICY);

/** What the in-memory registry reports as IVS's fingerprint: the stand-in's form (hex SHA-256 of the DER). */
function registryFingerprint(publicKeyPem: string): string {
  const der = createPublicKey(publicKeyPem).export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('hex');
}

function setup(regions: readonly (string | undefined)[] = [undefined]) {
  const clock = new ManualClock();
  const store = new InMemoryKeyStore();
  const registries = regions.map((region) => new InMemoryPlaybackKeyRegistry(region));
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
    registries,
    lock,
    clock: clock.now,
    logger,
    drainPolicy: POLICY,
    generateKey: generateSigningKey,
    signing: signingBackend,
    owner: 'test',
    onKeysChanged: () => cache.refresh(),
  });
  /** The legacy key pair, imported "by hand" (foreign) into the given registries. */
  const importByHand = (legacy: LegacyKey, into = registries) =>
    into.map((registry) =>
      registry.addForeign('legacy-playback-key', {
        publicKeyPem: legacy.publicKeyPem,
        fingerprint: registryFingerprint(legacy.publicKeyPem),
      }),
    );
  const adopt = async (legacy: LegacyKey | string, as?: AdoptionRole) =>
    rotator.adopt(
      await parseAdoptablePrivateKey(new PrivateKeyPem(typeof legacy === 'string' ? legacy : legacy.sec1Pem)),
      { as },
    );
  return {
    clock,
    store,
    registries,
    registry: registries[0] as InMemoryPlaybackKeyRegistry,
    lock,
    logger,
    cache,
    rotator,
    importByHand,
    adopt,
  };
}

type Setup = ReturnType<typeof setup>;

/** Pairs per region never above IVS's 3, and every pair of ours is a key the store holds. */
async function expectConsistent({ store, registries }: Setup) {
  const keys = await store.readKeys();
  const referenced = [keys.current, keys.previous, keys.pending].flatMap((key) => (key ? [key.keyId] : []));
  for (const registry of registries) {
    expect(registry.pairs.length).toBeLessThanOrEqual(3);
    for (const pair of registry.pairs.filter((candidate) => candidate.keyId !== undefined)) {
      expect(referenced).toContain(pair.keyId);
    }
    if (keys.current) expect(registry.isPublished(keys.current.keyId)).toBe(true);
    if (keys.previous) expect(registry.isPublished(keys.previous.keyId)).toBe(true);
  }
}

function snapshot({ store, registries }: Setup) {
  return JSON.stringify({ records: store.records, pairs: registries.map((registry) => registry.pairs) });
}

describe('adopting a key made outside the service (keys adopt)', () => {
  it('with no key yet: tags the pair already holding it and makes it current (old and new tokens share it)', async () => {
    const context = setup();
    const legacy = makeLegacyKey();
    const [pair] = context.importByHand(legacy);

    const result = await context.adopt(legacy);

    const keyId = adoptedKeyId(result.fingerprint);
    expect(result).toMatchObject({ keyId, state: 'current', currentKeyId: keyId, drainEndsAt: undefined });
    expect(result.steps).toEqual([
      `stored ${keyId} as pending (to become current)`,
      `tagged existing key pair legacy-playback-key as ${keyId}`,
      `made ${keyId} current`,
    ]);
    expect(result.regions).toEqual([{ region: undefined, arn: pair?.arn, name: 'legacy-playback-key' }]);
    // Nothing imported beside it: the pair IVS already had is now ours.
    expect(context.registry.pairs).toHaveLength(1);
    expect(context.registry.pairs[0]).toMatchObject({ arn: pair?.arn, keyId });
    expect(context.cache.signingKey().keyId).toBe(keyId);
    const { current } = await context.store.readKeys();
    expect(current).toMatchObject({ adoptedAt: context.clock.now(), adoptedAs: 'current' });
    expect(current?.privateKey.reveal()).toBe(legacy.pkcs8Pem);
    await expectConsistent(context);
  });

  it('beside a current key: keeps signing with it, and the adopted key drains as previous, then retires by itself', async () => {
    const context = setup();
    await context.rotator.ensureCurrentKey();
    const own = (await context.store.readKeys()).current?.keyId;
    const legacy = makeLegacyKey();
    context.importByHand(legacy);
    const adoptedAt = context.clock.now();

    const result = await context.adopt(legacy);

    expect(result).toMatchObject({ state: 'previous', currentKeyId: own, previousKeyId: result.keyId });
    expect(result.drainEndsAt).toEqual(new Date(adoptedAt.getTime() + DRAIN * 1000));
    expect(context.cache.signingKey().keyId).toBe(own);
    expect((await context.store.readKeys()).previous).toMatchObject({
      keyId: result.keyId,
      deactivatedAt: adoptedAt,
      adoptedAt,
      adoptedAs: 'previous',
    });
    await expectConsistent(context);

    // The janitor leaves it alone while it drains, and deletes it once drained.
    context.clock.advance(DRAIN - 1);
    expect(await context.rotator.cleanUp()).toEqual([]);
    expect(context.registry.isPublished(result.keyId)).toBe(true);
    context.clock.advance(2);
    expect(await context.rotator.cleanUp()).toEqual([`retired ${result.keyId}`]);
    expect(context.registry.pairs.map((pair) => pair.keyId)).toEqual([own]);
    expect((await context.store.listHistory()).find((key) => key.keyId === result.keyId)?.state).toBe(
      'retired',
    );
  });

  it('as previous without a current key: makes the service’s own key first, within the slots', async () => {
    const context = setup();
    const legacy = makeLegacyKey();
    context.importByHand(legacy);

    const result = await context.adopt(legacy, 'previous');

    expect(result.state).toBe('previous');
    expect(result.steps[0]).toMatch(/^made the service's own current key ipa-/);
    const keys = await context.store.readKeys();
    expect(keys.current?.adoptedAt).toBeUndefined();
    expect(keys.previous?.keyId).toBe(result.keyId);
    expect(context.registry.pairs).toHaveLength(2);
    await expectConsistent(context);
  });

  it('as current beside a current key: the adopted key signs, the old one drains', async () => {
    const context = setup();
    await context.rotator.ensureCurrentKey();
    const own = (await context.store.readKeys()).current?.keyId;
    const legacy = makeLegacyKey();
    context.importByHand(legacy);

    const result = await context.adopt(legacy, 'current');

    expect(result).toMatchObject({ state: 'current', currentKeyId: result.keyId, previousKeyId: own });
    expect(context.cache.signingKey().keyId).toBe(result.keyId);
    expect((await context.store.readKeys()).previous?.deactivatedAt).toEqual(context.clock.now());
    await expectConsistent(context);
  });

  it('imports the key into every region that lacks it, and tags it where it is', async () => {
    const context = setup(['us-west-2', 'eu-west-1', 'ap-northeast-1']);
    const legacy = makeLegacyKey();
    context.importByHand(legacy, [context.registries[0] as InMemoryPlaybackKeyRegistry]);

    const result = await context.adopt(legacy);

    expect(result.steps).toEqual([
      `stored ${result.keyId} as pending (to become current)`,
      `tagged existing key pair legacy-playback-key as ${result.keyId} in us-west-2`,
      `imported ${result.keyId} in eu-west-1`,
      `imported ${result.keyId} in ap-northeast-1`,
      `made ${result.keyId} current`,
    ]);
    expect(result.regions.map((region) => region.region)).toEqual([
      'us-west-2',
      'eu-west-1',
      'ap-northeast-1',
    ]);
    for (const registry of context.registries) expect(registry.isPublished(result.keyId)).toBe(true);
    await expectConsistent(context);
  });

  it('refuses with NO_FREE_KEY_SLOT, changing nothing, when a region lacking the key has no slot', async () => {
    const context = setup(['us-west-2', 'eu-west-1']);
    const legacy = makeLegacyKey();
    context.importByHand(legacy, [context.registries[0] as InMemoryPlaybackKeyRegistry]);
    const full = context.registries[1] as InMemoryPlaybackKeyRegistry;
    for (const name of ['team-a', 'team-b', 'team-c']) full.addForeign(name);
    const before = snapshot(context);

    const refused = context.adopt(legacy);

    await expect(refused).rejects.toMatchObject({
      code: 'NO_FREE_KEY_SLOT',
      message: expect.stringMatching(
        /no key pair in eu-west-1 holds this key, so it must be imported there; IVS allows 3 .* all are taken in eu-west-1: team-a \(not managed by this service\).*then run `keys adopt` again/,
      ),
      details: { region: 'eu-west-1' },
    });
    expect(snapshot(context)).toBe(before);
  });

  it('refuses with NO_FREE_KEY_SLOT when adopting as previous leaves no room for the service’s own key', async () => {
    const context = setup();
    const legacy = makeLegacyKey();
    context.importByHand(legacy);
    context.registry.addForeign('team-a');
    context.registry.addForeign('team-b');
    const before = snapshot(context);

    await expect(context.adopt(legacy, 'previous')).rejects.toMatchObject({
      code: 'NO_FREE_KEY_SLOT',
      message: expect.stringMatching(/the service’s own first key must be imported/),
    });
    expect(snapshot(context)).toBe(before);
  });

  it('is idempotent: adopting the same key again as it is changes nothing', async () => {
    const context = setup();
    const legacy = makeLegacyKey();
    context.importByHand(legacy);
    const first = await context.adopt(legacy);

    const again = await context.adopt(legacy.pkcs8Pem);

    expect(again).toMatchObject({
      keyId: first.keyId,
      state: 'current',
      steps: [],
      adoptedAt: first.adoptedAt,
    });
  });

  it('refuses a key it already manages with KEY_ALREADY_MANAGED: its own key, a role change, a retired key', async () => {
    const context = setup();
    await context.rotator.ensureCurrentKey();
    const own = (await context.store.readKeys()).current;
    const legacy = makeLegacyKey();
    context.importByHand(legacy);
    await context.adopt(legacy);

    await expect(context.adopt(own?.privateKey.reveal() ?? '')).rejects.toMatchObject({
      code: 'KEY_ALREADY_MANAGED',
      details: { keyId: own?.keyId, state: 'current' },
    });
    await expect(context.adopt(legacy, 'current')).rejects.toMatchObject({
      code: 'KEY_ALREADY_MANAGED',
      message: expect.stringMatching(/changes state only by rotation/),
    });
    context.clock.advance(DRAIN + 1);
    await context.rotator.cleanUp();
    await expect(context.adopt(legacy)).rejects.toMatchObject({
      code: 'KEY_ALREADY_MANAGED',
      message: expect.stringMatching(/retired, and a retired key is never brought back/),
    });
  });

  it('refuses while the previous key drains (PREVIOUS_KEY_DRAINING) and while a rotation is pending (ROTATION_IN_PROGRESS), changing nothing', async () => {
    const context = setup();
    await context.rotator.ensureCurrentKey();
    context.clock.advance(1);
    await context.rotator.rotate({ emergency: false });
    const legacy = makeLegacyKey();
    context.importByHand(legacy);
    const before = snapshot(context);

    await expect(context.adopt(legacy)).rejects.toMatchObject({
      code: 'PREVIOUS_KEY_DRAINING',
      message: expect.stringMatching(
        /adopting a key as previous needs its place, so adopt after that \(nothing was changed\)/,
      ),
    });
    expect(snapshot(context)).toBe(before);

    context.clock.advance(DRAIN + 1);
    await context.store.stagePending(await generateSigningKey(context.clock.now()));
    await expect(context.adopt(legacy)).rejects.toMatchObject({ code: 'ROTATION_IN_PROGRESS' });
  });

  it('retires a drained previous key first, to make its place', async () => {
    const context = setup();
    await context.rotator.ensureCurrentKey();
    context.clock.advance(1);
    const rotated = await context.rotator.rotate({ emergency: false });
    context.clock.advance(DRAIN + 1);
    const legacy = makeLegacyKey();
    context.importByHand(legacy);

    const result = await context.adopt(legacy);

    expect(result.steps[0]).toBe(`retired ${rotated.previousKeyId}`);
    expect(result.state).toBe('previous');
    await expectConsistent(context);
  });

  const interruptions = [
    ['the store', 'stagePending'],
    ['a region', 'claimKeyPair'],
    ['a region', 'importKey'],
    ['the store', 'settlePendingAsPrevious'],
    ['a region', 'list'],
    ['a region', 'fingerprintOf'],
  ] as const;

  describe.each(interruptions)('interrupted at %s (%s)', (where, method) => {
    it.each(['before', 'after'] as const)(
      '%s it takes effect: a rotation waits, and running adopt again finishes',
      async (when) => {
        const context = setup(['us-west-2', 'eu-west-1']);
        await context.rotator.ensureCurrentKey();
        const legacy = makeLegacyKey();
        context.importByHand(legacy, [context.registries[0] as InMemoryPlaybackKeyRegistry]);
        const faults =
          where === 'the store'
            ? context.store.faults
            : (context.registries[method === 'importKey' ? 1 : 0] as InMemoryPlaybackKeyRegistry).faults;
        (faults as { fail(name: string, options: { when: 'before' | 'after' }): void }).fail(method, {
          when,
        });

        await expect(context.adopt(legacy)).rejects.toMatchObject({ code: 'DEPENDENCY_UNAVAILABLE' });
        const pending = (await context.store.readKeys()).pending;
        if (pending) {
          await expect(context.rotator.rotate({ emergency: false })).rejects.toMatchObject({
            code: 'ADOPTION_IN_PROGRESS',
            message: expect.stringMatching(/run `keys adopt` again with the same private key/),
          });
        }
        const result = await context.adopt(legacy);

        expect(result.state).toBe('previous');
        const keys = await context.store.readKeys();
        expect(keys.previous?.keyId).toBe(result.keyId);
        expect(keys.pending).toBeUndefined();
        for (const registry of context.registries) {
          expect(registry.pairs.filter((pair) => pair.keyId === result.keyId)).toHaveLength(1);
        }
        await expectConsistent(context);
      },
    );
  });

  it('takes the rotation lock: refused with ROTATION_IN_PROGRESS, changing nothing, while a rotation holds it', async () => {
    const context = setup();
    await context.rotator.ensureCurrentKey();
    const legacy = makeLegacyKey();
    context.importByHand(legacy);
    context.lock.holder = 'a rotation elsewhere';
    const before = snapshot(context);

    await expect(context.adopt(legacy)).rejects.toMatchObject({ code: 'ROTATION_IN_PROGRESS' });
    expect(snapshot(context)).toBe(before);
  });

  it('an adoption and a rotation at once: each finishes or is refused whole, and no slot is over-committed', async () => {
    const context = setup();
    await context.rotator.ensureCurrentKey();
    const legacy = makeLegacyKey();
    context.importByHand(legacy);
    context.clock.advance(DRAIN + 1);

    const outcomes = await Promise.allSettled([
      context.adopt(legacy),
      context.rotator.rotate({ emergency: false }),
    ]);

    expect(outcomes.some((outcome) => outcome.status === 'fulfilled')).toBe(true);
    for (const outcome of outcomes) {
      // The lock, or the one previous place the first of them took.
      if (outcome.status === 'rejected') {
        expect(['ROTATION_IN_PROGRESS', 'PREVIOUS_KEY_DRAINING']).toContain(
          (outcome.reason as { code: string }).code,
        );
      }
    }
    expect((await context.store.readKeys()).pending).toBeUndefined();
    await expectConsistent(context);
  });

  it('never deletes an adopted key pair as a leftover, even when the store lost its key', async () => {
    const context = setup();
    await context.rotator.ensureCurrentKey();
    const legacy = makeLegacyKey();
    const [pair] = context.importByHand(legacy);
    const keyId = adoptedKeyId(
      (await parseAdoptablePrivateKey(new PrivateKeyPem(legacy.sec1Pem))).fingerprint,
    );
    await context.registry.claimKeyPair(pair as NonNullable<typeof pair>, keyId);
    context.clock.advance(1);

    await context.rotator.rotate({ emergency: false });

    expect(context.registry.pairs.some((candidate) => candidate.keyId === keyId)).toBe(true);
  });
});
