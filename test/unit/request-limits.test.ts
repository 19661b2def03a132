import { describe, expect, it } from 'vitest';
import { createFailedAttemptLimit, isLoopbackAddress } from '../../src/services/request-limits.js';
import { ManualClock } from '../support/fakes.js';

describe('createFailedAttemptLimit', () => {
  it('refuses a client past the limit until the window ends, saying how long', () => {
    const clock = new ManualClock();
    const limit = createFailedAttemptLimit({ limit: 2, windowSeconds: 300, clock: clock.now });

    limit.recordFailure('203.0.113.7');
    limit.recordFailure('203.0.113.7');
    clock.advance(100);
    const blocked = limit.check('203.0.113.7');
    clock.advance(200);
    const after = limit.check('203.0.113.7');

    expect(blocked).toEqual({ allowed: false, retryAfterSeconds: 200 });
    expect(after).toEqual({ allowed: true, retryAfterSeconds: 0 });
  });

  it('never counts an exempt client, while others are still bounded', () => {
    const clock = new ManualClock();
    const limit = createFailedAttemptLimit({
      limit: 2,
      windowSeconds: 300,
      clock: clock.now,
      exempt: isLoopbackAddress,
    });

    for (let i = 0; i < 50; i++) {
      limit.recordFailure('127.0.0.1');
      limit.recordFailure('203.0.113.7');
    }

    expect(limit.check('127.0.0.1').allowed).toBe(true);
    expect(limit.check('203.0.113.7').allowed).toBe(false);
  });
});

describe('isLoopbackAddress', () => {
  it.each(['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1'])('is true for %s', (address) => {
    expect(isLoopbackAddress(address)).toBe(true);
  });

  it.each([
    '203.0.113.7',
    '10.0.0.1',
    '::ffff:10.0.0.1',
    '::2',
    '128.0.0.1',
    '127.0.0.1.example.com',
    'unknown',
  ])('is false for %s', (address) => {
    expect(isLoopbackAddress(address)).toBe(false);
  });
});
