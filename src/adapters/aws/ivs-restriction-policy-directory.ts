import { GetPlaybackRestrictionPolicyCommand, type IvsClient } from '@aws-sdk/client-ivs';
import { LRUCache } from 'lru-cache';
import type { Clock, Logger, RestrictionPolicy, RestrictionPolicyDirectory } from '../../domain/ports.js';
import { awsErrorName, translateAwsError } from './aws-error.js';
import { type RateLimiter, TokenBucket } from './rate-limiter.js';

export interface IvsRestrictionPolicyDirectoryOptions {
  readonly client: Pick<IvsClient, 'send'>;
  readonly logger: Logger;
  readonly clock: Clock;
  /** How long a policy read from IVS is served from memory (RESTRICTION_POLICY_CACHE_SECONDS). */
  readonly ttlSeconds: number;
  /**
   * After IVS failed for a policy, how long lookups answer from what is known (the last version
   * read, or `undefined`) before asking again; default 5 s. Keeps an outage off the token hot path.
   */
  readonly retryAfterFailureSeconds?: number;
  /** Policies remembered at most (least recently used first out); default 1,000. */
  readonly maxEntries?: number;
  /** Paces GetPlaybackRestrictionPolicy; default 5 calls a second for this process. */
  readonly rateLimiter?: RateLimiter;
}

interface Entry {
  /** `undefined`: IVS failed and nothing was known before; `null`: no such policy. */
  readonly value: RestrictionPolicy | null | undefined;
  /** Clock milliseconds until which `value` is answered without asking IVS. */
  readonly freshUntil: number;
}

/**
 * The production RestrictionPolicyDirectory: a cache in front of IVS GetPlaybackRestrictionPolicy
 * (IVS has no batch form). A channel names its policy by ARN, so the few policies an account has
 * are read once per cache period however many tokens are issued; lookups of a policy already being
 * read share the one call. A policy changed in IVS takes effect here within `ttlSeconds`.
 */
export class IvsRestrictionPolicyDirectory implements RestrictionPolicyDirectory {
  readonly #client: Pick<IvsClient, 'send'>;
  readonly #logger: Logger;
  readonly #clock: Clock;
  readonly #ttlMs: number;
  readonly #retryAfterFailureMs: number;
  readonly #limiter: RateLimiter;
  readonly #cache: LRUCache<string, Entry>;
  readonly #inFlight = new Map<string, Promise<RestrictionPolicy | null | undefined>>();

  constructor(options: IvsRestrictionPolicyDirectoryOptions) {
    this.#client = options.client;
    this.#logger = options.logger;
    this.#clock = options.clock;
    this.#ttlMs = options.ttlSeconds * 1000;
    this.#retryAfterFailureMs = (options.retryAfterFailureSeconds ?? 5) * 1000;
    this.#cache = new LRUCache({ max: options.maxEntries ?? 1000 });
    this.#limiter = options.rateLimiter ?? new TokenBucket({ ratePerSecond: 5 });
  }

  lookup(policyArn: string): Promise<RestrictionPolicy | null | undefined> {
    const entry = this.#cache.get(policyArn);
    if (entry && entry.freshUntil > this.#now()) return Promise.resolve(entry.value);
    const pending = this.#inFlight.get(policyArn);
    if (pending) return pending;
    const answer = this.#fetch(policyArn).finally(() => this.#inFlight.delete(policyArn));
    this.#inFlight.set(policyArn, answer);
    return answer;
  }

  async #fetch(policyArn: string): Promise<RestrictionPolicy | null | undefined> {
    let entry: Entry;
    try {
      await this.#limiter.take();
      const { playbackRestrictionPolicy: policy } = await this.#client.send(
        new GetPlaybackRestrictionPolicyCommand({ arn: policyArn }),
      );
      entry = {
        value: policy?.arn
          ? {
              arn: policy.arn,
              name: policy.name ?? '',
              allowedCountries: policy.allowedCountries ?? [],
              allowedOrigins: policy.allowedOrigins ?? [],
              enableStrictOriginEnforcement: policy.enableStrictOriginEnforcement ?? false,
            }
          : null,
        freshUntil: this.#now() + this.#ttlMs,
      };
    } catch (error) {
      if (awsErrorName(error) === 'ResourceNotFoundException') {
        entry = { value: null, freshUntil: this.#now() + this.#ttlMs };
      } else {
        const failure = translateAwsError(error, 'IVS GetPlaybackRestrictionPolicy');
        this.#logger.warn({ ...failure.details, policyArn }, `${failure.message}; answering from the cache`);
        // What was known stays in use (possibly expired) until the next attempt is due.
        entry = {
          value: this.#cache.peek(policyArn)?.value,
          freshUntil: this.#now() + this.#retryAfterFailureMs,
        };
      }
    }
    this.#cache.set(policyArn, entry);
    return entry.value;
  }

  #now(): number {
    return this.#clock().getTime();
  }
}
