import { createHash, timingSafeEqual } from 'node:crypto';
import { type ApiKeyRecord, apiKeyIdOf, type Caller, toCaller } from '../domain/api-keys.js';
import { ServiceError } from '../domain/errors.js';
import type { ApiKeyStore, Logger } from '../domain/ports.js';

export interface ApiKeyAuthenticator {
  /** Resolves an `Authorization` header value; throws UNAUTHENTICATED (uniformly) otherwise. */
  authenticate(authorizationHeader: string | undefined): Caller;
  /**
   * Re-reads the key store. The first load fails with the store's own error (a corrupt file must
   * not pass for an empty one); a later failure keeps the keys loaded before and logs why.
   */
  reload(): Promise<void>;
  /** How many keys are loaded. */
  size(): number;
}

/** The SHA-256 of an API key, as stored: the only form of a key that is ever kept. */
export function sha256Hex(value: string): string {
  return sha256(value).toString('hex');
}

function sha256(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

interface Entry {
  readonly digest: Buffer;
  readonly caller: Caller;
}

// Compared against when the id is unknown, so unknown and wrong keys take the same time.
const DUMMY_DIGEST = Buffer.alloc(32);

/**
 * Keys are looked up by their public id and then compared by SHA-256 digest in constant time, so
 * neither the response nor its timing tells an attacker how close a guess was.
 */
export function createApiKeyAuthenticator(deps: {
  readonly store: ApiKeyStore;
  readonly logger: Logger;
  /** Called for every header refused as UNAUTHENTICATED (metrics; nothing about the key is passed). */
  readonly onFailure?: () => void;
}): ApiKeyAuthenticator {
  let entries = new Map<string, Entry>();
  let loaded = false;
  let lastReloadError: string | undefined;

  const unauthenticated = () => {
    deps.onFailure?.();
    return new ServiceError('UNAUTHENTICATED', 'send a valid API key as "Authorization: Bearer <key>"');
  };

  return {
    authenticate(header) {
      const match = header === undefined ? null : /^Bearer ([!-~]{1,512})$/i.exec(header);
      const presented = match?.[1];
      if (presented === undefined) throw unauthenticated();
      const id = apiKeyIdOf(presented);
      const entry = id === undefined ? undefined : entries.get(id);
      const digest = sha256(presented);
      const matches = timingSafeEqual(digest, entry?.digest ?? DUMMY_DIGEST);
      if (!entry || !matches) throw unauthenticated();
      return entry.caller;
    },

    async reload() {
      let records: readonly ApiKeyRecord[];
      try {
        records = await deps.store.list();
      } catch (error) {
        if (!loaded) throw error;
        const reason = error instanceof Error ? error.message : String(error);
        if (reason !== lastReloadError) {
          deps.logger.error({ reason }, 'could not reload API keys; keeping the keys loaded before');
          lastReloadError = reason;
        }
        return;
      }
      loaded = true;
      lastReloadError = undefined;
      const next = new Map<string, Entry>();
      for (const record of records) {
        next.set(record.id, { digest: Buffer.from(record.sha256, 'hex'), caller: toCaller(record) });
      }
      if (next.size !== entries.size || [...next.keys()].some((id) => !entries.has(id))) {
        deps.logger.info({ apiKeys: next.size, ids: [...next.keys()] }, 'API keys loaded');
      }
      entries = next;
    },

    size: () => entries.size,
  };
}
