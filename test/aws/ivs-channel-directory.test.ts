import { beforeEach, describe, expect, it } from 'vitest';
import {
  IvsChannelDirectory,
  type IvsChannelDirectoryOptions,
} from '../../src/adapters/aws/ivs-channel-directory.js';
import { TokenBucket } from '../../src/adapters/aws/rate-limiter.js';
import { useStandIn } from '../support/aws-stand-in/use-stand-in.js';
import { CountingLimiter, ManualClock, RecordingLogger } from '../support/fakes.js';

const { standIn, ivsClient: client } = useStandIn({ clientsPerTest: true });
let clock: ManualClock;

beforeEach(() => {
  clock = new ManualClock();
});

function directory(options: Partial<IvsChannelDirectoryOptions> = {}) {
  return new IvsChannelDirectory({
    client: client(),
    logger: new RecordingLogger(),
    clock: clock.now,
    rateLimiter: new CountingLimiter(),
    ...options,
  });
}

const ivsCalls = () => standIn.requests.filter((request) => request.operation === 'BatchGetChannel');
const missingArn = (id = 'Missing00001') => `arn:aws:ivs:us-west-2:123456789012:channel/${id}`;

describe('IvsChannelDirectory', () => {
  it('answers from IVS on a miss, then from memory until the TTL ends', async () => {
    const channel = standIn.ivs.addChannel({ authorized: true });
    const channels = directory();

    const first = await channels.lookup(channel.arn);
    clock.advance(299);
    const cached = await channels.lookup(channel.arn);
    clock.advance(2);
    await channels.lookup(channel.arn);

    expect(first).toEqual({ arn: channel.arn, playbackUrl: channel.playbackUrl, authorized: true });
    expect(cached).toEqual(first);
    expect(ivsCalls().map((request) => request.input)).toEqual([
      { arns: [channel.arn] },
      { arns: [channel.arn] },
    ]);
    expect(standIn.rejected()).toEqual([]);
  });

  it('honours a configured TTL and reports public channels as not authorized', async () => {
    const channel = standIn.ivs.addChannel({ authorized: false });
    const channels = directory({ ttlSeconds: 10 });

    const found = await channels.lookup(channel.arn);
    clock.advance(11);
    await channels.lookup(channel.arn);

    expect(found?.authorized).toBe(false);
    expect(ivsCalls()).toHaveLength(2);
    expect(standIn.rejected()).toEqual([]);
  });

  it('coalesces concurrent lookups of one channel into one call', async () => {
    const channel = standIn.ivs.addChannel({ authorized: true });
    const channels = directory();

    const answers = await Promise.all(Array.from({ length: 20 }, () => channels.lookup(channel.arn)));

    expect(new Set(answers.map((answer) => answer?.playbackUrl))).toEqual(new Set([channel.playbackUrl]));
    expect(ivsCalls()).toHaveLength(1);
    expect(standIn.rejected()).toEqual([]);
  });

  it('fetches concurrent misses of different channels together, 50 to a call', async () => {
    const arns = Array.from({ length: 60 }, () => standIn.ivs.addChannel({ authorized: true }).arn);
    const limiter = new CountingLimiter();
    const channels = directory({ rateLimiter: limiter });

    const answers = await Promise.all(arns.map((arn) => channels.lookup(arn)));

    expect(answers.map((answer) => answer?.arn)).toEqual(arns);
    expect(ivsCalls().map((request) => (request.input as { arns: string[] }).arns.length)).toEqual([50, 10]);
    expect(limiter.taken).toBe(2);
    expect(standIn.rejected()).toEqual([]);
  });

  it('answers null for a channel that does not exist, and remembers that for the shorter TTL', async () => {
    const channels = directory();

    const missing = await channels.lookup(missingArn());
    clock.advance(59);
    await channels.lookup(missingArn());
    clock.advance(2);
    await channels.lookup(missingArn());

    expect(missing).toBeNull();
    expect(ivsCalls()).toHaveLength(2);
    expect(standIn.rejected()).toEqual([]);
  });

  it('answers null for a string that cannot be a channel ARN, without asking IVS', async () => {
    const channels = directory();

    const answers = await Promise.all([
      channels.lookup('arn:aws:ivs:us-west-2:123456789012:channel/bad id'),
      channels.lookup(`arn:aws:ivs:us-west-2:123456789012:channel/${'a'.repeat(120)}`),
    ]);

    expect(answers).toEqual([null, null]);
    expect(ivsCalls()).toEqual([]);
  });

  it('serves the stale entry when IVS fails, and does not ask again until the retry delay has passed', async () => {
    const channel = standIn.ivs.addChannel({ authorized: true });
    const logger = new RecordingLogger();
    const channels = directory({ logger, retryAfterFailureSeconds: 5 });
    const known = await channels.lookup(channel.arn);
    clock.advance(301);
    const fault = standIn.faults.add({ kind: 'server-error', operation: 'BatchGetChannel' });

    const stale = await channels.lookup(channel.arn);
    clock.advance(4);
    const stillStale = await channels.lookup(channel.arn);
    standIn.faults.clear(fault);
    clock.advance(2);
    const fresh = await channels.lookup(channel.arn);

    expect([stale, stillStale, fresh]).toEqual([known, known, known]);
    // 1 success, 3 attempts of the failed lookup (the SDK retried), 1 success.
    expect(ivsCalls().map((request) => request.status)).toEqual([200, 500, 500, 500, 200]);
    expect(logger.entries.filter((entry) => entry.level === 'warn')).toHaveLength(1);
    expect(standIn.rejected()).toEqual([]);
  });

  it('answers undefined (cannot tell) when IVS is unreachable and nothing is cached, and never throws', async () => {
    const channel = standIn.ivs.addChannel({ authorized: true });
    standIn.faults.add({ kind: 'drop', operation: 'BatchGetChannel' });
    const channels = directory();

    const answer = await channels.lookup(channel.arn);

    expect(answer).toBeUndefined();
    expect(ivsCalls().map((request) => request.fault)).toEqual(['drop', 'drop', 'drop']);
    expect(standIn.rejected()).toEqual([]);
  });

  it('paces its IVS calls through the rate limiter, one call per slot (5 a second by default)', async () => {
    const arns = [1, 2, 3].map(() => standIn.ivs.addChannel({ authorized: true }).arn);
    const slept: number[] = [];
    let now = 0;
    // A bucket on a fake clock: deterministic, no timing assertion on a noisy machine.
    const rateLimiter = new TokenBucket({
      ratePerSecond: 5,
      now: () => now,
      sleep: async (ms) => {
        slept.push(ms);
        now += ms;
      },
    });
    const channels = new IvsChannelDirectory({
      client: client(),
      logger: new RecordingLogger(),
      clock: clock.now,
      rateLimiter,
    });

    for (const arn of arns) await channels.lookup(arn);

    expect(ivsCalls()).toHaveLength(3);
    expect(slept).toEqual([200, 200]);
    expect(standIn.rejected()).toEqual([]);
  });

  it('sends the misses that arrive while the rate limiter holds the next call in that one call', async () => {
    const [a, b, c] = [1, 2, 3].map(() => standIn.ivs.addChannel({ authorized: true }).arn) as [
      string,
      string,
      string,
    ];
    const channels = new IvsChannelDirectory({
      client: client(),
      logger: new RecordingLogger(),
      clock: clock.now,
    });
    const pause = () => new Promise((resolve) => setTimeout(resolve, 20));

    const lookups = [channels.lookup(a)];
    await pause();
    lookups.push(channels.lookup(b));
    await pause();
    lookups.push(channels.lookup(c));
    await Promise.all(lookups);

    expect(ivsCalls().map((request) => request.input)).toEqual([{ arns: [a] }, { arns: [b, c] }]);
    expect(standIn.rejected()).toEqual([]);
  });

  it('warms the cache with prime(), in one call', async () => {
    const arns = [1, 2, 3].map(() => standIn.ivs.addChannel({ authorized: true }).arn);
    const channels = directory();

    await channels.prime([...arns, missingArn()]);
    const answers = await Promise.all([...arns, missingArn()].map((arn) => channels.lookup(arn)));

    expect(answers.map((answer) => answer?.authorized ?? answer)).toEqual([true, true, true, null]);
    expect(ivsCalls()).toHaveLength(1);
    expect(standIn.rejected()).toEqual([]);
  });

  it('forgets the oldest channel when it holds maxEntries', async () => {
    const arns = [1, 2, 3].map(() => standIn.ivs.addChannel({ authorized: true }).arn);
    const channels = directory({ maxEntries: 2 });

    for (const arn of arns) await channels.lookup(arn);
    await channels.lookup(arns[2] as string);
    await channels.lookup(arns[0] as string);

    expect(ivsCalls()).toHaveLength(4);
    expect(standIn.rejected()).toEqual([]);
  });
});
