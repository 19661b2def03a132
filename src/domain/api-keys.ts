import { ServiceError } from './errors.js';

export const SCOPES = ['tokens:issue', 'sessions:revoke', 'keys:admin'] as const;
export type Scope = (typeof SCOPES)[number];

export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}

/** An API key as stored: only the SHA-256 of the key, never the key. */
export interface ApiKeyRecord {
  /** Public identifier, also embedded in the key itself; safe to log. */
  readonly id: string;
  readonly name?: string | undefined;
  /** Hex SHA-256 of the whole key string. */
  readonly sha256: string;
  readonly scopes: readonly Scope[];
  /** Channel-ARN patterns (`*` matches any run of characters); absent = every channel. */
  readonly channels?: readonly string[] | undefined;
  /** Overrides API_KEY_RATE_LIMIT_PER_SECOND for this key. */
  readonly rateLimitPerSecond?: number | undefined;
  readonly createdAt: string;
}

/** Who is calling, once authenticated. */
export interface Caller {
  readonly apiKeyId: string;
  readonly scopes: ReadonlySet<Scope>;
  /** Undefined = any channel. */
  readonly channelPatterns: readonly RegExp[] | undefined;
  /** Undefined = the service's default rate. */
  readonly rateLimitPerSecond?: number | undefined;
}

/**
 * Keys look like `ipa_<12 hex id>_<43 base64url secret>`: the prefix makes leaked keys easy to
 * find with secret scanners, and the id lets logs name a key without holding any secret.
 */
export const API_KEY_PREFIX = 'ipa_';
const API_KEY = /^ipa_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

export function formatApiKey(id: string, secret: string): string {
  return `${API_KEY_PREFIX}${id}_${secret}`;
}

/** The id embedded in a presented key, or undefined when it is not shaped like one of ours. */
export function apiKeyIdOf(presented: string): string | undefined {
  return API_KEY.exec(presented)?.[1];
}

const API_KEY_ID = /^(?:ipa_)?([0-9a-f]{12})$/;

/** What a command naming an API key was given: its id, a whole key (a secret), or neither. */
export type ApiKeyReference =
  | { readonly kind: 'id'; readonly id: string }
  | { readonly kind: 'whole-key'; readonly id: string }
  | { readonly kind: 'invalid' };

/**
 * Reads the argument of `api-keys revoke`: `ipa_<12 hex>` or the 12 hex characters alone name a
 * key. A whole key is recognised so the caller can refuse it without ever echoing its secret.
 */
export function parseApiKeyReference(value: string): ApiKeyReference {
  const id = API_KEY_ID.exec(value)?.[1];
  if (id !== undefined) return { kind: 'id', id };
  const wholeKeyId = apiKeyIdOf(value.trim());
  return wholeKeyId === undefined ? { kind: 'invalid' } : { kind: 'whole-key', id: wholeKeyId };
}

const CHANNEL_PATTERN = /^[a-zA-Z0-9:/*-]{1,256}$/;

/** Checks a channel pattern given to `api-keys create --channel`; throws INVALID_REQUEST. */
export function checkChannelPattern(pattern: string): string {
  if (!CHANNEL_PATTERN.test(pattern) || !pattern.startsWith('arn:')) {
    throw new ServiceError(
      'INVALID_REQUEST',
      `channel pattern "${pattern}" must be a channel ARN where * matches any characters, e.g. arn:aws:ivs:us-west-2:123456789012:channel/*`,
    );
  }
  return pattern;
}

export function compileChannelPattern(pattern: string): RegExp {
  const escaped = checkChannelPattern(pattern)
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${escaped}$`);
}

export function toCaller(record: ApiKeyRecord): Caller {
  return {
    apiKeyId: record.id,
    scopes: new Set(record.scopes),
    channelPatterns: record.channels?.map(compileChannelPattern),
    rateLimitPerSecond: record.rateLimitPerSecond,
  };
}

/** Throws INSUFFICIENT_SCOPE unless the caller holds `scope`. */
export function requireScope(caller: Caller, scope: Scope): void {
  if (!caller.scopes.has(scope)) {
    throw new ServiceError('INSUFFICIENT_SCOPE', `this API key lacks the scope ${scope}`, {
      details: { requiredScope: scope },
    });
  }
}

/** Throws CHANNEL_NOT_ALLOWED when the caller's key is limited to other channels. */
export function requireChannelAllowed(caller: Caller, channelArn: string): void {
  if (caller.channelPatterns && !caller.channelPatterns.some((pattern) => pattern.test(channelArn))) {
    throw new ServiceError('CHANNEL_NOT_ALLOWED', 'this API key may not issue tokens for that channel', {
      details: { field: 'channelArn' },
    });
  }
}
