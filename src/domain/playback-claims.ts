import { parseChannelArn } from './channel-arn.js';
import { ServiceError } from './errors.js';
import { checkOrigin } from './origin.js';

export const MAXIMUM_RESOLUTIONS = ['SD', 'HD', 'FULL_HD'] as const;
export type MaximumResolution = (typeof MAXIMUM_RESOLUTIONS)[number];

/** IVS refuses viewer-id and single-use tokens whose `exp` is more than 10 minutes away. */
export const VIEWER_TOKEN_MAX_TTL_SECONDS = 600;
/** With strict origin enforcement IVS accepts at most 5 origins. */
export const MAX_STRICT_ORIGINS = 5;
/** Not an IVS limit: keeps tokens (which travel in a URL) well under common URL length limits. */
export const MAX_ORIGINS = 50;
export const VIEWER_ID_MAX_LENGTH = 40;
/** The revocation API carries the version as a 32-bit signed integer. */
export const VIEWER_SESSION_VERSION_MAX = 2 ** 31 - 1;

/** What a caller asks for; every field but `channelArn` is optional. */
export interface PlaybackTokenRequest {
  readonly channelArn: string;
  readonly viewerId?: string | undefined;
  readonly viewerSessionVersion?: number | undefined;
  readonly ttlSeconds?: number | undefined;
  readonly allowedOrigins?: readonly string[] | undefined;
  readonly strictOriginEnforcement?: boolean | undefined;
  readonly singleUse?: boolean | undefined;
  readonly maximumResolution?: MaximumResolution | undefined;
  /** The viewer's address, for access policies that restrict countries; never put in a token. */
  readonly viewerIp?: string | undefined;
  /** The viewer's country (ISO 3166-1 alpha-2, e.g. from a CDN header); never put in a token. */
  readonly viewerCountry?: string | undefined;
}

/** The claims IVS documents, with their wire names. Nothing else is put in a token. */
export interface PlaybackClaims {
  'aws:channel-arn': string;
  'aws:access-control-allow-origin'?: string;
  'aws:strict-origin-enforcement'?: boolean;
  'aws:single-use-uuid'?: string;
  'aws:viewer-id'?: string;
  'aws:viewer-session-version'?: number;
  'aws:maximum-resolution'?: MaximumResolution;
  /** Unix time in seconds (not milliseconds, whatever the IVS sample code says). */
  exp: number;
}

export interface TokenPolicy {
  /** TTL used when a request names none. */
  readonly defaultTtlSeconds: number;
  /** No token lives longer than this; it also bounds how long a retired key must stay imported. */
  readonly maxTtlSeconds: number;
}

export interface ClaimsContext {
  readonly policy: TokenPolicy;
  readonly now: Date;
  /** A fresh random UUID v4 for `aws:single-use-uuid`. */
  readonly newUuid: () => string;
}

export interface BuiltClaims {
  readonly claims: PlaybackClaims;
  readonly expiresAt: Date;
}

/**
 * Turns a request into exactly the claims IVS expects, or throws a ServiceError whose code names
 * the broken rule. It never adjusts a value the caller chose: a TTL that is too long is refused,
 * not shortened. `false` for `strictOriginEnforcement` and `singleUse` are the IVS defaults and add
 * no claim.
 */
export function buildPlaybackClaims(request: PlaybackTokenRequest, context: ClaimsContext): BuiltClaims {
  const claims: PlaybackClaims = { 'aws:channel-arn': checkChannelArn(request.channelArn), exp: 0 };

  if (request.viewerId !== undefined) claims['aws:viewer-id'] = checkViewerId(request.viewerId);
  if (request.viewerSessionVersion !== undefined) {
    if (request.viewerId === undefined) {
      throw new ServiceError(
        'VIEWER_SESSION_VERSION_WITHOUT_VIEWER_ID',
        'viewerSessionVersion is only meaningful together with viewerId',
        { details: { field: 'viewerSessionVersion' } },
      );
    }
    claims['aws:viewer-session-version'] = checkViewerSessionVersion(request.viewerSessionVersion);
  }

  const origins = checkOrigins(request.allowedOrigins ?? []);
  if (origins.length > 0) claims['aws:access-control-allow-origin'] = origins.join(',');
  if (request.strictOriginEnforcement !== undefined && typeof request.strictOriginEnforcement !== 'boolean') {
    throw invalidRequest('strictOriginEnforcement', 'strictOriginEnforcement must be true or false');
  }
  if (request.strictOriginEnforcement === true) {
    if (origins.length === 0) {
      throw new ServiceError(
        'STRICT_ORIGIN_WITHOUT_ORIGINS',
        'strictOriginEnforcement needs at least one entry in allowedOrigins',
        { details: { field: 'strictOriginEnforcement' } },
      );
    }
    if (origins.length > MAX_STRICT_ORIGINS) {
      throw new ServiceError(
        'TOO_MANY_STRICT_ORIGINS',
        `strictOriginEnforcement allows at most ${MAX_STRICT_ORIGINS} allowedOrigins; got ${origins.length}`,
        { details: { field: 'allowedOrigins', limit: MAX_STRICT_ORIGINS } },
      );
    }
    claims['aws:strict-origin-enforcement'] = true;
  }

  if (request.singleUse !== undefined && typeof request.singleUse !== 'boolean') {
    throw invalidRequest('singleUse', 'singleUse must be true or false');
  }
  if (request.singleUse === true) claims['aws:single-use-uuid'] = context.newUuid();

  if (request.maximumResolution !== undefined) {
    if (!MAXIMUM_RESOLUTIONS.includes(request.maximumResolution)) {
      throw new ServiceError(
        'INVALID_MAXIMUM_RESOLUTION',
        `maximumResolution must be one of ${MAXIMUM_RESOLUTIONS.join(', ')}`,
        { details: { field: 'maximumResolution', allowed: [...MAXIMUM_RESOLUTIONS] } },
      );
    }
    claims['aws:maximum-resolution'] = request.maximumResolution;
  }

  const ttlSeconds = checkTtl(request, context.policy);
  claims.exp = Math.floor(context.now.getTime() / 1000) + ttlSeconds;
  return { claims, expiresAt: new Date(claims.exp * 1000) };
}

/** Throws INVALID_CHANNEL_ARN unless `value` is an IVS channel ARN. */
export function checkChannelArn(value: unknown): string {
  if (typeof value !== 'string' || parseChannelArn(value) === undefined) {
    throw new ServiceError(
      'INVALID_CHANNEL_ARN',
      'channelArn must be an IVS channel ARN: arn:aws:ivs:<region>:<account>:channel/<id>, at most 128 characters',
      { details: { field: 'channelArn' } },
    );
  }
  return value;
}

// C0 and C1 control characters and DEL: they have no place in an identifier and break log lines.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f]/;
const LONE_SURROGATE = /\p{Surrogate}/u;

/** Throws INVALID_VIEWER_ID unless `value` is an IVS viewer id. */
export function checkViewerId(value: unknown): string {
  // Counted in Unicode code points, as the IVS model's length constraint is.
  const length = typeof value === 'string' ? [...value].length : 0;
  if (
    typeof value !== 'string' ||
    length < 1 ||
    length > VIEWER_ID_MAX_LENGTH ||
    CONTROL_CHARACTER.test(value) ||
    LONE_SURROGATE.test(value)
  ) {
    throw new ServiceError(
      'INVALID_VIEWER_ID',
      `viewerId must be 1-${VIEWER_ID_MAX_LENGTH} characters without control characters (and should carry no personal data)`,
      { details: { field: 'viewerId', maxLength: VIEWER_ID_MAX_LENGTH } },
    );
  }
  return value;
}

/** Throws INVALID_VIEWER_SESSION_VERSION unless `value` is an integer 0…2^31−1. */
export function checkViewerSessionVersion(value: unknown): number {
  if (!Number.isInteger(value) || (value as number) < 0 || (value as number) > VIEWER_SESSION_VERSION_MAX) {
    throw new ServiceError(
      'INVALID_VIEWER_SESSION_VERSION',
      `viewerSessionVersion must be an integer from 0 to ${VIEWER_SESSION_VERSION_MAX}`,
      { details: { field: 'viewerSessionVersion', minimum: 0, maximum: VIEWER_SESSION_VERSION_MAX } },
    );
  }
  return value as number;
}

function checkOrigins(values: readonly unknown[]): string[] {
  if (!Array.isArray(values))
    throw invalidRequest('allowedOrigins', 'allowedOrigins must be an array of origins');
  if (values.length > MAX_ORIGINS) {
    throw new ServiceError('TOO_MANY_ORIGINS', `allowedOrigins holds at most ${MAX_ORIGINS} origins`, {
      details: { field: 'allowedOrigins', limit: MAX_ORIGINS },
    });
  }
  // Every origin is checked before looking for repeats, so a malformed origin is reported as such
  // wherever it stands. Array.from, not map: map skips the holes of a sparse array and join would
  // emit empty origins.
  const origins = Array.from(values, (value, index) => {
    const field = `allowedOrigins[${index}]`;
    const check =
      typeof value === 'string' ? checkOrigin(value) : { ok: false as const, reason: 'must be a string' };
    if (!check.ok) {
      throw new ServiceError('INVALID_ORIGIN', `${field} ${check.reason}`, { details: { field } });
    }
    return check.origin;
  });
  origins.forEach((origin, index) => {
    const first = origins.indexOf(origin);
    if (first !== index) {
      const field = `allowedOrigins[${index}]`;
      throw new ServiceError('DUPLICATE_ORIGIN', `${field} repeats allowedOrigins[${first}] (${origin})`, {
        details: { field },
      });
    }
  });
  return origins;
}

function checkTtl(request: PlaybackTokenRequest, policy: TokenPolicy): number {
  const requested = request.ttlSeconds;
  if (requested !== undefined && (!Number.isInteger(requested) || requested < 1)) {
    throw new ServiceError('INVALID_TTL', 'ttlSeconds must be a whole number of seconds, at least 1', {
      details: { field: 'ttlSeconds' },
    });
  }
  const isViewerToken = request.viewerId !== undefined || request.singleUse === true;
  const viewerLimit = Math.min(VIEWER_TOKEN_MAX_TTL_SECONDS, policy.maxTtlSeconds);
  // Without an explicit TTL a viewer token gets the default, capped to what IVS allows: the caller
  // did not choose a TTL, so nothing they asked for is changed.
  const ttl =
    requested ?? (isViewerToken ? Math.min(policy.defaultTtlSeconds, viewerLimit) : policy.defaultTtlSeconds);
  if (ttl > policy.maxTtlSeconds) {
    throw new ServiceError('TTL_ABOVE_MAXIMUM', `ttlSeconds may be at most ${policy.maxTtlSeconds}`, {
      details: { field: 'ttlSeconds', maximum: policy.maxTtlSeconds },
    });
  }
  if (isViewerToken && ttl > VIEWER_TOKEN_MAX_TTL_SECONDS) {
    throw new ServiceError(
      'TTL_ABOVE_VIEWER_LIMIT',
      `IVS accepts viewerId and singleUse tokens only when they expire within ${VIEWER_TOKEN_MAX_TTL_SECONDS} seconds; ttlSeconds may be at most ${VIEWER_TOKEN_MAX_TTL_SECONDS}`,
      { details: { field: 'ttlSeconds', maximum: VIEWER_TOKEN_MAX_TTL_SECONDS } },
    );
  }
  return ttl;
}

function invalidRequest(field: string, message: string): ServiceError {
  return new ServiceError('INVALID_REQUEST', message, { details: { field } });
}
