import { BatchGetChannelCommand, type IvsClient } from '@aws-sdk/client-ivs';
import { LRUCache } from 'lru-cache';
import { parseChannelArn } from '../../domain/channel-arn.js';
import type { ChannelDirectory, ChannelInfo, Clock, Logger } from '../../domain/ports.js';
import { translateAwsError } from './aws-error.js';
import { type RateLimiter, TokenBucket } from './rate-limiter.js';

export interface IvsChannelDirectoryOptions {
  readonly client: Pick<IvsClient, 'send'>;
  readonly logger: Logger;
  readonly clock: Clock;
  /** How long a channel that exists is served from memory; default 300 s. */
  readonly ttlSeconds?: number;
  /** How long "no such channel" is remembered; default 60 s (a channel may be created meanwhile). */
  readonly notFoundTtlSeconds?: number;
  /**
   * After IVS failed for a channel, how long lookups answer from what is known (a stale entry, or
   * `undefined`) before asking IVS again; default 5 s. Keeps an outage off the token hot path.
   */
  readonly retryAfterFailureSeconds?: number;
  /** Channels remembered at most (oldest written first out); default 10,000. */
  readonly maxEntries?: number;
  /**
   * Paces BatchGetChannel. Default: 5 calls a second, the IVS limit, for this process alone; with
   * several replicas pass a bucket with a share of it.
   */
  readonly rateLimiter?: RateLimiter;
}

interface Entry {
  /** `undefined`: IVS failed and nothing was known before. */
  readonly value: ChannelInfo | null | undefined;
  /** Clock milliseconds until which `value` is answered without asking IVS. */
  readonly freshUntil: number;
}

type Resolve = (value: ChannelInfo | null | undefined) => void;

/** BatchGetChannel takes 1–50 ARNs. */
const BATCH_LIMIT = 50;

/**
 * The production ChannelDirectory: a cache in front of IVS BatchGetChannel.
 *
 * BatchGetChannel rather than GetChannel: both allow 5 calls a second, but one batch answers up to
 * 50 channels, so a multiview batch of 100 tokens for uncached channels costs 2 calls instead of 20
 * seconds of GetChannel. Misses are queued; one call is made per token of the rate limiter, and
 * every miss that arrived meanwhile (same event-loop turn, or while waiting for the limiter) rides
 * in it. Lookups of an ARN already queued or in flight share its answer. A malformed ARN is never
 * sent (IVS would reject the whole batch); it cannot name a channel, so it is `null`.
 */
export class IvsChannelDirectory implements ChannelDirectory {
  readonly #client: Pick<IvsClient, 'send'>;
  readonly #logger: Logger;
  readonly #clock: Clock;
  readonly #ttlMs: number;
  readonly #notFoundTtlMs: number;
  readonly #retryAfterFailureMs: number;
  readonly #limiter: RateLimiter;
  readonly #cache: LRUCache<string, Entry>;
  readonly #inFlight = new Map<string, Promise<ChannelInfo | null | undefined>>();
  readonly #queue = new Map<string, Resolve>();
  #draining = false;

  constructor(options: IvsChannelDirectoryOptions) {
    this.#client = options.client;
    this.#logger = options.logger;
    this.#clock = options.clock;
    this.#ttlMs = (options.ttlSeconds ?? 300) * 1000;
    this.#notFoundTtlMs = (options.notFoundTtlSeconds ?? 60) * 1000;
    this.#retryAfterFailureMs = (options.retryAfterFailureSeconds ?? 5) * 1000;
    // Bounded, forgetting the least recently used channel first.
    this.#cache = new LRUCache({ max: options.maxEntries ?? 10_000 });
    this.#limiter = options.rateLimiter ?? new TokenBucket({ ratePerSecond: 5 });
  }

  lookup(channelArn: string): Promise<ChannelInfo | null | undefined> {
    if (!parseChannelArn(channelArn)) return Promise.resolve(null);
    const entry = this.#cache.get(channelArn);
    if (entry && entry.freshUntil > this.#now()) return Promise.resolve(entry.value);
    const pending = this.#inFlight.get(channelArn);
    if (pending) return pending;
    const answer = new Promise<ChannelInfo | null | undefined>((resolve) =>
      this.#queue.set(channelArn, resolve),
    );
    this.#inFlight.set(channelArn, answer);
    this.#scheduleDrain();
    return answer;
  }

  /** Warms the cache (e.g. with the channels an API key may use) in as few IVS calls as possible. */
  async prime(channelArns: readonly string[]): Promise<void> {
    await Promise.all(channelArns.map((channelArn) => this.lookup(channelArn)));
  }

  #scheduleDrain(): void {
    if (this.#draining) return;
    this.#draining = true;
    // Wait one turn so that lookups started together (a batch request) share the first call.
    setImmediate(() => void this.#drain());
  }

  async #drain(): Promise<void> {
    try {
      while (this.#queue.size > 0) {
        await this.#limiter.take();
        const batch = [...this.#queue].slice(0, BATCH_LIMIT);
        for (const [channelArn] of batch) this.#queue.delete(channelArn);
        // Not awaited: the limiter paces the calls, and a slow answer must not hold up the next batch.
        void this.#fetch(batch);
      }
    } catch (error) {
      // Only a broken rate limiter gets here; lookups still must not hang or throw.
      this.#logger.error({ err: error }, 'channel lookups failed before reaching IVS');
      const batch = [...this.#queue];
      this.#queue.clear();
      this.#settle(batch, new Map());
    } finally {
      this.#draining = false;
    }
  }

  async #fetch(batch: readonly (readonly [string, Resolve])[]): Promise<void> {
    const arns = batch.map(([channelArn]) => channelArn);
    const answers = new Map<string, Entry>();
    try {
      const { channels, errors } = await this.#client.send(new BatchGetChannelCommand({ arns }));
      const found = new Map((channels ?? []).map((channel) => [channel.arn, channel]));
      const failed = new Map((errors ?? []).map((error) => [error.arn, error.code]));
      for (const channelArn of arns) {
        const channel = found.get(channelArn);
        const code = failed.get(channelArn);
        if (channel?.playbackUrl) {
          answers.set(channelArn, {
            value: {
              arn: channelArn,
              playbackUrl: channel.playbackUrl,
              authorized: channel.authorized ?? false,
              // IVS answers an empty string for a channel without a restriction policy.
              ...(channel.playbackRestrictionPolicyArn
                ? { restrictionPolicyArn: channel.playbackRestrictionPolicyArn }
                : {}),
            },
            freshUntil: this.#now() + this.#ttlMs,
          });
        } else if (code === 'ResourceNotFoundException') {
          answers.set(channelArn, { value: null, freshUntil: this.#now() + this.#notFoundTtlMs });
        } else {
          this.#logger.warn(
            { channelArn, awsError: code ?? 'NoChannelInAnswer' },
            'IVS did not describe a channel; answering from the cache',
          );
        }
      }
    } catch (error) {
      const failure = translateAwsError(error, 'IVS BatchGetChannel');
      this.#logger.warn(
        { ...failure.details, channels: arns.length },
        `${failure.message}; answering from the cache`,
      );
    }
    this.#settle(batch, answers);
  }

  /**
   * Records each answer and resolves its waiters. A channel without an answer keeps what was known
   * before (possibly expired, possibly nothing) until the next attempt is due.
   */
  #settle(batch: readonly (readonly [string, Resolve])[], answers: ReadonlyMap<string, Entry>): void {
    for (const [channelArn, resolve] of batch) {
      const entry = answers.get(channelArn) ?? {
        value: this.#cache.peek(channelArn)?.value,
        freshUntil: this.#now() + this.#retryAfterFailureMs,
      };
      this.#store(channelArn, entry);
      this.#inFlight.delete(channelArn);
      resolve(entry.value);
    }
  }

  #store(channelArn: string, entry: Entry): void {
    this.#cache.set(channelArn, entry);
  }

  #now(): number {
    return this.#clock().getTime();
  }
}
