import { exportJWK, importSPKI, type JWK } from 'jose';
import { isServiceError, ServiceError } from '../domain/errors.js';
import type { Clock, Es384Signer, KeyStore, Logger, SigningBackend } from '../domain/ports.js';
import type { SigningKeyInfo, StoredSigningKey } from '../domain/signing-key.js';

/** The current key, ready to sign: parsed and handed to the signer once, never per request. */
export interface SigningKey extends Es384Signer {
  readonly keyId: string;
  /** When this replica loaded it as its current key (its own clock). */
  readonly loadedAt: Date;
}

export interface KeyCacheStatus {
  readonly currentKeyId: string | undefined;
  readonly previousKeyId: string | undefined;
  readonly currentKeyCreatedAt: Date | undefined;
  /** When the previous key stopped being current (its drain started); undefined when unrecorded. */
  readonly previousKeyDeactivatedAt: Date | undefined;
  /** When the pending key was created: a rotation under way, or one that stopped half-way. */
  readonly pendingKeyCreatedAt: Date | undefined;
  /** When this replica loaded the current key (its own clock). */
  readonly currentKeyLoadedAt: Date | undefined;
  readonly lastRefreshAt: Date | undefined;
  readonly lastRefreshFailed: boolean;
  /** Why the last attempt to read the keys failed; undefined once one succeeds. */
  readonly lastFailure: KeyReadFailure | undefined;
  /** Seconds since the last successful refresh (undefined before the first). */
  readonly stalenessSeconds: number | undefined;
  /** True while a current key is loaded and recent enough to sign with. */
  readonly ready: boolean;
}

/**
 * A failed attempt to read or create the signing keys, as operators may see it (`/readyz`, logs):
 * the stable code, our own message, and for AWS the operation and the SDK error's name — never
 * the SDK's text.
 */
export interface KeyReadFailure {
  readonly code: string;
  readonly message: string;
  readonly operation?: string;
  readonly awsError?: string;
  readonly at: Date;
}

export interface KeyCache {
  /** The key to sign with now; throws NO_SIGNING_KEY when none is loaded or it is too stale. */
  signingKey(): SigningKey;
  /** Public keys of current and previous, as a JWKS (`kid` = key id). */
  jwks(): { readonly keys: readonly JWK[] };
  status(): KeyCacheStatus;
  /** Re-reads the store. On failure it keeps the keys it has, records why, and rethrows. */
  refresh(): Promise<void>;
  /** Records a failure to read or create the keys outside refresh (the first key at start). */
  recordFailure(error: unknown): void;
}

export interface KeyCacheDeps {
  readonly store: KeyStore;
  readonly clock: Clock;
  readonly logger: Logger;
  /**
   * How long a replica keeps signing with keys it could not re-read (store outage). Part of the
   * drain period, so a previous key outlives every replica that might still sign with it.
   */
  readonly maxStalenessSeconds: number;
  /** The signature implementation (SIGNER), chosen once at start. */
  readonly signing: SigningBackend;
}

interface LoadedKey {
  readonly info: SigningKeyInfo;
  readonly signing: SigningKey;
  readonly jwk: JWK;
}

/**
 * Holds the current and previous keys in memory, so a token costs one signature and nothing else.
 * Private keys are parsed only when the current key changes.
 */
export function createKeyCache(deps: KeyCacheDeps): KeyCache {
  const { store, clock, logger, maxStalenessSeconds, signing } = deps;
  let current: LoadedKey | undefined;
  let previous: { info: SigningKeyInfo; jwk: JWK } | undefined;
  // Only when it was created: the pending key's private half has no business in this cache.
  let pendingCreatedAt: Date | undefined;
  let lastRefreshAt: Date | undefined;
  let lastFailure: KeyReadFailure | undefined;

  const stalenessSeconds = () =>
    lastRefreshAt === undefined ? undefined : (clock().getTime() - lastRefreshAt.getTime()) / 1000;

  async function load(key: StoredSigningKey): Promise<LoadedKey> {
    if (current?.info.keyId === key.keyId) return { ...current, info: key };
    const signer = await signing.signerFor(key).catch((error: unknown) => {
      // A stored key whose halves do not match is a corrupt store: never sign with it.
      if (isServiceError(error) && error.code === 'KEY_VERIFICATION_FAILED') {
        throw new ServiceError('KEY_STORE_CORRUPT', `${error.message}; refusing to sign with it`, {
          cause: error,
        });
      }
      throw error;
    });
    const sign = signer.sign.bind(signer);
    return {
      info: key,
      signing: { keyId: key.keyId, loadedAt: clock(), sign },
      jwk: await publicJwk(key),
    };
  }

  return {
    signingKey() {
      const staleness = stalenessSeconds();
      if (!current || staleness === undefined) {
        throw new ServiceError('NO_SIGNING_KEY', 'no signing key is loaded yet', { retryAfterSeconds: 5 });
      }
      if (staleness > maxStalenessSeconds) {
        throw new ServiceError(
          'NO_SIGNING_KEY',
          'the signing key could not be re-read from the key store for too long; refusing to sign with a key that may have been rotated away',
          { retryAfterSeconds: 10 },
        );
      }
      return current.signing;
    },

    jwks() {
      return { keys: [current?.jwk, previous?.jwk].filter((jwk): jwk is JWK => jwk !== undefined) };
    },

    status() {
      const staleness = stalenessSeconds();
      return {
        currentKeyId: current?.info.keyId,
        previousKeyId: previous?.info.keyId,
        currentKeyCreatedAt: current?.info.createdAt,
        previousKeyDeactivatedAt: previous?.info.deactivatedAt,
        pendingKeyCreatedAt: pendingCreatedAt,
        currentKeyLoadedAt: current?.signing.loadedAt,
        lastRefreshAt,
        lastRefreshFailed: lastFailure !== undefined,
        lastFailure,
        stalenessSeconds: staleness,
        ready: current !== undefined && staleness !== undefined && staleness <= maxStalenessSeconds,
      };
    },

    async refresh() {
      try {
        const keys = await store.readKeys();
        const nextCurrent = keys.current ? await load(keys.current) : undefined;
        const nextPrevious = keys.previous
          ? {
              info: keys.previous,
              jwk:
                previous?.info.keyId === keys.previous.keyId ? previous.jwk : await publicJwk(keys.previous),
            }
          : undefined;
        if (nextCurrent?.info.keyId !== current?.info.keyId) {
          // Loading the first key is routine (every start, every CLI call); a change is an event.
          if (current === undefined) logger.debug({ keyId: nextCurrent?.info.keyId }, 'signing key loaded');
          else
            logger.info(
              { keyId: nextCurrent?.info.keyId, previousKeyId: current.info.keyId },
              'signing key changed',
            );
        }
        current = nextCurrent;
        previous = nextPrevious;
        pendingCreatedAt = keys.pending?.createdAt;
        lastRefreshAt = clock();
        lastFailure = undefined;
      } catch (error) {
        lastFailure = describeFailure(error, clock());
        throw error;
      }
    },

    recordFailure(error) {
      lastFailure = describeFailure(error, clock());
    },
  };
}

function describeFailure(error: unknown, at: Date): KeyReadFailure {
  if (!isServiceError(error)) {
    return { code: 'INTERNAL', message: 'an unexpected error; the service log has it', at };
  }
  const { operation, awsError } = error.details ?? {};
  return {
    code: error.code,
    message: error.message,
    ...(typeof operation === 'string' ? { operation } : {}),
    ...(typeof awsError === 'string' ? { awsError } : {}),
    at,
  };
}

async function publicJwk(key: SigningKeyInfo): Promise<JWK> {
  const publicKey = await importSPKI(key.publicKeyPem, 'ES384', { extractable: true });
  const { kty, crv, x, y } = await exportJWK(publicKey);
  return { kty, crv, x, y, kid: key.keyId, alg: 'ES384', use: 'sig' } as JWK;
}
