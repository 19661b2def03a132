import { randomBytes } from 'node:crypto';
import { type ApiKeyRecord, checkChannelPattern, formatApiKey, type Scope } from '../domain/api-keys.js';
import { ServiceError } from '../domain/errors.js';
import type { ApiKeyStore, Clock } from '../domain/ports.js';
import { sha256Hex } from './api-key-authenticator.js';

export interface CreatedApiKey {
  /** The key itself: shown once to whoever created it, never stored or logged. */
  readonly key: string;
  readonly record: ApiKeyRecord;
}

/** Creates a random API key and stores only its SHA-256 digest. */
export async function createApiKey(
  deps: { readonly store: ApiKeyStore; readonly clock: Clock },
  options: {
    readonly scopes: readonly Scope[];
    readonly channels?: readonly string[] | undefined;
    readonly name?: string | undefined;
    readonly rateLimitPerSecond?: number | undefined;
  },
): Promise<CreatedApiKey> {
  if (options.scopes.length === 0)
    throw new ServiceError('INVALID_REQUEST', 'an API key needs at least one scope');
  const channels = options.channels?.map(checkChannelPattern);
  const id = randomBytes(6).toString('hex');
  const key = formatApiKey(id, randomBytes(32).toString('base64url'));
  const record: ApiKeyRecord = {
    id,
    name: options.name,
    sha256: sha256Hex(key),
    scopes: [...new Set(options.scopes)],
    channels: channels && channels.length > 0 ? channels : undefined,
    rateLimitPerSecond: options.rateLimitPerSecond,
    createdAt: deps.clock().toISOString(),
  };
  await deps.store.add(record);
  return { key, record };
}
