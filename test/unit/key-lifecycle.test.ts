import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ServiceError } from '../../src/domain/errors.js';
import {
  drainEndsAt,
  drainSeconds,
  planRotationStep,
  type RegionState,
  type RotationGoal,
  type RotationSnapshot,
  type RotationStep,
} from '../../src/domain/key-lifecycle.js';
import type { KeySet, RegisteredKeyPair } from '../../src/domain/ports.js';
import {
  aCurrentKey,
  aDrainPolicy,
  aForeignKeyPair,
  aKeyPairOf,
  aPendingKey,
  aPreviousKey,
  aRotationGoal,
  aSnapshot,
  NOW,
} from '../support/builders.js';

/** 3600 s max TTL + 60 s clock skew + 300 s signing staleness. */
const DRAIN_SECONDS = 3960;
const policy = aDrainPolicy();

function secondsBefore(date: Date, seconds: number): Date {
  return new Date(date.getTime() - seconds * 1000);
}

/** Runs the act step of a refusal: returns the ServiceError, failing the test on a step or another error. */
function refusalOf(snapshot: RotationSnapshot, goal: RotationGoal, now = NOW): ServiceError {
  let step: RotationStep;
  try {
    step = planRotationStep(snapshot, goal, now, policy);
  } catch (error) {
    if (error instanceof ServiceError) return error;
    throw new Error(`expected a ServiceError, got ${String(error)}`, { cause: error });
  }
  throw new Error(`expected a refusal, got the step ${step.kind}`);
}

/**
 * Performs the plan's steps on a model of the store and registry, the way the rotator does, until
 * `done`; returns the step kinds taken. New keys are named k2, k3, … in creation order.
 */
function walk(start: RotationSnapshot, goal: RotationGoal, now = NOW): string[] {
  let keys: KeySet = start.keys;
  let regions: readonly RegionState[] = start.regions;
  const inRegion = (
    region: string | undefined,
    change: (pairs: readonly RegisteredKeyPair[]) => readonly RegisteredKeyPair[],
  ) => {
    regions = regions.map((state) =>
      state.region === region ? { ...state, registered: change(state.registered) } : state,
    );
  };
  let created = 1;
  const taken: string[] = [];
  for (let count = 0; count < 12 + 4 * regions.length; count++) {
    const step = planRotationStep({ keys, regions }, goal, now, policy);
    taken.push(step.kind);
    switch (step.kind) {
      case 'done':
        return taken;
      case 'delete-unreferenced':
        inRegion(step.region, (pairs) => pairs.filter((pair) => pair !== step.pair));
        break;
      case 'record-drain-start':
        keys = {
          ...keys,
          previous: { ...step.key, deactivatedAt: now, privateKey: keys.previous?.privateKey },
        } as KeySet;
        break;
      case 'retire-previous':
        for (const { region, pair: retired } of step.pairs)
          inRegion(region, (pairs) => pairs.filter((pair) => pair !== retired));
        keys = { ...keys, previous: undefined };
        break;
      case 'create-pending':
        created++;
        keys = { ...keys, pending: aPendingKey(`k${created}`) };
        break;
      case 'import-pending':
      case 'repair-missing':
        inRegion(step.region, (pairs) => [...pairs, aKeyPairOf(step.key.keyId)]);
        break;
      case 'promote-pending':
        if (keys.pending?.keyId !== step.key.keyId) throw new Error('promoted a key that is not pending');
        keys = {
          current: { ...keys.pending, state: 'current', activatedAt: now },
          previous: keys.current && { ...keys.current, state: 'previous', deactivatedAt: now },
          pending: undefined,
        };
        break;
    }
  }
  throw new Error(`no convergence: ${taken.join(', ')}`);
}

describe('drainEndsAt', () => {
  it('is deactivatedAt + max TTL + clock skew + signing staleness', () => {
    const deactivatedAt = new Date('2026-01-01T00:00:00.000Z');

    const endsAt = drainEndsAt(
      { deactivatedAt },
      aDrainPolicy({ maxTtlSeconds: 600, clockSkewSeconds: 30, maxSigningStalenessSeconds: 90 }),
    );

    expect(endsAt).toEqual(new Date('2026-01-01T00:12:00.000Z'));
  });

  it('is undefined when the drain start is unknown', () => {
    const key = { deactivatedAt: undefined };

    const endsAt = drainEndsAt(key, policy);

    expect(endsAt).toBeUndefined();
  });

  it('sums the three parts in drainSeconds', () => {
    const seconds = drainSeconds(policy);

    expect(seconds).toBe(DRAIN_SECONDS);
  });
});

describe('planRotationStep', () => {
  describe('first start', () => {
    it('creates a pending key when the store and registry are empty', () => {
      const snapshot = aSnapshot();

      const step = planRotationStep(snapshot, aRotationGoal(), NOW, policy);

      expect(step).toEqual({ kind: 'create-pending' });
    });

    it('imports a pending key that is not imported yet', () => {
      const pending = aPendingKey('k1');

      const step = planRotationStep(aSnapshot({ keys: { pending } }), aRotationGoal(), NOW, policy);

      expect(step).toEqual({ kind: 'import-pending', key: pending, region: undefined });
    });

    it('promotes a pending key once it is imported', () => {
      const pending = aPendingKey('k1');
      const pair = aKeyPairOf('k1');

      const step = planRotationStep(
        aSnapshot({ keys: { pending }, registered: [pair] }),
        aRotationGoal(),
        NOW,
        policy,
      );

      expect(step).toEqual({ kind: 'promote-pending', key: pending, pairs: [{ region: undefined, pair }] });
    });

    it('is done once a key is current', () => {
      const snapshot = aSnapshot({ keys: { current: aCurrentKey('k1') }, registered: [aKeyPairOf('k1')] });

      const step = planRotationStep(snapshot, aRotationGoal({ fromKeyId: undefined }), NOW, policy);

      expect(step).toEqual({ kind: 'done' });
    });

    it('walks create, import, promote, done', () => {
      const snapshot = aSnapshot();

      const steps = walk(snapshot, aRotationGoal());

      expect(steps).toEqual(['create-pending', 'import-pending', 'promote-pending', 'done']);
    });
  });

  describe('normal rotation', () => {
    it('creates a pending key when only the current key exists', () => {
      const snapshot = aSnapshot({ keys: { current: aCurrentKey('k1') }, registered: [aKeyPairOf('k1')] });

      const step = planRotationStep(snapshot, aRotationGoal({ fromKeyId: 'k1' }), NOW, policy);

      expect(step).toEqual({ kind: 'create-pending' });
    });

    it('retires a drained previous key, with its key pair, before creating a pending key', () => {
      const previous = aPreviousKey('k0', { deactivatedAt: secondsBefore(NOW, DRAIN_SECONDS + 1) });
      const snapshot = aSnapshot({
        keys: { current: aCurrentKey('k1'), previous },
        registered: [aKeyPairOf('k0'), aKeyPairOf('k1')],
      });

      const step = planRotationStep(snapshot, aRotationGoal({ fromKeyId: 'k1' }), NOW, policy);

      expect(step).toEqual({
        kind: 'retire-previous',
        key: previous,
        pairs: [{ region: undefined, pair: aKeyPairOf('k0') }],
      });
    });

    it('creates a pending key once the previous key is retired', () => {
      const snapshot = aSnapshot({ keys: { current: aCurrentKey('k1') }, registered: [aKeyPairOf('k1')] });

      const step = planRotationStep(snapshot, aRotationGoal({ fromKeyId: 'k1' }), NOW, policy);

      expect(step).toEqual({ kind: 'create-pending' });
    });

    it('is done after the promotion, leaving the new previous key to drain', () => {
      const snapshot = aSnapshot({
        keys: { current: aCurrentKey('k2'), previous: aPreviousKey('k1', { deactivatedAt: NOW }) },
        registered: [aKeyPairOf('k1'), aKeyPairOf('k2')],
      });

      const step = planRotationStep(snapshot, aRotationGoal({ fromKeyId: 'k1' }), NOW, policy);

      expect(step).toEqual({ kind: 'done' });
    });

    it('refuses with PREVIOUS_KEY_DRAINING while the previous key drains, saying until when', () => {
      const snapshot = aSnapshot({
        keys: {
          current: aCurrentKey('k1'),
          previous: aPreviousKey('k0', { deactivatedAt: secondsBefore(NOW, 1000) }),
        },
        registered: [aKeyPairOf('k0'), aKeyPairOf('k1')],
      });

      const error = refusalOf(snapshot, aRotationGoal({ fromKeyId: 'k1' }));

      expect(error.code).toBe('PREVIOUS_KEY_DRAINING');
      expect(error.details).toEqual({
        keyId: 'k0',
        drainEndsAt: '2026-01-01T00:49:20.000Z',
        currentKeyId: 'k1',
        currentSince: '2025-12-01T00:00:00.000Z',
      });
      expect(error.retryAfterSeconds).toBe(DRAIN_SECONDS - 1000);
      expect(error.message).toContain('k0');
      expect(error.message).toContain('2026-01-01T00:49:20.000Z');
    });

    it('refuses with PREVIOUS_KEY_DRAINING one millisecond before the drain ends, retrying after 1 second', () => {
      const deactivatedAt = new Date(NOW.getTime() - DRAIN_SECONDS * 1000 + 1);
      const snapshot = aSnapshot({
        keys: { current: aCurrentKey('k1'), previous: aPreviousKey('k0', { deactivatedAt }) },
        registered: [aKeyPairOf('k0'), aKeyPairOf('k1')],
      });

      const error = refusalOf(snapshot, aRotationGoal({ fromKeyId: 'k1' }));

      expect(error.code).toBe('PREVIOUS_KEY_DRAINING');
      expect(error.retryAfterSeconds).toBe(1);
    });

    it('retires the previous key exactly at the end of its drain', () => {
      const previous = aPreviousKey('k0', { deactivatedAt: secondsBefore(NOW, DRAIN_SECONDS) });
      const snapshot = aSnapshot({
        keys: { current: aCurrentKey('k1'), previous },
        registered: [aKeyPairOf('k0'), aKeyPairOf('k1')],
      });

      const step = planRotationStep(snapshot, aRotationGoal({ fromKeyId: 'k1' }), NOW, policy);

      expect(step).toEqual({
        kind: 'retire-previous',
        key: previous,
        pairs: [{ region: undefined, pair: aKeyPairOf('k0') }],
      });
    });

    it('records the drain start of a previous key whose deactivatedAt is unknown', () => {
      const previous = aPreviousKey('k0', { deactivatedAt: undefined });
      const snapshot = aSnapshot({
        keys: { current: aCurrentKey('k1'), previous },
        registered: [aKeyPairOf('k0'), aKeyPairOf('k1')],
      });

      const step = planRotationStep(snapshot, aRotationGoal({ fromKeyId: 'k1' }), NOW, policy);

      expect(step).toEqual({ kind: 'record-drain-start', key: previous });
    });

    it('retires a drained previous key whose key pair is already gone (crash after the delete)', () => {
      const previous = aPreviousKey('k0', { deactivatedAt: secondsBefore(NOW, DRAIN_SECONDS) });
      const snapshot = aSnapshot({
        keys: { current: aCurrentKey('k1'), previous },
        registered: [aKeyPairOf('k1')],
      });

      const step = planRotationStep(snapshot, aRotationGoal({ fromKeyId: 'k1' }), NOW, policy);

      expect(step).toEqual({ kind: 'retire-previous', key: previous, pairs: [] });
    });

    it('walks retire, create, import, promote, done from a drained previous key', () => {
      const snapshot = aSnapshot({
        keys: {
          current: aCurrentKey('k1'),
          previous: aPreviousKey('k0', { deactivatedAt: secondsBefore(NOW, DRAIN_SECONDS) }),
        },
        registered: [aKeyPairOf('k0'), aKeyPairOf('k1')],
      });

      const steps = walk(snapshot, aRotationGoal({ fromKeyId: 'k1' }));

      expect(steps).toEqual([
        'retire-previous',
        'create-pending',
        'import-pending',
        'promote-pending',
        'done',
      ]);
    });
  });

  describe('emergency', () => {
    it('retires a previous key that is still draining at once', () => {
      const previous = aPreviousKey('k0', { deactivatedAt: secondsBefore(NOW, 10) });
      const snapshot = aSnapshot({
        keys: { current: aCurrentKey('k1'), previous },
        registered: [aKeyPairOf('k0'), aKeyPairOf('k1')],
      });

      const step = planRotationStep(
        snapshot,
        aRotationGoal({ fromKeyId: 'k1', emergency: true }),
        NOW,
        policy,
      );

      expect(step).toEqual({
        kind: 'retire-previous',
        key: previous,
        pairs: [{ region: undefined, pair: aKeyPairOf('k0') }],
      });
    });

    it('retires a previous key with an unknown drain start without recording it first', () => {
      const previous = aPreviousKey('k0', { deactivatedAt: undefined });
      const snapshot = aSnapshot({
        keys: { current: aCurrentKey('k1'), previous },
        registered: [aKeyPairOf('k0'), aKeyPairOf('k1')],
      });

      const step = planRotationStep(
        snapshot,
        aRotationGoal({ fromKeyId: 'k1', emergency: true }),
        NOW,
        policy,
      );

      expect(step).toEqual({
        kind: 'retire-previous',
        key: previous,
        pairs: [{ region: undefined, pair: aKeyPairOf('k0') }],
      });
    });

    it('after the promotion retires the compromised key, now previous, at once', () => {
      const compromised = aPreviousKey('k1', { deactivatedAt: NOW });
      const snapshot = aSnapshot({
        keys: { current: aCurrentKey('k2'), previous: compromised },
        registered: [aKeyPairOf('k1'), aKeyPairOf('k2')],
      });

      const step = planRotationStep(
        snapshot,
        aRotationGoal({ fromKeyId: 'k1', emergency: true }),
        NOW,
        policy,
      );

      expect(step).toEqual({
        kind: 'retire-previous',
        key: compromised,
        pairs: [{ region: undefined, pair: aKeyPairOf('k1') }],
      });
    });

    it('is done once the compromised key is retired', () => {
      const snapshot = aSnapshot({ keys: { current: aCurrentKey('k2') }, registered: [aKeyPairOf('k2')] });

      const step = planRotationStep(
        snapshot,
        aRotationGoal({ fromKeyId: 'k1', emergency: true }),
        NOW,
        policy,
      );

      expect(step).toEqual({ kind: 'done' });
    });

    it('walks retire, create, import, promote, retire, done and leaves only the new key', () => {
      const snapshot = aSnapshot({
        keys: {
          current: aCurrentKey('k1'),
          previous: aPreviousKey('k0', { deactivatedAt: secondsBefore(NOW, 10) }),
        },
        registered: [aKeyPairOf('k0'), aKeyPairOf('k1')],
      });

      const steps = walk(snapshot, aRotationGoal({ fromKeyId: 'k1', emergency: true }));

      expect(steps).toEqual([
        'retire-previous',
        'create-pending',
        'import-pending',
        'promote-pending',
        'retire-previous',
        'done',
      ]);
    });
  });

  describe('key pairs', () => {
    it('deletes an unreferenced key pair of ours before anything else', () => {
      const leftover = aKeyPairOf('k0');
      const snapshot = aSnapshot({
        keys: { current: aCurrentKey('k1'), pending: aPendingKey('k2') },
        registered: [aKeyPairOf('k1'), leftover],
      });

      const step = planRotationStep(snapshot, aRotationGoal({ fromKeyId: 'k1' }), NOW, policy);

      expect(step).toEqual({ kind: 'delete-unreferenced', region: undefined, pair: leftover });
    });

    it('never deletes a foreign key pair, only counts it', () => {
      const snapshot = aSnapshot({
        keys: { current: aCurrentKey('k1') },
        registered: [aForeignKeyPair('someone-elses'), aKeyPairOf('k1')],
      });

      const step = planRotationStep(snapshot, aRotationGoal({ fromKeyId: 'k1' }), NOW, policy);

      expect(step).toEqual({ kind: 'create-pending' });
    });

    it('refuses with NO_FREE_KEY_SLOT naming the foreign key pairs when all 3 slots are taken', () => {
      const snapshot = aSnapshot({
        keys: { current: aCurrentKey('k1') },
        registered: [
          aKeyPairOf('k1'),
          aForeignKeyPair('legacy-a'),
          aForeignKeyPair('legacy-b', { arn: undefined }),
        ],
      });

      const error = refusalOf(snapshot, aRotationGoal({ fromKeyId: 'k1' }));

      expect(error.code).toBe('NO_FREE_KEY_SLOT');
      expect(error.message).toContain('legacy-a (not managed by this service)');
      expect(error.message).toContain('legacy-b (not managed by this service)');
      expect(error.message).toContain('IVS allows 3 playback key pairs');
      expect(error.details).toEqual({
        slotLimit: 3,
        keyPairs: [
          { name: 'k1', arn: aKeyPairOf('k1').arn, managedByThisService: true },
          { name: 'legacy-a', arn: aForeignKeyPair('legacy-a').arn, managedByThisService: false },
          { name: 'legacy-b', arn: null, managedByThisService: false },
        ],
      });
    });

    it('refuses a first start with NO_FREE_KEY_SLOT when 3 foreign key pairs fill the slots', () => {
      const snapshot = aSnapshot({
        registered: [aForeignKeyPair('a'), aForeignKeyPair('b'), aForeignKeyPair('c')],
      });

      const error = refusalOf(snapshot, aRotationGoal());

      expect(error.code).toBe('NO_FREE_KEY_SLOT');
      expect(error.details?.['keyPairs']).toHaveLength(3);
    });

    it('refuses to import a pending key with NO_FREE_KEY_SLOT when no slot is free', () => {
      const snapshot = aSnapshot({
        keys: { current: aCurrentKey('k1'), pending: aPendingKey('k2') },
        registered: [aKeyPairOf('k1'), aForeignKeyPair('legacy-a'), aForeignKeyPair('legacy-b')],
      });

      const error = refusalOf(snapshot, aRotationGoal({ fromKeyId: 'k1' }));

      expect(error.code).toBe('NO_FREE_KEY_SLOT');
      expect(error.message).toContain('legacy-a');
    });

    it('promotes an imported pending key even when all slots are taken', () => {
      const pending = aPendingKey('k2');
      const snapshot = aSnapshot({
        keys: { current: aCurrentKey('k1'), pending },
        registered: [aKeyPairOf('k1'), aKeyPairOf('k2'), aForeignKeyPair('legacy-a')],
      });

      const step = planRotationStep(snapshot, aRotationGoal({ fromKeyId: 'k1' }), NOW, policy);

      expect(step).toEqual({
        kind: 'promote-pending',
        key: pending,
        pairs: [{ region: undefined, pair: aKeyPairOf('k2') }],
      });
    });
  });

  describe('resuming an interrupted rotation', () => {
    it('promotes a pending key already imported at the start of a new rotation', () => {
      const pending = aPendingKey('k2');
      const snapshot = aSnapshot({
        keys: { current: aCurrentKey('k1'), pending },
        registered: [aKeyPairOf('k1'), aKeyPairOf('k2')],
      });

      const step = planRotationStep(snapshot, aRotationGoal({ fromKeyId: 'k1' }), NOW, policy);

      expect(step).toEqual({
        kind: 'promote-pending',
        key: pending,
        pairs: [{ region: undefined, pair: aKeyPairOf('k2') }],
      });
    });

    it('refuses to promote a staged pending key while the previous key still drains (invariant 3)', () => {
      const snapshot = aSnapshot({
        keys: {
          current: aCurrentKey('k1'),
          previous: aPreviousKey('k0', { deactivatedAt: secondsBefore(NOW, 60) }),
          pending: aPendingKey('k2'),
        },
        registered: [aKeyPairOf('k0'), aKeyPairOf('k1'), aKeyPairOf('k2')],
      });

      const refusal = refusalOf(snapshot, aRotationGoal({ fromKeyId: 'k1' }));

      expect(refusal.code).toBe('PREVIOUS_KEY_DRAINING');
      expect(refusal.details).toMatchObject({ keyId: 'k0', currentKeyId: 'k1' });
    });

    it('retires a drained previous key before promoting a staged pending key', () => {
      const previous = aPreviousKey('k0', { deactivatedAt: secondsBefore(NOW, DRAIN_SECONDS) });
      const snapshot = aSnapshot({
        keys: { current: aCurrentKey('k1'), previous, pending: aPendingKey('k2') },
        registered: [aKeyPairOf('k0'), aKeyPairOf('k1'), aKeyPairOf('k2')],
      });

      const step = planRotationStep(snapshot, aRotationGoal({ fromKeyId: 'k1' }), NOW, policy);

      expect(step).toEqual({
        kind: 'retire-previous',
        key: previous,
        pairs: [{ region: undefined, pair: aKeyPairOf('k0') }],
      });
    });

    it('imports a pending key staged before the interruption', () => {
      const pending = aPendingKey('k2');
      const snapshot = aSnapshot({
        keys: { current: aCurrentKey('k1'), pending },
        registered: [aKeyPairOf('k1')],
      });

      const step = planRotationStep(snapshot, aRotationGoal({ fromKeyId: 'k1' }), NOW, policy);

      expect(step).toEqual({ kind: 'import-pending', key: pending, region: undefined });
    });
  });

  describe('a damaged store', () => {
    it.each([
      ['current and previous', { current: aCurrentKey('k1'), previous: aPreviousKey('k1') }],
      ['current and pending', { current: aCurrentKey('k1'), pending: aPendingKey('k1') }],
      ['previous and pending', { previous: aPreviousKey('k1'), pending: aPendingKey('k1') }],
    ])('refuses a key that is both %s with KEY_STORE_CORRUPT instead of retiring it', (_reason, keys) => {
      const snapshot = aSnapshot({ keys, registered: [aKeyPairOf('k1')] });

      const error = refusalOf(snapshot, aRotationGoal({ emergency: true }));

      expect(error.code).toBe('KEY_STORE_CORRUPT');
      expect(error.message).toContain('k1');
    });
  });

  describe('properties', () => {
    const keyId = fc.constantFrom('k1', 'k2', 'k3', 'k4');
    const aDate = fc
      .integer({ min: -2 * DRAIN_SECONDS, max: 10 })
      .map((seconds) => secondsBefore(NOW, -seconds));
    const aMaybeKey = (build: typeof aCurrentKey) =>
      fc.option(
        fc
          .record({ keyId, deactivatedAt: fc.option(aDate, { nil: undefined }) })
          .map(({ keyId: id, deactivatedAt }) => build(id, { deactivatedAt })),
        { nil: undefined },
      );
    const aPair = fc.oneof(
      keyId.map((id) => aKeyPairOf(id)),
      fc.constantFrom('legacy-a', 'legacy-b').map((name) => aForeignKeyPair(name)),
      keyId.map((id) => aKeyPairOf(id, { arn: undefined })),
    );
    const anyRegion = (region: string | undefined): fc.Arbitrary<RegionState> =>
      fc.record({
        region: fc.constant(region),
        registered: fc.array(aPair, { maxLength: 5 }),
        slotLimit: fc.constantFrom(1, 2, 3),
      });
    const anySnapshot: fc.Arbitrary<RotationSnapshot> = fc.record({
      keys: fc.record({
        current: aMaybeKey(aCurrentKey),
        previous: aMaybeKey(aPreviousKey),
        pending: aMaybeKey(aPendingKey),
      }),
      regions: fc.oneof(
        fc.tuple(anyRegion(undefined)),
        fc.tuple(anyRegion('us-west-2'), anyRegion('eu-west-1'), anyRegion('ap-northeast-1')),
      ),
    });
    const anyGoal: fc.Arbitrary<RotationGoal> = fc.record({
      fromKeyId: fc.option(keyId, { nil: undefined }),
      emergency: fc.boolean(),
    });

    it('deletes only key pairs of ours that neither the current nor the pending key uses, and never retires the current key', () => {
      fc.assert(
        fc.property(anySnapshot, anyGoal, (snapshot, goal) => {
          const { current, pending, previous } = snapshot.keys;
          const inUse = [current?.keyId, pending?.keyId].filter((id) => id !== undefined);
          let step: RotationStep | undefined;

          try {
            step = planRotationStep(snapshot, goal, NOW, policy);
          } catch (error) {
            expect(error).toBeInstanceOf(ServiceError);
            expect(['PREVIOUS_KEY_DRAINING', 'NO_FREE_KEY_SLOT', 'KEY_STORE_CORRUPT']).toContain(
              (error as ServiceError).code,
            );
          }

          if (step?.kind === 'delete-unreferenced') {
            expect(step.pair.keyId).toBeDefined();
            expect(inUse).not.toContain(step.pair.keyId);
            expect(previous?.keyId).not.toBe(step.pair.keyId);
          }
          const stateOf = (region: string | undefined) =>
            snapshot.regions.find((state) => state.region === region) as RegionState;
          if (step?.kind === 'delete-unreferenced') {
            expect(stateOf(step.region).registered).toContain(step.pair);
          }
          if (step?.kind === 'retire-previous') {
            expect(step.key).toBe(previous);
            expect(inUse).not.toContain(step.key.keyId);
            for (const { region, pair } of step.pairs) {
              expect(pair.keyId).toBe(step.key.keyId);
              expect(stateOf(region).registered).toContain(pair);
            }
            if (!goal.emergency) {
              expect(drainEndsAt(step.key, policy)?.getTime()).toBeLessThanOrEqual(NOW.getTime());
            }
          }
          if (step?.kind === 'create-pending') {
            for (const state of snapshot.regions)
              expect(state.registered.length).toBeLessThan(state.slotLimit);
          }
          if (step?.kind === 'import-pending' || step?.kind === 'repair-missing') {
            const state = stateOf(step.region);
            expect(state.registered.length).toBeLessThan(state.slotLimit);
            expect(state.registered.map((pair) => pair.keyId)).not.toContain(step.key.keyId);
          }
          if (step?.kind === 'repair-missing') {
            expect([current?.keyId, previous?.keyId]).toContain(step.key.keyId);
          }
          if (step?.kind === 'promote-pending') {
            // Invariant 2: a key becomes current only once every served region holds it.
            expect(step.key).toBe(pending);
            for (const state of snapshot.regions) {
              expect(state.registered.map((pair) => pair.keyId)).toContain(pending?.keyId);
            }
            expect(step.pairs).toHaveLength(snapshot.regions.length);
          }
          if (step?.kind === 'record-drain-start') {
            expect(step.key).toBe(previous);
            expect(step.key.deactivatedAt).toBeUndefined();
          }
        }),
        { numRuns: 2000 },
      );
    });
  });
});
