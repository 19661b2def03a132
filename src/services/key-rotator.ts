import { importPKCS8, importSPKI, jwtVerify, SignJWT } from 'jose';
import { ServiceError } from '../domain/errors.js';
import { type DrainPolicy, planRotationStep, type RotationStep } from '../domain/key-lifecycle.js';
import type { Clock, KeyStore, Logger, PlaybackKeyRegistry, RotationLock } from '../domain/ports.js';
import type { NewSigningKey, StoredSigningKey } from '../domain/signing-key.js';

export interface RotationResult {
  readonly currentKeyId: string;
  readonly previousKeyId: string | undefined;
  /** Every step taken, in order: what an operator reads to see what happened. */
  readonly steps: readonly string[];
}

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
}

export interface KeyRotatorDeps {
  readonly store: KeyStore;
  readonly registry: PlaybackKeyRegistry;
  readonly lock: RotationLock;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly drainPolicy: DrainPolicy;
  readonly generateKey: (createdAt: Date) => Promise<NewSigningKey>;
  /** Names this process in the rotation lock. */
  readonly owner: string;
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

/** No real rotation needs more steps than this; more means the store or registry misbehaves. */
const MAX_STEPS = 12;

export function createKeyRotator(deps: KeyRotatorDeps): KeyRotator {
  const { store, registry, lock, clock, logger, drainPolicy, generateKey, owner } = deps;
  const graceMs = (deps.foreignPendingGraceSeconds ?? 0) * 1000;
  /** Keys this process staged: it may always resume its own rotation at once. */
  const stagedHere = new Set<string>();

  async function run(
    goalFor: (
      currentKeyId: string | undefined,
    ) => { fromKeyId: string | undefined; emergency: boolean } | undefined,
  ) {
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
      const initial = await store.readKeys();
      const goal = goalFor(initial.current?.keyId);
      if (!goal) return undefined;
      const pending = initial.pending;
      if (
        pending &&
        !stagedHere.has(pending.keyId) &&
        clock().getTime() - pending.createdAt.getTime() < graceMs
      ) {
        throw new ServiceError(
          'ROTATION_IN_PROGRESS',
          `key ${pending.keyId} was staged by a rotation that is still under way elsewhere; try again shortly`,
          {
            retryAfterSeconds: Math.ceil((pending.createdAt.getTime() + graceMs - clock().getTime()) / 1000),
            details: { pendingKeyId: pending.keyId },
          },
        );
      }
      const steps: string[] = [];
      for (let count = 0; count < MAX_STEPS; count++) {
        // Registry first, then store: a key is always stored before it is imported (invariant 1),
        // so this order can never show an imported key of ours that the store does not know yet.
        const registered = await registry.list();
        const keys = await store.readKeys();
        const step = planRotationStep(
          { keys, registered, slotLimit: registry.slotLimit },
          goal,
          clock(),
          drainPolicy,
        );
        if (step.kind === 'done') {
          const currentKeyId = keys.current?.keyId;
          if (!currentKeyId) throw new Error('rotation finished without a current key');
          logger.info(
            { currentKeyId, previousKeyId: keys.previous?.keyId, emergency: goal.emergency, steps },
            'key rotation finished',
          );
          return { currentKeyId, previousKeyId: keys.previous?.keyId, steps };
        }
        steps.push(await perform(step, keys.pending));
      }
      throw new Error(`key rotation did not converge within ${MAX_STEPS} steps`);
    } finally {
      await release();
    }
  }

  async function perform(
    step: Exclude<RotationStep, { kind: 'done' }>,
    pending: StoredSigningKey | undefined,
  ): Promise<string> {
    const now = clock();
    switch (step.kind) {
      case 'delete-unreferenced':
        await registry.deleteKeyPair(step.pair);
        logger.info(
          { keyPair: step.pair.name, arn: step.pair.arn },
          'deleted a key pair of ours that no stored key uses',
        );
        return `deleted unreferenced key pair ${step.pair.name}`;
      case 'record-drain-start':
        await store.markDeactivated(step.key.keyId, now);
        return `recorded drain start of ${step.key.keyId}`;
      case 'retire-previous':
        if (step.pair) await registry.deleteKeyPair(step.pair);
        await store.retirePrevious(step.key.keyId, now);
        logger.info({ keyId: step.key.keyId }, 'retired the previous key');
        await deps.onKeysChanged?.();
        return `retired ${step.key.keyId}`;
      case 'create-pending': {
        const key = await generateKey(now);
        stagedHere.add(key.keyId);
        await store.stagePending(key);
        logger.info({ keyId: key.keyId, fingerprint: key.fingerprint }, 'new signing key stored as pending');
        return `created ${key.keyId}`;
      }
      case 'import-pending': {
        const pair = await registry.importKey({ keyId: step.key.keyId, publicKeyPem: step.key.publicKeyPem });
        logger.info(
          { keyId: step.key.keyId, arn: pair.arn, registry: registry.kind },
          'public key published',
        );
        return `imported ${step.key.keyId}`;
      }
      case 'promote-pending': {
        if (!pending || pending.keyId !== step.key.keyId)
          throw new Error('pending key vanished during rotation');
        await verifyKeyPair(pending);
        await store.promotePending(step.key.keyId, now);
        logger.info({ keyId: step.key.keyId, arn: step.pair.arn }, 'signing key promoted to current');
        await deps.onKeysChanged?.();
        return `promoted ${step.key.keyId}`;
      }
    }
  }

  return {
    rotate: ({ emergency }) =>
      run((currentKeyId) => ({ fromKeyId: currentKeyId, emergency })) as Promise<RotationResult>,
    ensureCurrentKey: () =>
      run((currentKeyId) => (currentKeyId ? undefined : { fromKeyId: undefined, emergency: false })),
  };
}

/** Signs a probe token with the private key and verifies it with the public key that was published. */
async function verifyKeyPair(key: StoredSigningKey): Promise<void> {
  try {
    const privateKey = await importPKCS8(key.privateKey.reveal(), 'ES384');
    const publicKey = await importSPKI(key.publicKeyPem, 'ES384');
    const probe = await new SignJWT({ probe: key.keyId })
      .setProtectedHeader({ alg: 'ES384', typ: 'JWT' })
      .sign(privateKey);
    await jwtVerify(probe, publicKey, { algorithms: ['ES384'] });
  } catch (error) {
    throw new ServiceError(
      'KEY_VERIFICATION_FAILED',
      `key ${key.keyId}: the private key does not match the published public key`,
      {
        cause: error,
      },
    );
  }
}
