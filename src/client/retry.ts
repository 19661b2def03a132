import { retryAfterMilliseconds } from './errors.js';

export interface RetryOptions {
  /** Attempts in all, the first included (default 3; 1 = never retry). */
  readonly maxAttempts?: number;
  /**
   * The longest wait before a retry (default 10 s). A `Retry-After` beyond it is not waited for:
   * the error comes back at once with its `retryAfterSeconds`.
   */
  readonly maxDelaySeconds?: number;
}

/** What `onRetry` hears before each wait. */
export interface RetryEvent {
  /** The attempt that failed (1 = the first). */
  readonly attempt: number;
  readonly status: number;
  readonly delayMs: number;
  readonly method: string;
  readonly path: string;
}

/** Statuses after which the request did nothing and may be sent again. */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([429, 503]);

/** Without `Retry-After` (the service always sends one with 429 and 503): 0.5 s, 1 s, 2 s… */
const BACKOFF_BASE_MS = 500;

/**
 * A fetch that sends a request again after 429 or 503, waiting as `Retry-After` asks, at most
 * `maxAttempts` times in all and never longer than `maxDelaySeconds` a wait. Only statuses in
 * `statuses` are retried: a caller passes fewer where a 503 may follow work that was done.
 * Every other answer, and the last one, is returned as it came.
 */
export function retryingFetch(
  fetchImpl: (request: Request) => Promise<Response>,
  options: RetryOptions & {
    readonly statuses?: ReadonlySet<number>;
    readonly onRetry?: ((event: RetryEvent) => void) | undefined;
  } = {},
): (request: Request) => Promise<Response> {
  const maxAttempts = Math.max(1, Math.floor(options.maxAttempts ?? 3));
  const maxDelayMs = (options.maxDelaySeconds ?? 10) * 1000;
  const statuses = options.statuses ?? RETRYABLE_STATUSES;
  return async (request) => {
    for (let attempt = 1; ; attempt++) {
      const last = attempt >= maxAttempts;
      // A body can be read once: every attempt but the last sends a copy.
      const response = await fetchImpl(last ? request : request.clone());
      if (last || !statuses.has(response.status)) return response;
      const delayMs =
        retryAfterMilliseconds(response.headers.get('retry-after'), Date.now()) ??
        BACKOFF_BASE_MS * 2 ** (attempt - 1);
      if (delayMs > maxDelayMs) return response;
      await response.body?.cancel();
      options.onRetry?.({
        attempt,
        status: response.status,
        delayMs,
        method: request.method,
        path: new URL(request.url).pathname,
      });
      await sleep(delayMs, request.signal);
    }
  };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
