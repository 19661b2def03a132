import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PlaybackClaims } from '../../src/domain/playback-claims.js';
import { reusableExpiry } from '../../src/domain/token-reuse.js';
import { createTokenReuse } from '../../src/services/token-reuse.js';

const CHANNEL_ARN = 'arn:aws:ivs:us-west-2:123456789012:channel/AbCdEf123456';
const NOW = new Date('2026-11-28T12:00:05Z');
const NOW_SECONDS = NOW.getTime() / 1000;
const POLICY = { bucketSeconds: 30, maxTtlSeconds: 3600 };

function channelWide(ttlSeconds: number, extra: Partial<PlaybackClaims> = {}): PlaybackClaims {
  return { 'aws:channel-arn': CHANNEL_ARN, ...extra, exp: NOW_SECONDS + ttlSeconds };
}

/** A signer that records what it was asked to sign and answers with a distinct token each time. */
function recordingSigner() {
  const signed: PlaybackClaims[] = [];
  const sign = async (claims: PlaybackClaims) => {
    signed.push(claims);
    return `token-${signed.length}`;
  };
  return { signed, sign };
}

describe('reusableExpiry', () => {
  it('rounds a channel-wide expiry up to the end of its bucket', () => {
    const claims = channelWide(600);

    const exp = reusableExpiry(claims, NOW_SECONDS, POLICY);

    expect(claims.exp % 30).toBe(5);
    expect(exp).toBe(claims.exp + 25);
  });

  it('keeps an expiry that already ends a bucket', () => {
    const claims = channelWide(595);

    expect(reusableExpiry(claims, NOW_SECONDS, POLICY)).toBe(claims.exp);
  });

  it('never shares a token that names a viewer', () => {
    expect(reusableExpiry(channelWide(600, { 'aws:viewer-id': 'v1' }), NOW_SECONDS, POLICY)).toBeUndefined();
  });

  it('never shares a single-use token', () => {
    const claims = channelWide(600, { 'aws:single-use-uuid': '6f1c2f54-3d1b-4b8e-9b52-5d2c1a0e7f10' });

    expect(reusableExpiry(claims, NOW_SECONDS, POLICY)).toBeUndefined();
  });

  it('does not share when rounding up would pass the maximum TTL', () => {
    expect(reusableExpiry(channelWide(3600), NOW_SECONDS, POLICY)).toBeUndefined();
    expect(reusableExpiry(channelWide(3575), NOW_SECONDS, POLICY)).toBe(NOW_SECONDS + 3595);
  });

  it('gives a token at least the requested life, less than a bucket more, never past the maximum', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1_700_000_000, max: 2_000_000_000 }),
        fc.integer({ min: 1, max: 86_400 }),
        fc.integer({ min: 1, max: 3600 }),
        fc.integer({ min: 1, max: 7 * 86_400 }),
        (now, ttl, bucketSeconds, maxTtlSeconds) => {
          fc.pre(ttl <= maxTtlSeconds);
          const claims: PlaybackClaims = { 'aws:channel-arn': CHANNEL_ARN, exp: now + ttl };

          const exp = reusableExpiry(claims, now, { bucketSeconds, maxTtlSeconds });

          if (exp === undefined) {
            expect(Math.ceil((now + ttl) / bucketSeconds) * bucketSeconds - now).toBeGreaterThan(
              maxTtlSeconds,
            );
          } else {
            expect(exp).toBeGreaterThanOrEqual(now + ttl);
            expect(exp - (now + ttl)).toBeLessThan(bucketSeconds);
            expect(exp - now).toBeLessThanOrEqual(maxTtlSeconds);
            expect(exp % bucketSeconds).toBe(0);
          }
        },
      ),
    );
  });
});

describe('createTokenReuse', () => {
  const reuseWith = (maxEntries = 100) => createTokenReuse({ ...POLICY, maxEntries });

  it('signs the first request with the rounded expiry and hands the same token to the next', async () => {
    const reuse = reuseWith();
    const { signed, sign } = recordingSigner();

    const first = reuse.tokenFor(channelWide(600), 'key-1', NOW, sign);
    // 10 s later, asking for 590 s: the same expiry, so the same bucket.
    const second = reuse.tokenFor(channelWide(10 + 590), 'key-1', new Date(NOW.getTime() + 10_000), sign);

    expect(await first.token).toBe('token-1');
    expect(await second.token).toBe('token-1');
    expect(first).toMatchObject({ exp: NOW_SECONDS + 625, reused: false });
    expect(second).toMatchObject({ exp: NOW_SECONDS + 625, reused: true });
    expect(signed).toEqual([channelWide(625)]);
  });

  it('shares one signature among concurrent identical requests', async () => {
    const reuse = reuseWith();
    let signatures = 0;
    let release: (token: string) => void = () => {};
    const sign = () => {
      signatures++;
      return new Promise<string>((resolve) => {
        release = resolve;
      });
    };

    const pending = Array.from({ length: 50 }, () => reuse.tokenFor(channelWide(600), 'key-1', NOW, sign));
    release('the-token');

    expect(new Set(await Promise.all(pending.map((item) => item.token)))).toEqual(new Set(['the-token']));
    expect(signatures).toBe(1);
    expect(pending.filter((item) => item.reused)).toHaveLength(49);
  });

  it('signs again once the expiry moves into the next bucket', async () => {
    const reuse = reuseWith();
    const { signed, sign } = recordingSigner();

    const first = reuse.tokenFor(channelWide(600), 'key-1', NOW, sign);
    const later = new Date(NOW.getTime() + 26_000);
    const next = reuse.tokenFor({ ...channelWide(600), exp: NOW_SECONDS + 26 + 600 }, 'key-1', later, sign);

    expect(await next.token).toBe('token-2');
    expect(next.exp).toBe(first.exp + 30);
    expect(signed).toHaveLength(2);
  });

  it('signs again for another signing key, so a rotation ends reuse of the old key at once', async () => {
    const reuse = reuseWith();
    const { sign } = recordingSigner();

    await reuse.tokenFor(channelWide(600), 'key-1', NOW, sign).token;
    const afterRotation = reuse.tokenFor(channelWide(600), 'key-2', NOW, sign);

    expect(await afterRotation.token).toBe('token-2');
    expect(afterRotation.reused).toBe(false);
  });

  it('signs again for claims that differ in anything but the expiry bucket', async () => {
    const reuse = reuseWith();
    const { signed, sign } = recordingSigner();

    await reuse.tokenFor(channelWide(600), 'key-1', NOW, sign).token;
    await reuse.tokenFor(channelWide(600, { 'aws:maximum-resolution': 'HD' }), 'key-1', NOW, sign).token;
    await reuse.tokenFor(
      channelWide(600, { 'aws:access-control-allow-origin': 'https://example.com' }),
      'key-1',
      NOW,
      sign,
    ).token;

    expect(signed).toHaveLength(3);
  });

  it('signs viewer and single-use tokens every time, with the exact expiry asked for', async () => {
    const reuse = reuseWith();
    const { signed, sign } = recordingSigner();
    const viewer = channelWide(300, { 'aws:viewer-id': 'v1' });

    const first = reuse.tokenFor(viewer, 'key-1', NOW, sign);
    const second = reuse.tokenFor(viewer, 'key-1', NOW, sign);

    expect([await first.token, await second.token]).toEqual(['token-1', 'token-2']);
    expect(first).toMatchObject({ exp: viewer.exp, reused: false });
    expect(signed).toEqual([viewer, viewer]);
  });

  it('does not remember a failed signature', async () => {
    const reuse = reuseWith();
    const failing = () => Promise.reject(new Error('signer down'));
    const { sign } = recordingSigner();

    await expect(reuse.tokenFor(channelWide(600), 'key-1', NOW, failing).token).rejects.toThrow(
      'signer down',
    );
    const retried = reuse.tokenFor(channelWide(600), 'key-1', NOW, sign);

    expect(await retried.token).toBe('token-1');
    expect(retried.reused).toBe(false);
  });

  it('keeps at most maxEntries tokens, forgetting the oldest first', async () => {
    const reuse = reuseWith(3);
    const { signed, sign } = recordingSigner();
    const forChannel = (id: string) => ({ ...channelWide(600), 'aws:channel-arn': `${CHANNEL_ARN}${id}` });

    for (const id of ['a', 'b', 'c', 'd']) await reuse.tokenFor(forChannel(id), 'key-1', NOW, sign).token;
    const newest = reuse.tokenFor(forChannel('d'), 'key-1', NOW, sign);
    const oldest = reuse.tokenFor(forChannel('a'), 'key-1', NOW, sign);

    expect(newest.reused).toBe(true);
    expect(oldest.reused).toBe(false);
    expect(signed).toHaveLength(5);
  });
});
