import { ServiceError } from './errors.js';
import type { KeySet, RegisteredKeyPair } from './ports.js';
import type { SigningKeyInfo } from './signing-key.js';

/**
 * How long a key that stopped being current must stay imported, so no token it signed is ever
 * refused by IVS (docs/key-lifecycle.md, invariant 3): the longest TTL, plus clock skew between us and IVS, plus the
 * longest a replica may keep signing with a key it has not re-read from the store.
 */
export interface DrainPolicy {
  readonly maxTtlSeconds: number;
  readonly clockSkewSeconds: number;
  readonly maxSigningStalenessSeconds: number;
}

export function drainSeconds(policy: DrainPolicy): number {
  return policy.maxTtlSeconds + policy.clockSkewSeconds + policy.maxSigningStalenessSeconds;
}

/** When a previous key may be deleted, or undefined when its drain start is unknown. */
export function drainEndsAt(
  key: Pick<SigningKeyInfo, 'deactivatedAt'>,
  policy: DrainPolicy,
): Date | undefined {
  if (!key.deactivatedAt) return undefined;
  return new Date(key.deactivatedAt.getTime() + drainSeconds(policy) * 1000);
}

/** What a rotation was asked to achieve. */
export interface RotationGoal {
  /** The current key when the rotation was requested (undefined on first start). */
  readonly fromKeyId: string | undefined;
  /** Compromise: delete the previous key at once, skipping the drain. */
  readonly emergency: boolean;
}

export interface RotationSnapshot {
  readonly keys: KeySet;
  readonly registered: readonly RegisteredKeyPair[];
  readonly slotLimit: number;
}

/** The next single step; the rotator performs it, takes a new snapshot and asks again. */
export type RotationStep =
  | { readonly kind: 'delete-unreferenced'; readonly pair: RegisteredKeyPair }
  | { readonly kind: 'record-drain-start'; readonly key: SigningKeyInfo }
  | {
      readonly kind: 'retire-previous';
      readonly key: SigningKeyInfo;
      readonly pair: RegisteredKeyPair | undefined;
    }
  | { readonly kind: 'create-pending' }
  | { readonly kind: 'import-pending'; readonly key: SigningKeyInfo }
  | { readonly kind: 'promote-pending'; readonly key: SigningKeyInfo; readonly pair: RegisteredKeyPair }
  | { readonly kind: 'done' };

/**
 * The rotation plan, as a pure function of what the store and the registry hold now. Because every
 * decision is re-derived from that state, a rotation interrupted at any step (crash, AWS outage)
 * resumes where it stopped when run again, and no step is ever taken twice by mistake:
 *
 * 1. our key pairs that no stored key refers to are deleted (leftovers of an interrupted retirement);
 * 2. the previous key is retired, but only after its drain (invariant 3) unless emergency, because
 *    the coming promotion needs its place;
 * 3. a pending key is finished: imported if it is not, then promoted (docs/key-lifecycle.md, invariants 1 and 2);
 * 4. otherwise a new key is created if a slot is free (invariant 5), else 409 naming what is in the way;
 * 5. after an emergency promotion, the compromised key (now previous) is retired at once.
 *
 * Foreign key pairs (without our tags) are never deleted and count against the slots (invariant 4).
 */
export function planRotationStep(
  snapshot: RotationSnapshot,
  goal: RotationGoal,
  now: Date,
  policy: DrainPolicy,
): RotationStep {
  const { keys, registered } = snapshot;
  const storedIds = [keys.current, keys.previous, keys.pending].flatMap((key) => (key ? [key.keyId] : []));
  const referenced = new Set(storedIds);
  // A key in two states at once (a hand-edited or damaged store) would make "retire the previous
  // key" delete the key pair, and private key, that the current or pending key still needs.
  if (referenced.size < storedIds.length) {
    throw new ServiceError(
      'KEY_STORE_CORRUPT',
      `the key store holds the same key in two states (current ${keys.current?.keyId ?? '-'}, previous ${keys.previous?.keyId ?? '-'}, pending ${keys.pending?.keyId ?? '-'}); repair it before rotating`,
      {
        details: {
          current: keys.current?.keyId,
          previous: keys.previous?.keyId,
          pending: keys.pending?.keyId,
        },
      },
    );
  }
  const unreferenced = registered.find((pair) => pair.keyId !== undefined && !referenced.has(pair.keyId));
  if (unreferenced) return { kind: 'delete-unreferenced', pair: unreferenced };

  const pairOf = (keyId: string) => registered.find((pair) => pair.keyId === keyId);

  const rotated = keys.current !== undefined && keys.current.keyId !== goal.fromKeyId;
  if (rotated && !keys.pending) {
    if (goal.emergency && keys.previous) {
      return { kind: 'retire-previous', key: keys.previous, pair: pairOf(keys.previous.keyId) };
    }
    return { kind: 'done' };
  }

  // Promoting turns the current key into the previous one, so an existing previous key must be
  // retired first, and only once drained (invariant 3), even when the pending key was staged by
  // someone else (an interrupted rotation, the Secrets Manager rotation Lambda).
  if (keys.previous) {
    if (!goal.emergency) {
      const endsAt = drainEndsAt(keys.previous, policy);
      if (!endsAt) return { kind: 'record-drain-start', key: keys.previous };
      if (endsAt > now) throw previousKeyDraining(keys, endsAt, now);
    }
    return { kind: 'retire-previous', key: keys.previous, pair: pairOf(keys.previous.keyId) };
  }

  if (keys.pending) {
    const pair = pairOf(keys.pending.keyId);
    if (pair) return { kind: 'promote-pending', key: keys.pending, pair };
    requireFreeSlot(snapshot);
    return { kind: 'import-pending', key: keys.pending };
  }

  requireFreeSlot(snapshot);
  return { kind: 'create-pending' };
}

function previousKeyDraining(keys: KeySet, endsAt: Date, now: Date): ServiceError {
  const previous = keys.previous as SigningKeyInfo;
  return new ServiceError(
    'PREVIOUS_KEY_DRAINING',
    `the previous key ${previous.keyId} may still verify live tokens until ${endsAt.toISOString()}; rotate after that, or rotate with emergency to delete it now`,
    {
      details: {
        keyId: previous.keyId,
        drainEndsAt: endsAt.toISOString(),
        currentKeyId: keys.current?.keyId,
        currentSince: keys.current?.activatedAt?.toISOString(),
      },
      retryAfterSeconds: Math.ceil((endsAt.getTime() - now.getTime()) / 1000),
    },
  );
}

function requireFreeSlot(snapshot: RotationSnapshot): void {
  if (snapshot.registered.length < snapshot.slotLimit) return;
  const inTheWay = snapshot.registered.map((pair) => ({
    name: pair.name,
    arn: pair.arn ?? null,
    managedByThisService: pair.keyId !== undefined,
  }));
  throw new ServiceError(
    'NO_FREE_KEY_SLOT',
    `IVS allows ${snapshot.slotLimit} playback key pairs per account and region, and all are taken: ${inTheWay
      .map((pair) => `${pair.name}${pair.managedByThisService ? '' : ' (not managed by this service)'}`)
      .join(', ')}. Delete a key pair this service does not use, then rotate again`,
    { details: { keyPairs: inTheWay, slotLimit: snapshot.slotLimit } },
  );
}
