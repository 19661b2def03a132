import { ServiceError } from '../domain/errors.js';
import { type AdoptionStep, planAdoptionStep } from '../domain/key-adoption.js';
import {
  type DrainPolicy,
  drainEndsAt,
  planRotationStep,
  type RegionState,
  type RotationStep,
} from '../domain/key-lifecycle.js';
import type {
  Clock,
  KeySet,
  KeyStore,
  Logger,
  PlaybackKeyRegistry,
  RotationLock,
  SigningBackend,
} from '../domain/ports.js';
import {
  type AdoptableKey,
  type AdoptionRole,
  adoptedKeyId,
  type NewSigningKey,
  type StoredSigningKey,
} from '../domain/signing-key.js';

export interface RotationResult {
  readonly currentKeyId: string;
  readonly previousKeyId: string | undefined;
  /** Every step taken, in order: what an operator reads to see what happened. */
  readonly steps: readonly string[];
}

/** What `keys adopt` did, and where the adopted key is now. */
export interface AdoptionResult {
  readonly keyId: string;
  readonly state: AdoptionRole;
  readonly fingerprint: string;
  readonly adoptedAt: Date;
  /** For a key adopted as previous: when it retires by itself (the janitor deletes it from IVS). */
  readonly drainEndsAt: Date | undefined;
  readonly currentKeyId: string | undefined;
  readonly previousKeyId: string | undefined;
  /** The key pair holding the key in each served region. */
  readonly regions: readonly {
    readonly region: string | undefined;
    readonly arn: string | undefined;
    readonly name: string;
  }[];
  /** Every step taken, in order; empty when the key had already been adopted so. */
  readonly steps: readonly string[];
}

/** The four steps of a Secrets Manager rotation Lambda. */
export type SecretsManagerRotationStep = 'createSecret' | 'setSecret' | 'testSecret' | 'finishSecret';

export interface KeyRotator {
  /**
   * Rotates the signing key, or finishes a rotation that was interrupted. With `emergency` the
   * previous key is deleted from IVS at once (the old key is compromised; tokens it signed stop
   * working). Throws ROTATION_IN_PROGRESS, PREVIOUS_KEY_DRAINING, NO_FREE_KEY_SLOT or
   * DEPENDENCY_UNAVAILABLE; re-running after any failure converges.
   */
  rotate(options: { readonly emergency: boolean }): Promise<RotationResult>;
  /** First start: creates, publishes and promotes a key when the store has no current key. */
  ensureCurrentKey(): Promise<RotationResult | undefined>;
  /**
   * One step of a rotation driven by Secrets Manager, on the same plan: createSecret stages the
   * pending key as version `requestToken` (after retiring a drained previous key), setSecret
   * imports it into IVS, testSecret signs and verifies with it, finishSecret promotes it. Each is
   * safe to repeat, as Secrets Manager retries.
   */
  secretsManagerStep(step: SecretsManagerRotationStep, requestToken: string): Promise<void>;
  /**
   * The janitor: deletes a previous key from IVS once it has drained (and key pairs of ours that no
   * stored key uses), without starting a rotation. Returns the steps taken; does nothing while a
   * rotation is under way or the previous key still drains.
   */
  cleanUp(): Promise<readonly string[]>;
  /**
   * Takes over a key made outside this service (docs/key-lifecycle.md, "Adopting a key"): tags the
   * IVS key pair holding it in every served region (importing it where none does), stores it, and
   * makes it current or previous (`as`; undefined: current when there is no current key, else
   * previous). Under the rotation lock, step by step like a rotation, so re-running after any
   * failure converges. Throws KEY_ALREADY_MANAGED, ADOPTION_IN_PROGRESS, ROTATION_IN_PROGRESS,
   * PREVIOUS_KEY_DRAINING, NO_FREE_KEY_SLOT or DEPENDENCY_UNAVAILABLE.
   */
  adopt(key: AdoptableKey, options: { readonly as?: AdoptionRole | undefined }): Promise<AdoptionResult>;
}

export interface KeyRotatorDeps {
  readonly store: KeyStore;
  /** One registry per served region, in IVS_REGIONS order: every key state holds in all of them. */
  readonly registries: readonly PlaybackKeyRegistry[];
  readonly lock: RotationLock;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly drainPolicy: DrainPolicy;
  readonly generateKey: (createdAt: Date) => Promise<NewSigningKey>;
  /** Signs a probe with a key and verifies it under its public half (KEY_VERIFICATION_FAILED). */
  readonly signing: Pick<SigningBackend, 'signerFor'>;
  /** Names this process in the rotation lock. */
  readonly owner: string;
  /** Called with every fresh reading of the served regions (the region coverage keeps it). */
  readonly onRegions?: (states: readonly RegionState[], listedAt: Date) => void;
  /** Called when a current or draining key missing from a region was imported again (metrics). */
  readonly onRepair?: (region: string | undefined) => void;
  /**
   * Called when a rotation asked through `rotate` ends (metrics): `code` is the error's code when it
   * failed (`INTERNAL` for anything that is not a ServiceError), absent when it completed.
   */
  readonly onRotation?: (rotation: { readonly emergency: boolean; readonly code?: string }) => void;
  /** Called after a promotion or retirement so this replica's key cache follows at once. */
  readonly onKeysChanged?: () => Promise<void>;
  /**
   * A pending key that another process staged less than this many seconds ago belongs to a
   * rotation still under way there: refuse with ROTATION_IN_PROGRESS instead of racing it. Older
   * ones are taken over (that process crashed). 0 when a cross-process lock already serialises
   * rotations (local mode's lock file).
   */
  readonly foreignPendingGraceSeconds?: number;
}

interface RunOptions {
  readonly emergency: boolean;
  /** Skip the run when the store already has a current key (first start only). */
  readonly onlyWithoutCurrentKey?: boolean;
  /** Stop before any of these steps instead of performing it (Secrets Manager's steps, the janitor). */
  readonly stopBefore?: readonly RotationStep['kind'][];
  /** The version name for a pending key staged by this run. */
  readonly requestToken?: string;
  /** Resume a pending key however recently another process staged it (the Lambda's later steps). */
  readonly takeOverPending?: boolean;
}

/** No real rotation needs more steps than this; more means the store or registry misbehaves. */
const MAX_STEPS = 12;
/** An adoption's steps: a few per served region, and possibly a whole first rotation as one. */
const MAX_ADOPTION_STEPS = 24;

export function createKeyRotator(deps: KeyRotatorDeps): KeyRotator {
  const { store, registries, lock, clock, logger, drainPolicy, generateKey, owner } = deps;
  if (registries.length === 0) throw new Error('createKeyRotator: no registry (served region) given');
  const registryOf = (region: string | undefined): PlaybackKeyRegistry => {
    const registry = registries.find((candidate) => candidate.region === region);
    if (!registry) throw new Error(`no registry serves region ${region}`);
    return registry;
  };
  const graceMs = (deps.foreignPendingGraceSeconds ?? 0) * 1000;
  /** Keys this process staged: it may always resume its own rotation at once. */
  const stagedHere = new Set<string>();

  async function withLock<T>(work: () => Promise<T>): Promise<T> {
    const release = await lock.tryAcquire(owner);
    if (!release) {
      throw new ServiceError(
        'ROTATION_IN_PROGRESS',
        'another key rotation is in progress; try again when it has finished',
        {
          retryAfterSeconds: 5,
        },
      );
    }
    try {
      return await work();
    } finally {
      await release();
    }
  }

  function refuseForeignPending(keys: KeySet, options: RunOptions): void {
    const pending = keys.pending;
    // An adoption's pending key: the plan refuses with ADOPTION_IN_PROGRESS, saying how to finish it.
    if (!pending || pending.adoptedAs || options.takeOverPending || stagedHere.has(pending.keyId)) return;
    const freshUntil = pending.createdAt.getTime() + graceMs;
    if (clock().getTime() < freshUntil) {
      throw new ServiceError(
        'ROTATION_IN_PROGRESS',
        `key ${pending.keyId} was staged by a rotation that is still under way elsewhere; try again shortly`,
        {
          retryAfterSeconds: Math.ceil((freshUntil - clock().getTime()) / 1000),
          details: { pendingKeyId: pending.keyId },
        },
      );
    }
  }

  /** Plans and performs steps until the plan says done (or `stopBefore`); see planRotationStep. */
  function run(options: RunOptions): Promise<RotationResult | undefined> {
    return withLock(() => runSteps(options));
  }

  async function runSteps(options: RunOptions): Promise<RotationResult | undefined> {
    const initial = await store.readKeys();
    if (options.onlyWithoutCurrentKey && initial.current) return undefined;
    refuseForeignPending(initial, options);
    const goal = { fromKeyId: initial.current?.keyId, emergency: options.emergency };
    const steps: string[] = [];
    for (let count = 0; count < MAX_STEPS; count++) {
      // Registry first, then store: a key is always stored before it is imported (docs/key-lifecycle.md, invariant 1),
      // so this order can never show an imported key of ours that the store does not know yet.
      // When the reading began: a key loaded after that may be missing from it (the coverage's rule).
      const listedAt = clock();
      const regions = await listRegions(registries);
      deps.onRegions?.(regions, listedAt);
      const keys = await store.readKeys();
      const step = planRotationStep({ keys, regions }, goal, clock(), drainPolicy);
      if (step.kind === 'done' || options.stopBefore?.includes(step.kind)) {
        const currentKeyId = keys.current?.keyId;
        if (step.kind === 'done') {
          logger.info(
            { currentKeyId, previousKeyId: keys.previous?.keyId, emergency: goal.emergency, steps },
            'key rotation finished',
          );
        }
        return { currentKeyId: currentKeyId ?? '', previousKeyId: keys.previous?.keyId, steps };
      }
      steps.push(await perform(step, keys.pending, options));
    }
    throw new Error(`key rotation did not converge within ${MAX_STEPS} steps`);
  }

  async function perform(
    step: Exclude<RotationStep, { kind: 'done' }>,
    pending: StoredSigningKey | undefined,
    options: RunOptions,
  ): Promise<string> {
    const now = clock();
    switch (step.kind) {
      case 'delete-unreferenced':
        await registryOf(step.region).deleteKeyPair(step.pair);
        logger.info(
          { keyPair: step.pair.name, arn: step.pair.arn, region: step.region },
          'deleted a key pair of ours that no stored key uses',
        );
        return `deleted unreferenced key pair ${step.pair.name}${inRegion(step.region)}`;
      case 'record-drain-start':
        await store.markDeactivated(step.key.keyId, now);
        return `recorded drain start of ${step.key.keyId}`;
      case 'retire-previous':
        // Every region first, then the store: a failure in one region leaves the key previous
        // (still signing nothing, still listed) and the next run deletes what is left.
        for (const { region, pair } of step.pairs) await registryOf(region).deleteKeyPair(pair);
        await store.retirePrevious(step.key.keyId, now);
        logger.info(
          { keyId: step.key.keyId, regions: step.pairs.map(({ region }) => region) },
          'retired the previous key',
        );
        await deps.onKeysChanged?.();
        return `retired ${step.key.keyId}`;
      case 'create-pending': {
        const key = await generateKey(now);
        stagedHere.add(key.keyId);
        await store.stagePending(
          key,
          options.requestToken === undefined ? {} : { requestToken: options.requestToken },
        );
        logger.info({ keyId: key.keyId, fingerprint: key.fingerprint }, 'new signing key stored as pending');
        return `created ${key.keyId}`;
      }
      case 'import-pending':
      case 'repair-missing': {
        const registry = registryOf(step.region);
        const pair = await registry.importKey({ keyId: step.key.keyId, publicKeyPem: step.key.publicKeyPem });
        if (step.kind === 'repair-missing') {
          logger.warn(
            { keyId: step.key.keyId, state: step.key.state, region: step.region, arn: pair.arn },
            'a key that must be published was missing from a region; imported it again',
          );
          deps.onRepair?.(step.region);
          return `re-imported ${step.key.keyId}${inRegion(step.region)}`;
        }
        logger.info(
          { keyId: step.key.keyId, arn: pair.arn, region: step.region, registry: registry.kind },
          'public key published',
        );
        return `imported ${step.key.keyId}${inRegion(step.region)}`;
      }
      case 'promote-pending': {
        if (!pending || pending.keyId !== step.key.keyId)
          throw new Error('pending key vanished during rotation');
        await deps.signing.signerFor(pending);
        await store.promotePending(step.key.keyId, now);
        logger.info(
          { keyId: step.key.keyId, arns: step.pairs.map(({ pair }) => pair.arn) },
          'signing key promoted to current',
        );
        await deps.onKeysChanged?.();
        return `promoted ${step.key.keyId}`;
      }
    }
  }

  async function adopt(key: AdoptableKey, requested: AdoptionRole | undefined): Promise<AdoptionResult> {
    const target = {
      keyId: adoptedKeyId(key.fingerprint),
      fingerprint: key.fingerprint,
      registryFingerprints: key.registryFingerprints,
    };
    const history = await store.listHistory();
    const steps: string[] = [];
    for (let count = 0; count < MAX_ADOPTION_STEPS; count++) {
      const listedAt = clock();
      const regions = await listRegions(registries, { foreignFingerprints: true });
      deps.onRegions?.(regions, listedAt);
      const keys = await store.readKeys();
      const step = planAdoptionStep({ keys, regions, history }, target, requested, clock(), drainPolicy);
      if (step.kind === 'done') {
        const state = step.key.state as AdoptionRole;
        const result: AdoptionResult = {
          keyId: step.key.keyId,
          state,
          fingerprint: step.key.fingerprint,
          adoptedAt: step.key.adoptedAt ?? clock(),
          drainEndsAt: state === 'previous' ? drainEndsAt(step.key, drainPolicy) : undefined,
          currentKeyId: keys.current?.keyId,
          previousKeyId: keys.previous?.keyId,
          regions: regions.flatMap((region) =>
            region.registered
              .filter((pair) => pair.keyId === step.key.keyId)
              .map((pair) => ({ region: region.region, arn: pair.arn, name: pair.name })),
          ),
          steps,
        };
        logger.info(
          {
            keyId: result.keyId,
            state,
            fingerprint: result.fingerprint,
            drainEndsAt: result.drainEndsAt?.toISOString(),
            regions: result.regions.map(({ region, arn }) => ({ region, arn })),
            steps,
          },
          steps.length === 0 ? 'key already adopted; nothing to do' : 'key adopted',
        );
        return result;
      }
      steps.push(await performAdoption(step, key, target.keyId, keys));
    }
    throw new Error(`key adoption did not converge within ${MAX_ADOPTION_STEPS} steps`);
  }

  async function performAdoption(
    step: Exclude<AdoptionStep, { kind: 'done' }>,
    key: AdoptableKey,
    keyId: string,
    keys: KeySet,
  ): Promise<string> {
    const now = clock();
    switch (step.kind) {
      case 'delete-unreferenced':
      case 'record-drain-start':
      case 'retire-previous':
        return perform(step, keys.pending, { emergency: false });
      case 'create-current-key': {
        const result = await runSteps({ emergency: false, onlyWithoutCurrentKey: true });
        return `made the service's own current key ${result?.currentKeyId ?? keys.current?.keyId ?? ''} (adopting as previous needs one)`;
      }
      case 'stage-adopted':
        // The adoption's own version name, never one a rotation uses (a rotation from the current
        // key must still find its own name free later); the SDK's retries repeat it unchanged.
        await store.stagePending(
          {
            keyId,
            fingerprint: key.fingerprint,
            publicKeyPem: key.publicKeyPem,
            privateKey: key.privateKey,
            createdAt: now,
            adoptedAt: now,
            adoptedAs: step.role,
          },
          { requestToken: `adopt-${keyId}-${now.getTime()}` },
        );
        logger.info(
          { keyId, fingerprint: key.fingerprint, adoptedAs: step.role },
          'adopted key stored as pending',
        );
        return `stored ${keyId} as pending (to become ${step.role})`;
      case 'claim-pair': {
        const pair = await registryOf(step.region).claimKeyPair(step.pair, keyId);
        return `tagged existing key pair ${pair.name || pair.arn} as ${keyId}${inRegion(step.region)}`;
      }
      case 'import-adopted': {
        const pair = await registryOf(step.region).importKey({ keyId, publicKeyPem: key.publicKeyPem });
        logger.info(
          { keyId, arn: pair.arn, region: step.region },
          'adopted public key imported (no key pair held it)',
        );
        return `imported ${keyId}${inRegion(step.region)}`;
      }
      case 'promote-adopted':
        await deps.signing.signerFor(step.key);
        await store.promotePending(step.key.keyId, now);
        logger.info(
          { keyId: step.key.keyId, previousKeyId: keys.current?.keyId },
          'adopted key promoted to current',
        );
        await deps.onKeysChanged?.();
        return `made ${step.key.keyId} current`;
      case 'settle-adopted-as-previous':
        await deps.signing.signerFor(step.key);
        await store.settlePendingAsPrevious(step.key.keyId, now);
        logger.info(
          {
            keyId: step.key.keyId,
            drainEndsAt: drainEndsAt({ deactivatedAt: now }, drainPolicy)?.toISOString(),
          },
          'adopted key settled as previous; it retires when its drain ends',
        );
        await deps.onKeysChanged?.();
        return `made ${step.key.keyId} previous (drain started)`;
    }
  }

  async function requirePending(step: SecretsManagerRotationStep): Promise<StoredSigningKey> {
    const { pending } = await store.readKeys();
    if (!pending) {
      throw new ServiceError(
        'KEY_STORE_CORRUPT',
        `${step}: no pending key; createSecret has not run for this rotation`,
      );
    }
    return pending;
  }

  return {
    async rotate({ emergency }) {
      let result: RotationResult;
      try {
        result = (await run({ emergency })) as RotationResult;
      } catch (error) {
        deps.onRotation?.({ emergency, code: error instanceof ServiceError ? error.code : 'INTERNAL' });
        throw error;
      }
      deps.onRotation?.({ emergency });
      return result;
    },
    adopt: (key, options) => withLock(() => adopt(key, options.as)),
    ensureCurrentKey: () => run({ emergency: false, onlyWithoutCurrentKey: true }),

    async cleanUp() {
      // The janitor never holds the lock while it works, so it can never make an operator's
      // rotation wait or fail; it only skips a turn while a rotation runs. Working beside one is
      // safe: it only deletes what the plan, re-derived each step, says is drained or unused.
      const release = await lock.tryAcquire(`${owner}:janitor`);
      if (!release) return [];
      await release();
      try {
        if ((await store.readKeys()).pending) return [];
        const result = await runSteps({
          emergency: false,
          stopBefore: ['create-pending', 'import-pending', 'promote-pending'],
        });
        return result?.steps ?? [];
      } catch (error) {
        if (
          error instanceof ServiceError &&
          ['PREVIOUS_KEY_DRAINING', 'ROTATION_IN_PROGRESS'].includes(error.code)
        ) {
          return [];
        }
        throw error;
      }
    },

    async secretsManagerStep(step, requestToken) {
      switch (step) {
        case 'createSecret': {
          // A repeated createSecret finds its key already staged and has nothing to do.
          if ((await store.readKeys()).pending) return;
          await run({ emergency: false, stopBefore: ['import-pending'], requestToken });
          return;
        }
        case 'setSecret':
          await requirePending(step);
          await run({ emergency: false, stopBefore: ['promote-pending'], takeOverPending: true });
          return;
        case 'testSecret': {
          const pending = await requirePending(step);
          const missing = (await listRegions(registries)).filter(
            (state) => !state.registered.some((pair) => pair.keyId === pending.keyId),
          );
          if (missing.length > 0) {
            throw new ServiceError(
              'KEY_VERIFICATION_FAILED',
              `testSecret: key ${pending.keyId} is not imported into IVS${missing.map((state) => inRegion(state.region)).join(',')}`,
            );
          }
          await deps.signing.signerFor(pending);
          return;
        }
        case 'finishSecret': {
          // A repeated finishSecret finds nothing pending: the rotation is already finished.
          if (!(await store.readKeys()).pending) return;
          await run({ emergency: false, takeOverPending: true });
          return;
        }
      }
    },
  };
}

/**
 * What every served region holds now; a region that cannot be read fails the whole snapshot. With
 * `foreignFingerprints`, foreign pairs carry the registry's fingerprint too (adoption matches on it).
 */
async function listRegions(
  registries: readonly PlaybackKeyRegistry[],
  options: { readonly foreignFingerprints?: boolean } = {},
): Promise<RegionState[]> {
  return Promise.all(
    registries.map(async (registry) => {
      const listed = await registry.list();
      const registered = options.foreignFingerprints
        ? await Promise.all(
            listed.map(async (pair) =>
              pair.keyId === undefined && pair.fingerprint === undefined
                ? { ...pair, fingerprint: await registry.fingerprintOf(pair) }
                : pair,
            ),
          )
        : listed;
      return { region: registry.region, registered, slotLimit: registry.slotLimit };
    }),
  );
}

function inRegion(region: string | undefined): string {
  return region === undefined ? '' : ` in ${region}`;
}
