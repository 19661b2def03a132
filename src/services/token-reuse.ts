import type { PlaybackClaims } from '../domain/playback-claims.js';
import { reusableExpiry, type TokenReusePolicy } from '../domain/token-reuse.js';

export interface ReusableToken {
  readonly token: Promise<string>;
  /** The token's `exp` (Unix seconds): the requested one, or rounded up when the token is shared. */
  readonly exp: number;
  /** True when an identical token signed (or being signed) for an earlier request is handed out. */
  readonly reused: boolean;
}

export interface TokenReuse {
  /**
   * Returns the token for `claims` signed with the key `keyId`: the one already signed for the same
   * claims, key and expiry bucket when there is one (concurrent requests share one signature), else
   * a new one from `sign` (which receives the claims with the expiry to put in the token).
   */
  tokenFor(
    claims: PlaybackClaims,
    keyId: string,
    now: Date,
    sign: (claims: PlaybackClaims) => Promise<string>,
  ): ReusableToken;
}

export interface TokenReuseDeps extends TokenReusePolicy {
  /** Distinct tokens kept at most; beyond it the oldest are forgotten (and signed again if asked). */
  readonly maxEntries: number;
}

interface Entry {
  readonly token: Promise<string>;
  readonly exp: number;
}

/**
 * TOKEN_REUSE_SECONDS: serves identical channel-wide tokens from memory, so a crowd asking for the
 * same token (the start of a big event) costs one signature per bucket instead of one per request.
 * The rule of what may be shared is `reusableExpiry`; the key id is part of the identity, so a
 * rotation (emergency or not) ends reuse of tokens signed with the old key at once.
 */
export function createTokenReuse(deps: TokenReuseDeps): TokenReuse {
  const entries = new Map<string, Entry>();

  function forgetStale(nowSeconds: number) {
    for (const [key, entry] of entries) if (entry.exp <= nowSeconds) entries.delete(key);
    // Map iteration is in insertion order: what is left over the bound goes oldest first.
    for (const key of entries.keys()) {
      if (entries.size < deps.maxEntries) break;
      entries.delete(key);
    }
  }

  return {
    tokenFor(claims, keyId, now, sign) {
      const nowSeconds = Math.floor(now.getTime() / 1000);
      const exp = reusableExpiry(claims, nowSeconds, deps);
      if (exp === undefined) return { token: sign(claims), exp: claims.exp, reused: false };

      const shared: PlaybackClaims = { ...claims, exp };
      const identity = `${keyId}\n${JSON.stringify(shared)}`;
      const known = entries.get(identity);
      if (known) return { token: known.token, exp, reused: true };

      if (entries.size >= deps.maxEntries) forgetStale(nowSeconds);
      const token = sign(shared);
      entries.set(identity, { token, exp });
      // A failed signature is not remembered: the next request tries again.
      token.catch(() => {
        if (entries.get(identity)?.token === token) entries.delete(identity);
      });
      return { token, exp, reused: false };
    },
  };
}
