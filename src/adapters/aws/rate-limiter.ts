import { setTimeout as sleep } from 'node:timers/promises';
import { tokensAt } from '../../domain/token-bucket.js';

/** Paces calls to an AWS operation: `take()` resolves when the next call may start. */
export interface RateLimiter {
  take(): Promise<void>;
}

export interface TokenBucketOptions {
  /** Sustained calls per second. */
  readonly ratePerSecond: number;
  /**
   * Calls allowed back to back after a quiet period. Default 1, so no window of one second ever
   * holds more than `ratePerSecond` calls (IVS does not say how it counts its per-second limits).
   */
  readonly burst?: number;
  /** Monotonic milliseconds; default `performance.now`. */
  readonly now?: () => number;
  /** Default: a real timer. */
  readonly sleep?: (milliseconds: number) => Promise<void>;
}

/**
 * A token bucket for one process. Callers reserve a slot at once (the balance may go negative) and
 * wait until their slot comes, so concurrent callers are served in arrival order without polling.
 * It paces this process only: replicas sharing an account should divide the AWS limit among them,
 * and the SDK's retries absorb the throttling that remains.
 */
export class TokenBucket implements RateLimiter {
  readonly #ratePerSecond: number;
  readonly #burst: number;
  readonly #now: () => number;
  readonly #sleep: (milliseconds: number) => Promise<void>;
  #tokens: number;
  #updatedAt: number;

  constructor(options: TokenBucketOptions) {
    const burst = options.burst ?? 1;
    if (!(options.ratePerSecond > 0)) throw new RangeError('ratePerSecond must be > 0');
    if (!(burst >= 1)) throw new RangeError('burst must be >= 1');
    this.#ratePerSecond = options.ratePerSecond;
    this.#burst = burst;
    this.#now = options.now ?? (() => performance.now());
    this.#sleep = options.sleep ?? ((milliseconds) => sleep(milliseconds));
    this.#tokens = burst;
    this.#updatedAt = this.#now();
  }

  take(): Promise<void> {
    const now = this.#now();
    const limits = { ratePerSecond: this.#ratePerSecond, burst: this.#burst };
    this.#tokens = tokensAt({ tokens: this.#tokens, at: this.#updatedAt }, now, limits) - 1;
    this.#updatedAt = now;
    if (this.#tokens >= 0) return Promise.resolve();
    return this.#sleep((-this.#tokens / this.#ratePerSecond) * 1000);
  }
}
