import { ServiceError } from './errors.js';
import {
  type DrainPolicy,
  drainEndsAt,
  isUnreferencedPairOfOurs,
  previousKeyDraining,
  type RegionState,
  type RotationSnapshot,
  type RotationStep,
  requireDistinctStates,
  requireFreeSlot,
  storedKeyIds,
} from './key-lifecycle.js';
import type { RegisteredKeyPair } from './ports.js';
import {
  type AdoptionRole,
  registryFingerprintMatches,
  type SigningKeyInfo,
  type StoredSigningKey,
} from './signing-key.js';

/** The key being adopted, as the plan needs it (never its private half). */
export interface AdoptionTarget {
  /** `adoptedKeyId(fingerprint)`: the same on every run, so a re-run finds what an earlier one did. */
  readonly keyId: string;
  readonly fingerprint: string;
  /** The forms a registry may show its fingerprint in (see AdoptableKey). */
  readonly registryFingerprints: readonly string[];
}

export interface AdoptionSnapshot extends RotationSnapshot {
  /**
   * Every key the store ever held, retired ones included. Each region's `registered` pairs carry
   * the registry's fingerprint, foreign ones too, so the plan can tell which pair holds the key.
   */
  readonly history: readonly SigningKeyInfo[];
}

/** The next single step of an adoption; the performer does it, takes a new snapshot and asks again. */
export type AdoptionStep =
  /** The rotation's own clean-up steps, done first so the adopted key finds the slots it needs. */
  | Extract<RotationStep, { kind: 'delete-unreferenced' | 'record-drain-start' | 'retire-previous' }>
  /** Adopting as previous needs a current key: the service's own first key is made (a rotation). */
  | { readonly kind: 'create-current-key' }
  | { readonly kind: 'stage-adopted'; readonly role: AdoptionRole }
  | { readonly kind: 'claim-pair'; readonly region: string | undefined; readonly pair: RegisteredKeyPair }
  | { readonly kind: 'import-adopted'; readonly region: string | undefined }
  | { readonly kind: 'promote-adopted'; readonly key: StoredSigningKey }
  | { readonly kind: 'settle-adopted-as-previous'; readonly key: StoredSigningKey }
  | { readonly kind: 'done'; readonly key: SigningKeyInfo };

const RETRY = 'run `keys adopt` again';

/**
 * The adoption plan (docs/key-lifecycle.md, "Adopting a key"), a pure function of what the store
 * and every served region hold now, like the rotation plan, so an adoption interrupted anywhere
 * finishes when run again:
 *
 * 1. a key the store already holds is refused (KEY_ALREADY_MANAGED), unless it is this adoption,
 *    finished: then there is nothing to do;
 * 2. a pending key of a rotation or another adoption is in the way (ROTATION_IN_PROGRESS /
 *    ADOPTION_IN_PROGRESS);
 * 3. before anything is stored: leftovers of ours are deleted; the store's one previous place must
 *    be free (a drained previous key is retired, one still draining refuses); every region that
 *    lacks the key must have a free slot (NO_FREE_KEY_SLOT) — so a refusal changes nothing;
 *    adopting as previous without a current key first makes the service's own key;
 * 4. the key is stored as pending, marked with the state it is headed for (invariant 1);
 * 5. in each region, the key pair that already holds the key (found by fingerprint) is tagged as
 *    ours, or the key is imported where no pair holds it (invariant 4: nothing foreign is deleted);
 * 6. once every region holds it: promoted to current, or settled as previous with its drain clock
 *    starting now (invariants 2, 3).
 *
 * `requested` is the state asked for; undefined chooses: current when the store has no current
 * key, else previous (the safe choice: the service's own key keeps signing).
 */
export function planAdoptionStep(
  snapshot: AdoptionSnapshot,
  target: AdoptionTarget,
  requested: AdoptionRole | undefined,
  now: Date,
  policy: DrainPolicy,
): AdoptionStep {
  const { keys, regions, history } = snapshot;
  requireDistinctStates(keys);
  const isTarget = (key: SigningKeyInfo) =>
    key.keyId === target.keyId || key.fingerprint === target.fingerprint;

  for (const key of [keys.current, keys.previous]) {
    if (!key || !isTarget(key)) continue;
    if (key.keyId === target.keyId && key.adoptedAt && (requested ?? key.state) === key.state) {
      return { kind: 'done', key };
    }
    throw alreadyManaged(key, requested);
  }
  // A retired key that once served (after an emergency, a compromised one) never comes back. A
  // version that never served (an adoption that lost its pending place to a rotation on another
  // replica) is no reason to refuse.
  const retired = history.find(
    (key) =>
      key.state === 'retired' &&
      isTarget(key) &&
      (key.activatedAt !== undefined || key.deactivatedAt !== undefined || key.retiredAt !== undefined),
  );
  if (retired) throw alreadyManaged(retired, requested);

  const pending = keys.pending;
  const adopting = pending && isTarget(pending) ? pending : undefined;
  if (adopting && (adopting.keyId !== target.keyId || !adopting.adoptedAs))
    throw alreadyManaged(adopting, requested);
  const role: AdoptionRole = adopting?.adoptedAs ?? requested ?? (keys.current ? 'previous' : 'current');
  if (adopting && requested && requested !== adopting.adoptedAs) {
    throw new ServiceError(
      'ADOPTION_IN_PROGRESS',
      `key ${adopting.keyId} is already being adopted as ${adopting.adoptedAs}; run \`keys adopt\` again with --as ${adopting.adoptedAs} (or without --as) to finish that adoption`,
      { details: { pendingKeyId: adopting.keyId, adoptedAs: adopting.adoptedAs } },
    );
  }
  const holds = (pair: RegisteredKeyPair) =>
    pair.keyId === target.keyId || registryFingerprintMatches(pair.fingerprint, target.registryFingerprints);
  const lacking = regions.filter((state) => !state.registered.some(holds));

  if (!adopting) {
    if (pending && !(role === 'previous' && !keys.current && !pending.adoptedAs)) {
      throw pending.adoptedAs
        ? new ServiceError(
            'ADOPTION_IN_PROGRESS',
            `key ${pending.keyId} is being adopted (as ${pending.adoptedAs}); finish that adoption by running \`keys adopt\` again with its private key, then adopt this one`,
            { retryAfterSeconds: 5, details: { pendingKeyId: pending.keyId, adoptedAs: pending.adoptedAs } },
          )
        : new ServiceError(
            'ROTATION_IN_PROGRESS',
            `key ${pending.keyId} is pending: a rotation is under way or was interrupted; finish it with \`keys rotate\`, then ${RETRY}`,
            { retryAfterSeconds: 5, details: { pendingKeyId: pending.keyId } },
          );
    }
    const referenced = storedKeyIds(keys);
    for (const state of regions) {
      const pair = state.registered.find(
        (candidate) => isUnreferencedPairOfOurs(candidate, referenced) && !holds(candidate),
      );
      if (pair) return { kind: 'delete-unreferenced', region: state.region, pair };
    }
    if (role === 'previous' && !keys.current) {
      // The service's own key, then the adopted one: both must fit, or neither is made.
      for (const state of regions) {
        const ownKeyThere =
          pending !== undefined && state.registered.some((pair) => pair.keyId === pending.keyId);
        requireAdoptionSlots(state, { adopted: lacking.includes(state), own: !ownKeyThere });
      }
      return { kind: 'create-current-key' };
    }
    const making = previousPlaceStep(snapshot, role, now, policy);
    if (making) return making;
    for (const state of lacking) requireAdoptionSlots(state, { adopted: true, own: false });
    return { kind: 'stage-adopted', role };
  }

  for (const state of regions) {
    if (state.registered.some((pair) => pair.keyId === target.keyId)) continue;
    const holder = state.registered.find(holds);
    if (holder) return { kind: 'claim-pair', region: state.region, pair: holder };
    requireAdoptionSlots(state, { adopted: true, own: false });
    return { kind: 'import-adopted', region: state.region };
  }
  const making = previousPlaceStep(snapshot, role, now, policy);
  if (making) return making;
  if (role === 'current') return { kind: 'promote-adopted', key: adopting };
  if (!keys.current) {
    throw new ServiceError(
      'NO_SIGNING_KEY',
      `key ${adopting.keyId} is being adopted as previous, but the store has no current key to sign with; run \`keys rotate\`, then ${RETRY}`,
      { retryAfterSeconds: 5 },
    );
  }
  return { kind: 'settle-adopted-as-previous', key: adopting };
}

/**
 * The store keeps one previous key. Adopting as previous takes that place; adopting as current
 * moves the current key into it. So a previous key must go first: retired once drained (invariant
 * 3), its drain start recorded when unknown, and a key still draining refuses the adoption.
 */
function previousPlaceStep(
  snapshot: AdoptionSnapshot,
  role: AdoptionRole,
  now: Date,
  policy: DrainPolicy,
): AdoptionStep | undefined {
  const { keys, regions } = snapshot;
  const previous = keys.previous;
  if (!previous) return undefined;
  const endsAt = drainEndsAt(previous, policy);
  if (!endsAt) return { kind: 'record-drain-start', key: previous };
  if (endsAt > now) {
    throw previousKeyDraining(
      keys,
      endsAt,
      now,
      `adopting a key as ${role} needs its place, so adopt after that (nothing was changed)`,
    );
  }
  const pairs = regions.flatMap((state) => {
    const pair = state.registered.find((candidate) => candidate.keyId === previous.keyId);
    return pair ? [{ region: state.region, pair }] : [];
  });
  return { kind: 'retire-previous', key: previous, pairs };
}

/** Room for the adopted key where no pair holds it, and for the service's own first key. */
function requireAdoptionSlots(
  state: RegionState,
  needs: { readonly adopted: boolean; readonly own: boolean },
): void {
  const needed = (needs.adopted ? 1 : 0) + (needs.own ? 1 : 0);
  if (needed === 0) return;
  const where = state.region === undefined ? 'the registry' : state.region;
  const why = needs.adopted
    ? `no key pair in ${where} holds this key, so it must be imported there${needs.own ? ', and so must the service’s own first key (adopting as previous needs a current key)' : ''}; `
    : `adopting as previous needs a current key, so the service’s own first key must be imported into ${where}; `;
  requireFreeSlot(state, needed, { why, retry: RETRY });
}

function alreadyManaged(key: SigningKeyInfo, requested: AdoptionRole | undefined): ServiceError {
  const adopted = key.adoptedAt
    ? ` (adopted ${key.adoptedAt.toISOString()} as ${key.adoptedAs ?? key.state})`
    : '';
  const why =
    key.state === 'retired'
      ? 'it was retired, and a retired key is never brought back (its tokens were meant to stop playing)'
      : key.state === 'pending'
        ? 'a rotation staged it; finish that with `keys rotate`'
        : requested !== undefined && requested !== key.state
          ? `a managed key changes state only by rotation, never by adopting it again as ${requested}`
          : 'nothing to adopt';
  return new ServiceError(
    'KEY_ALREADY_MANAGED',
    `this key is already managed by this service as ${key.state} key ${key.keyId}${adopted}: ${why}`,
    {
      details: {
        keyId: key.keyId,
        state: key.state,
        ...(key.adoptedAt ? { adoptedAt: key.adoptedAt.toISOString() } : {}),
      },
    },
  );
}
