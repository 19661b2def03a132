import { describe, expect, it } from 'vitest';
import {
  IvsViewerSessionRevoker,
  type IvsViewerSessionRevokerOptions,
} from '../../src/adapters/aws/ivs-viewer-session-revoker.js';
import { TokenBucket } from '../../src/adapters/aws/rate-limiter.js';
import type { ViewerSessionRevocation } from '../../src/domain/ports.js';
import { useStandIn } from '../support/aws-stand-in/use-stand-in.js';
import { CountingLimiter, RecordingLogger } from '../support/fakes.js';
import { serviceErrorOf } from '../support/service-errors.js';

const { standIn, ivsClient: client } = useStandIn({ clientsPerTest: true });

function revoker(options: Partial<IvsViewerSessionRevokerOptions> = {}) {
  return new IvsViewerSessionRevoker({
    client: client(),
    logger: new RecordingLogger(),
    singleRateLimiter: new CountingLimiter(),
    batchRateLimiter: new CountingLimiter(),
    ...options,
  });
}

const calls = (operation: string) => standIn.requests.filter((request) => request.operation === operation);
const missingChannel = 'arn:aws:ivs:us-west-2:123456789012:channel/Missing00001';
const sessionsOn = (channelArn: string, count: number): ViewerSessionRevocation[] =>
  Array.from({ length: count }, (_, index) => ({ channelArn, viewerId: `viewer-${index}` }));

describe('IvsViewerSessionRevoker', () => {
  it('revokes one session with StartViewerSessionRevocation', async () => {
    const channel = standIn.ivs.addChannel({ authorized: true });

    const outcomes = await revoker().revoke([
      { channelArn: channel.arn, viewerId: 'viewer-1', viewerSessionVersionsLessThanOrEqualTo: 7 },
    ]);

    expect(outcomes).toEqual([{ ok: true }]);
    expect(standIn.ivs.revocations).toEqual([
      expect.objectContaining({
        channelArn: channel.arn,
        viewerId: 'viewer-1',
        viewerSessionVersionsLessThanOrEqualTo: 7,
        operation: 'StartViewerSessionRevocation',
      }),
    ]);
    expect(calls('StartViewerSessionRevocation')[0]?.input).toEqual({
      channelArn: channel.arn,
      viewerId: 'viewer-1',
      viewerSessionVersionsLessThanOrEqualTo: 7,
    });
    expect(standIn.rejected()).toEqual([]);
  });

  it('reports a missing channel for that session, in its own words', async () => {
    const outcomes = await revoker().revoke([{ channelArn: missingChannel, viewerId: 'viewer-1' }]);

    expect(outcomes).toEqual([
      { ok: false, code: 'ResourceNotFoundException', message: `channel ${missingChannel} does not exist` },
    ]);
    expect(standIn.rejected()).toEqual([]);
  });

  it('revokes 45 sessions in 3 batch calls of 20, 20 and 5, in order', async () => {
    const channel = standIn.ivs.addChannel({ authorized: true });
    const sessions = sessionsOn(channel.arn, 45);
    const batchRateLimiter = new CountingLimiter();

    const outcomes = await revoker({ batchRateLimiter }).revoke(sessions);

    expect(outcomes).toEqual(sessions.map(() => ({ ok: true })));
    const batches = calls('BatchStartViewerSessionRevocation');
    expect(
      batches.map((request) => (request.input as { viewerSessions: unknown[] }).viewerSessions.length),
    ).toEqual([20, 20, 5]);
    expect(standIn.ivs.revocations.map((revocation) => revocation.viewerId)).toEqual(
      sessions.map((session) => session.viewerId),
    );
    expect(batchRateLimiter.taken).toBe(3);
    expect(calls('StartViewerSessionRevocation')).toEqual([]);
    expect(standIn.rejected()).toEqual([]);
  });

  it('maps the per-session errors of a batch back to the input positions', async () => {
    const channel = standIn.ivs.addChannel({ authorized: true });
    const sessions = [
      { channelArn: channel.arn, viewerId: 'a' },
      { channelArn: missingChannel, viewerId: 'b' },
      { channelArn: channel.arn, viewerId: 'c' },
      { channelArn: missingChannel, viewerId: 'a' },
      ...sessionsOn(channel.arn, 20),
      { channelArn: missingChannel, viewerId: 'z' },
    ];

    const outcomes = await revoker().revoke(sessions);

    const refused = outcomes.flatMap((outcome, index) => (outcome.ok ? [] : [[index, outcome.code]]));
    expect(refused).toEqual([
      [1, 'ResourceNotFoundException'],
      [3, 'ResourceNotFoundException'],
      [24, 'ResourceNotFoundException'],
    ]);
    expect(outcomes[24]).toEqual({
      ok: false,
      code: 'ResourceNotFoundException',
      message: `channel ${missingChannel} does not exist`,
    });
    expect(calls('BatchStartViewerSessionRevocation')).toHaveLength(2);
    expect(standIn.rejected()).toEqual([]);
  });

  it('answers a malformed session itself, so IVS does not refuse the rest of its batch', async () => {
    const channel = standIn.ivs.addChannel({ authorized: true });
    const sessions = [
      { channelArn: channel.arn, viewerId: 'x'.repeat(41) },
      { channelArn: channel.arn, viewerId: 'ok-1' },
      { channelArn: 'arn:aws:ivs:us-west-2:123456789012:channel/no such', viewerId: 'v' },
      { channelArn: channel.arn, viewerId: 'v', viewerSessionVersionsLessThanOrEqualTo: 2 ** 31 },
      { channelArn: channel.arn, viewerId: 'ok-2', viewerSessionVersionsLessThanOrEqualTo: 3 },
    ];

    const outcomes = await revoker().revoke(sessions);

    expect(outcomes.map((outcome) => (outcome.ok ? 'ok' : outcome.code))).toEqual([
      'ValidationException',
      'ok',
      'ValidationException',
      'ValidationException',
      'ok',
    ]);
    expect(standIn.ivs.revocations.map((revocation) => revocation.viewerId)).toEqual(['ok-1', 'ok-2']);
    expect(standIn.rejected()).toEqual([]);
  });

  it('sends a single valid session among malformed ones with StartViewerSessionRevocation', async () => {
    const channel = standIn.ivs.addChannel({ authorized: true });

    const outcomes = await revoker().revoke([
      { channelArn: channel.arn, viewerId: '' },
      { channelArn: channel.arn, viewerId: 'v' },
    ]);

    expect(outcomes.map((outcome) => outcome.ok)).toEqual([false, true]);
    expect(calls('StartViewerSessionRevocation')).toHaveLength(1);
    expect(standIn.rejected()).toEqual([]);
  });

  it('makes no call for no sessions', async () => {
    expect(await revoker().revoke([])).toEqual([]);
    expect(standIn.requests).toEqual([]);
  });

  it('paces batch calls through the rate limiter (2 a second by default), one after the other', async () => {
    const channel = standIn.ivs.addChannel({ authorized: true });
    const slept: number[] = [];
    let now = 0;
    // A bucket on a fake clock: deterministic, no timing assertion on a noisy machine.
    const batchRateLimiter = new TokenBucket({
      ratePerSecond: 2,
      now: () => now,
      sleep: async (ms) => {
        slept.push(ms);
        now += ms;
      },
    });

    await new IvsViewerSessionRevoker({
      client: client(),
      logger: new RecordingLogger(),
      batchRateLimiter,
    }).revoke(sessionsOn(channel.arn, 45));

    expect(calls('BatchStartViewerSessionRevocation')).toHaveLength(3);
    expect(slept).toEqual([500, 500]);
    expect(standIn.rejected()).toEqual([]);
  });

  it('succeeds when IVS throttles once: the SDK retries', async () => {
    const channel = standIn.ivs.addChannel({ authorized: true });
    standIn.faults.add({ kind: 'throttle', operation: 'BatchStartViewerSessionRevocation', times: 1 });

    const outcomes = await revoker().revoke(sessionsOn(channel.arn, 2));

    expect(outcomes).toEqual([{ ok: true }, { ok: true }]);
    expect(calls('BatchStartViewerSessionRevocation').map((request) => request.status)).toEqual([429, 200]);
    expect(standIn.rejected()).toEqual([]);
  });

  it.each([
    ['StartViewerSessionRevocation', 1, 'server-error', 'InternalServerException'],
    ['BatchStartViewerSessionRevocation', 2, 'unavailable', 'ServiceUnavailable'],
    ['BatchStartViewerSessionRevocation', 2, 'drop', 'ECONNRESET'],
  ] as const)(
    'throws DEPENDENCY_UNAVAILABLE when %s keeps failing (%s, %s)',
    async (operation, count, kind, awsError) => {
      const channel = standIn.ivs.addChannel({ authorized: true });
      standIn.faults.add({ kind, operation });

      const failure = await serviceErrorOf(revoker().revoke(sessionsOn(channel.arn, count)));

      expect(failure.code).toBe('DEPENDENCY_UNAVAILABLE');
      expect(failure.retryAfterSeconds).toBe(5);
      expect(failure.details).toEqual({ operation: `IVS ${operation}`, awsError });
      expect(calls(operation)).toHaveLength(3);
      expect(standIn.rejected()).toEqual([]);
    },
  );

  it('stops at the first failing chunk: later chunks are not sent', async () => {
    const channel = standIn.ivs.addChannel({ authorized: true });
    standIn.faults.add({
      kind: 'server-error',
      operation: 'BatchStartViewerSessionRevocation',
      nth: 2,
      times: 3,
    });

    const failure = await serviceErrorOf(revoker().revoke(sessionsOn(channel.arn, 45)));

    expect(failure.code).toBe('DEPENDENCY_UNAVAILABLE');
    expect(standIn.ivs.revocations).toHaveLength(20);
    expect(calls('BatchStartViewerSessionRevocation').map((request) => request.status)).toEqual([
      200, 500, 500, 500,
    ]);
    expect(standIn.rejected()).toEqual([]);
  });
});
