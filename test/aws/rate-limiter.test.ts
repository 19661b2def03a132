import { describe, expect, it } from 'vitest';
import { TokenBucket } from '../../src/adapters/aws/rate-limiter.js';

/** A bucket on a hand-moved clock that records the waits it asks for instead of waiting. */
function bucket(options: { ratePerSecond: number; burst?: number }) {
  let now = 0;
  const waits: number[] = [];
  const limiter = new TokenBucket({
    ...options,
    now: () => now,
    sleep: async (milliseconds) => {
      waits.push(milliseconds);
    },
  });
  return {
    limiter,
    waits,
    advance: (milliseconds: number) => {
      now += milliseconds;
    },
  };
}

describe('TokenBucket', () => {
  it('lets the first call through and spaces the next ones 1/rate apart, in arrival order', async () => {
    const { limiter, waits } = bucket({ ratePerSecond: 2 });

    await Promise.all([limiter.take(), limiter.take(), limiter.take()]);

    expect(waits).toEqual([500, 1000]);
  });

  it('refills with time, up to the burst', async () => {
    const { limiter, waits, advance } = bucket({ ratePerSecond: 5, burst: 2 });
    await limiter.take();
    await limiter.take();

    advance(10_000);
    await limiter.take();
    await limiter.take();
    await limiter.take();

    expect(waits).toEqual([200]);
  });

  it('counts time already waited against the next wait', async () => {
    const { limiter, waits, advance } = bucket({ ratePerSecond: 5 });
    await limiter.take();

    advance(150);
    await limiter.take();

    expect(waits).toHaveLength(1);
    expect(waits[0]).toBeCloseTo(50);
  });

  it('waits for real with the default timer', async () => {
    const limiter = new TokenBucket({ ratePerSecond: 20 });
    const started = performance.now();

    await limiter.take();
    await limiter.take();

    expect(performance.now() - started).toBeGreaterThanOrEqual(45);
  });

  it('refuses a rate or burst that cannot pace anything', () => {
    expect(() => new TokenBucket({ ratePerSecond: 0 })).toThrow(RangeError);
    expect(() => new TokenBucket({ ratePerSecond: 1, burst: 0 })).toThrow(RangeError);
  });
});
