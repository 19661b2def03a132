/** A token bucket's state: `tokens` available at time `at` (milliseconds on some clock). */
export interface TokenBucketState {
  readonly tokens: number;
  readonly at: number;
}

/**
 * The tokens a bucket holds at `now`: what it had, plus `ratePerSecond` for every second since,
 * never more than `burst`. The one rule behind both the per-API-key request limit (which refuses
 * when fewer than one token is left) and the AWS call pacer (which waits for its token).
 */
export function tokensAt(
  bucket: TokenBucketState,
  now: number,
  limits: { readonly ratePerSecond: number; readonly burst: number },
): number {
  return Math.min(limits.burst, bucket.tokens + ((now - bucket.at) / 1000) * limits.ratePerSecond);
}
