import type { PlaybackClaims } from './playback-claims.js';

export interface TokenReusePolicy {
  /** Width of an expiry bucket; tokens for identical claims expiring in one bucket are one token. */
  readonly bucketSeconds: number;
  /** No token may live longer than this from now (the drain period of a retired key relies on it). */
  readonly maxTtlSeconds: number;
}

/**
 * The expiry under which a token for `claims` may be shared with other requests for the same
 * claims, or undefined when it must be signed for this request alone.
 *
 * Claims that name a viewer or carry a single-use id describe one playback and are never shared.
 * Other claims get `exp` rounded up to the next multiple of `bucketSeconds`: every request whose
 * expiry falls in one bucket gets the same token, which lives at least as long as each asked and
 * less than `bucketSeconds` longer. A rounded expiry beyond `maxTtlSeconds` from now is not allowed,
 * so such a request is signed as asked.
 */
export function reusableExpiry(
  claims: PlaybackClaims,
  nowSeconds: number,
  policy: TokenReusePolicy,
): number | undefined {
  if (claims['aws:viewer-id'] !== undefined || claims['aws:single-use-uuid'] !== undefined) return undefined;
  const exp = Math.ceil(claims.exp / policy.bucketSeconds) * policy.bucketSeconds;
  return exp - nowSeconds <= policy.maxTtlSeconds ? exp : undefined;
}
