import { LRUCache } from 'lru-cache';
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
  /** Distinct tokens kept at most; beyond it the least recently used are forgotten (and signed again if asked). */
  readonly maxEntries: number;
}

/**
 * TOKEN_REUSE_SECONDS: serves identical channel-wide tokens from memory, so a crowd asking for the
 * same token (the start of a big event) costs one signature per bucket instead of one per request.
 * The rule of what may be shared is `reusableExpiry`; the key id is part of the identity, so a
 * rotation (emergency or not) ends reuse of tokens signed with the old key at once.
 */
export function createTokenReuse(deps: TokenReuseDeps): TokenReuse {
  // An expired entry is never asked for again (the expiry is part of the identity); it simply
  // ages out of the cache like any entry nobody uses.
  const tokens = new LRUCache<string, Promise<string>>({ max: deps.maxEntries });

  return {
    tokenFor(claims, keyId, now, sign) {
      const nowSeconds = Math.floor(now.getTime() / 1000);
      const exp = reusableExpiry(claims, nowSeconds, deps);
      if (exp === undefined) return { token: sign(claims), exp: claims.exp, reused: false };

      const shared: PlaybackClaims = { ...claims, exp };
      const identity = `${keyId}\n${JSON.stringify(shared)}`;
      const known = tokens.get(identity);
      if (known) return { token: known, exp, reused: true };

      const token = sign(shared);
      tokens.set(identity, token);
      // A failed signature is not remembered: the next request tries again.
      token.catch(() => {
        if (tokens.peek(identity) === token) tokens.delete(identity);
      });
      return { token, exp, reused: false };
    },
  };
}
