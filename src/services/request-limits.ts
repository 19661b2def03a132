import { LRUCache } from 'lru-cache';
import type { Clock } from '../domain/ports.js';
import { type TokenBucketState, tokensAt } from '../domain/token-bucket.js';

export interface LimitDecision {
  readonly allowed: boolean;
  /** Whole seconds until a request would be allowed again (0 when allowed). */
  readonly retryAfterSeconds: number;
}

/** A token bucket per key (API key id): `ratePerSecond` sustained, `burst` at once. */
export function createRequestRateLimit(options: {
  readonly ratePerSecond: number;
  readonly burst: number;
  readonly clock: Clock;
  readonly maxEntries?: number;
}) {
  // Bounded, forgetting the least recently used: callers cannot grow it without limit.
  const buckets = new LRUCache<string, TokenBucketState>({ max: options.maxEntries ?? 10_000 });
  return {
    /** Takes one request from `key`'s bucket; `ratePerSecond` overrides the default for this key. */
    take(key: string, ratePerSecond = options.ratePerSecond): LimitDecision {
      const now = options.clock().getTime();
      const burst = Math.max(options.burst, ratePerSecond);
      const bucket = buckets.get(key) ?? { tokens: burst, at: now };
      const tokens = tokensAt(bucket, now, { ratePerSecond, burst });
      if (tokens < 1) {
        buckets.set(key, { tokens, at: now });
        return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - tokens) / ratePerSecond)) };
      }
      buckets.set(key, { tokens: tokens - 1, at: now });
      return { allowed: true, retryAfterSeconds: 0 };
    },
  };
}

/**
 * Counts failed authentications per client in a fixed window; past `limit` the client is refused
 * (even with a valid key) until the window ends, which bounds online guessing of API keys.
 * `exempt` clients are never counted (local mode exempts this machine: see http/build-http-app.ts).
 */
export function createFailedAttemptLimit(options: {
  readonly limit: number;
  readonly windowSeconds: number;
  readonly clock: Clock;
  readonly maxEntries?: number;
  readonly exempt?: (client: string) => boolean;
}) {
  const exempt = options.exempt ?? (() => false);
  // Bounded, forgetting the least recently used: clients that vary their address cannot grow it.
  const windows = new LRUCache<string, { failures: number; startedAt: number }>({
    max: options.maxEntries ?? 10_000,
  });
  const windowMs = options.windowSeconds * 1000;
  const current = (client: string, now: number) => {
    const window = windows.get(client);
    return window && now - window.startedAt < windowMs ? window : undefined;
  };
  return {
    check(client: string): LimitDecision {
      if (exempt(client)) return { allowed: true, retryAfterSeconds: 0 };
      const now = options.clock().getTime();
      const window = current(client, now);
      if (!window || window.failures < options.limit) return { allowed: true, retryAfterSeconds: 0 };
      return {
        allowed: false,
        retryAfterSeconds: Math.max(1, Math.ceil((window.startedAt + windowMs - now) / 1000)),
      };
    },
    recordFailure(client: string): void {
      if (exempt(client)) return;
      const now = options.clock().getTime();
      const window = current(client, now) ?? { failures: 0, startedAt: now };
      windows.set(client, { failures: window.failures + 1, startedAt: window.startedAt });
    },
  };
}

/** 127.0.0.0/8 and ::1, also as IPv4-mapped IPv6 (`::ffff:127.0.0.1`), as express reports them. */
export function isLoopbackAddress(address: string): boolean {
  return /^(?:::ffff:)?127(?:\.\d{1,3}){3}$/i.test(address) || address === '::1';
}

export type RequestRateLimit = ReturnType<typeof createRequestRateLimit>;
export type FailedAttemptLimit = ReturnType<typeof createFailedAttemptLimit>;
