import { ServiceError } from './errors.js';
import type { KeySet, RegisteredKeyPair } from './ports.js';
import { isAdoptedKeyId, type SigningKeyInfo } from './signing-key.js';

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

/**
 * What one served region's IVS holds. IVS keeps playback key pairs per account and region, and
 * verifies a token only with the key pairs of the channel's region: every state change of a key
 * must hold in every served region (docs/key-lifecycle.md, "Regions").
 */
export interface RegionState {
  /** The AWS region; undefined for local mode's offline registry when no IVS_REGIONS are set. */
  readonly region: string | undefined;
  readonly registered: readonly RegisteredKeyPair[];
  /** IVS allows 3 playback key pairs per account and region. */
  readonly slotLimit: number;
}

export interface RotationSnapshot {
  readonly keys: KeySet;
  /** Every served region, in a stable order (the order of IVS_REGIONS). */
  readonly regions: readonly RegionState[];
}

/** The next single step; the rotator performs it, takes a new snapshot and asks again. */
export type RotationStep =
  | {
      readonly kind: 'delete-unreferenced';
      readonly region: string | undefined;
      readonly pair: RegisteredKeyPair;
    }
  | { readonly kind: 'record-drain-start'; readonly key: SigningKeyInfo }
  | {
      readonly kind: 'retire-previous';
      readonly key: SigningKeyInfo;
      /** The key's pair in each region that still holds it (deleted before the store retires it). */
      readonly pairs: readonly RegionalPair[];
    }
  | { readonly kind: 'create-pending' }
  | { readonly kind: 'import-pending'; readonly key: SigningKeyInfo; readonly region: string | undefined }
  | {
      /** A current or draining key that a region lacks (a region just added, a pair deleted by hand). */
      readonly kind: 'repair-missing';
      readonly key: SigningKeyInfo;
      readonly region: string | undefined;
    }
  | {
      readonly kind: 'promote-pending';
      readonly key: SigningKeyInfo;
      readonly pairs: readonly RegionalPair[];
    }
  | { readonly kind: 'done' };

export interface RegionalPair {
  readonly region: string | undefined;
  readonly pair: RegisteredKeyPair;
}

/**
 * The rotation plan, as a pure function of what the store and every served region hold now.
 * Because every decision is re-derived from that state, a rotation interrupted at any step (crash,
 * AWS outage, one region down) resumes where it stopped when run again, and no step is ever taken
 * twice by mistake (docs/key-lifecycle.md, "One rotation, step by step"):
 *
 * 1. our key pairs that no stored key refers to are deleted, region by region (leftovers of an
 *    interrupted retirement);
 * 2. a current key, or a previous key still draining, that a region lacks is imported there again;
 * 3. the previous key is retired, but only after its drain (invariant 3) unless emergency, because
 *    the coming promotion needs its place: deleted in every region, then retired in the store;
 * 4. a pending key is finished: imported into each region that lacks it, then promoted once every
 *    region holds it (invariants 1, 2);
 * 5. otherwise a new key is created if every region has a free slot (invariant 5), else 409 naming
 *    the region and what is in the way;
 * 6. after an emergency promotion, the compromised key (now previous) is retired at once.
 *
 * Foreign key pairs (without our tags) are never deleted and count against their own region's slots
 * (invariant 4).
 */
export function planRotationStep(
  snapshot: RotationSnapshot,
  goal: RotationGoal,
  now: Date,
  policy: DrainPolicy,
): RotationStep {
  const { keys, regions } = snapshot;
  requireDistinctStates(keys);
  // An adoption (docs/key-lifecycle.md, "Adopting a key") stages its key as pending too; only
  // `keys adopt` finishes it, because only it knows which state the key is headed for and which
  // existing key pairs hold it.
  if (keys.pending?.adoptedAs) throw adoptionInProgress(keys.pending);
  const referenced = storedKeyIds(keys);
  for (const state of regions) {
    const pair = state.registered.find((candidate) => isUnreferencedPairOfOurs(candidate, referenced));
    if (pair) return { kind: 'delete-unreferenced', region: state.region, pair };
  }

  const pairsOf = (keyId: string): RegionalPair[] =>
    regions.flatMap((state) => {
      const pair = state.registered.find((candidate) => candidate.keyId === keyId);
      return pair ? [{ region: state.region, pair }] : [];
    });
  const missingFrom = (keyId: string): RegionState | undefined =>
    regions.find((state) => !state.registered.some((candidate) => candidate.keyId === keyId));

  const previousDrainEndsAt = keys.previous ? drainEndsAt(keys.previous, policy) : undefined;
  const previousStillDrains =
    keys.previous !== undefined && !goal.emergency && (!previousDrainEndsAt || previousDrainEndsAt > now);
  for (const key of [keys.current, previousStillDrains ? keys.previous : undefined]) {
    if (!key) continue;
    const lacking = missingFrom(key.keyId);
    if (lacking) {
      requireFreeSlot(lacking);
      return { kind: 'repair-missing', key, region: lacking.region };
    }
  }

  const rotated = keys.current !== undefined && keys.current.keyId !== goal.fromKeyId;
  if (rotated && !keys.pending) {
    if (goal.emergency && keys.previous) {
      return { kind: 'retire-previous', key: keys.previous, pairs: pairsOf(keys.previous.keyId) };
    }
    return { kind: 'done' };
  }

  // Promoting turns the current key into the previous one, so an existing previous key must be
  // retired first, and only once drained (invariant 3), even when the pending key was staged by
  // someone else (an interrupted rotation, the Secrets Manager rotation Lambda).
  if (keys.previous) {
    if (!goal.emergency) {
      if (!previousDrainEndsAt) return { kind: 'record-drain-start', key: keys.previous };
      if (previousDrainEndsAt > now) throw previousKeyDraining(keys, previousDrainEndsAt, now);
    }
    return { kind: 'retire-previous', key: keys.previous, pairs: pairsOf(keys.previous.keyId) };
  }

  if (keys.pending) {
    const lacking = missingFrom(keys.pending.keyId);
    if (!lacking) return { kind: 'promote-pending', key: keys.pending, pairs: pairsOf(keys.pending.keyId) };
    requireFreeSlot(lacking);
    return { kind: 'import-pending', key: keys.pending, region: lacking.region };
  }

  for (const state of regions) requireFreeSlot(state);
  return { kind: 'create-pending' };
}

/** The ids of the current, previous and pending keys. */
export function storedKeyIds(keys: KeySet): Set<string> {
  return new Set([keys.current, keys.previous, keys.pending].flatMap((key) => (key ? [key.keyId] : [])));
}

/**
 * A key pair of ours that no stored key refers to: a leftover of an interrupted retirement, deleted
 * to free its slot. Never an adopted key's pair (invariant 8): it existed before this service, a
 * signer outside it may still rely on it, and only retiring its stored key deletes it.
 */
export function isUnreferencedPairOfOurs(pair: RegisteredKeyPair, referenced: ReadonlySet<string>): boolean {
  return pair.keyId !== undefined && !referenced.has(pair.keyId) && !isAdoptedKeyId(pair.keyId);
}

/**
 * A key in two states at once (a hand-edited or damaged store) would make "retire the previous
 * key" delete the key pair, and private key, that the current or pending key still needs.
 */
export function requireDistinctStates(keys: KeySet): void {
  const storedIds = [keys.current, keys.previous, keys.pending].flatMap((key) => (key ? [key.keyId] : []));
  if (new Set(storedIds).size === storedIds.length) return;
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

export function adoptionInProgress(pending: SigningKeyInfo): ServiceError {
  return new ServiceError(
    'ADOPTION_IN_PROGRESS',
    `key ${pending.keyId} is being adopted as ${pending.adoptedAs ?? 'current'} and that adoption has not finished; run \`keys adopt\` again with the same private key (or POST /v1/playback-keys/adopt) to finish it, then try again`,
    { retryAfterSeconds: 5, details: { pendingKeyId: pending.keyId, adoptedAs: pending.adoptedAs } },
  );
}

export function previousKeyDraining(
  keys: KeySet,
  endsAt: Date,
  now: Date,
  whatNext = 'rotate after that, or rotate with emergency to delete it now',
): ServiceError {
  const previous = keys.previous as SigningKeyInfo;
  return new ServiceError(
    'PREVIOUS_KEY_DRAINING',
    `the previous key ${previous.keyId} may still verify live tokens until ${endsAt.toISOString()}; ${whatNext}`,
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

/**
 * Refuses (409 NO_FREE_KEY_SLOT, naming the pairs in the way) unless `needed` more key pairs fit in
 * the region. `purpose` says what the slot is for and what to run again.
 */
export function requireFreeSlot(
  state: RegionState,
  needed = 1,
  purpose: { readonly why?: string; readonly retry: string } = { retry: 'rotate again' },
): void {
  if (state.registered.length + needed <= state.slotLimit) return;
  const where = state.region === undefined ? '' : ` in ${state.region}`;
  const inTheWay = state.registered.map((pair) => ({
    name: pair.name,
    arn: pair.arn ?? null,
    managedByThisService: pair.keyId !== undefined,
  }));
  throw new ServiceError(
    'NO_FREE_KEY_SLOT',
    `${purpose.why ?? ''}IVS allows ${state.slotLimit} playback key pairs per account and region, and ${state.registered.length === state.slotLimit ? 'all are' : `${state.registered.length} are`} taken${where}: ${inTheWay
      .map((pair) => `${pair.name}${pair.managedByThisService ? '' : ' (not managed by this service)'}`)
      .join(', ')}. Delete a key pair this service does not use${where}, then ${purpose.retry}`,
    {
      details: {
        ...(state.region === undefined ? {} : { region: state.region }),
        keyPairs: inTheWay,
        slotLimit: state.slotLimit,
      },
    },
  );
}
