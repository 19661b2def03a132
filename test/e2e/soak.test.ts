import { describe, expect, it } from 'vitest';
import { runSoak } from '../support/soak.js';
import { byDepth } from '../support/test-depth.js';

/** KEY_REFRESH_SECONDS in the soak (1 s), plus room for a Secrets Manager call on a busy machine. */
const EMERGENCY_WINDOW_BOUND_MS = 1000 + 2000;

/**
 * Load over three IVS regions, rotations of both kinds and a replica restart: 8 s in `npm test`,
 * 60 s in `npm run test:slow` (longer still: `npm run soak`).
 */
describe('soak with rotation and restarts', () => {
  it('never fails a token request, never signs with a key IVS lacks, every token plays, orphans and loses nothing', async () => {
    const report = await runSoak({
      durationMs: byDepth(8000, 60_000),
      concurrency: 8,
      rotateEveryMs: byDepth(2500, 5000),
      restartEveryMs: byDepth(4000, 15_000),
      regions: ['us-west-2', 'eu-west-1', 'ap-northeast-1'],
      emergencyGraceMs: EMERGENCY_WINDOW_BOUND_MS,
    });
    console.log(
      `soak: ${JSON.stringify({ ...report, failedRequests: report.failedRequests.length, rejectedAwsRequests: report.rejectedAwsRequests.length, badTokens: report.badTokens.length, tokensNotPlaying: report.tokensNotPlaying.length })}`,
    );

    expect(report.failedRequests).toEqual([]);
    expect(report.badTokens).toEqual([]);
    // After an emergency, a replica may sign with the deleted key, or refuse with 503
    // KEY_NOT_IN_REGION once it sees the key gone from IVS, only until it re-reads its keys: the
    // soak counts such refusals apart (refusedDuringEmergency) and any other as a failed request.
    expect(report.emergencyWindowMs.a).toBeLessThanOrEqual(EMERGENCY_WINDOW_BOUND_MS);
    expect(report.emergencyWindowMs.b).toBeLessThanOrEqual(EMERGENCY_WINDOW_BOUND_MS);
    expect(report.tokensNotPlaying).toEqual([]);
    expect(report.tokensPlayed).toBe(report.tokensIssued);
    expect(report.orphanedKeyPairs).toEqual([]);
    expect(report.lostPrivateKeys).toEqual([]);
    expect(report.rejectedAwsRequests).toEqual([]);
    expect(report.secretsInLogs).toBe(0);
    expect(report.tokensIssued).toBeGreaterThan(100);
    for (const issued of Object.values(report.tokensByRegion)) expect(issued).toBeGreaterThan(30);
    expect(report.rotations.normal + report.rotations.emergency).toBeGreaterThanOrEqual(2);
    expect(report.restarts).toBeGreaterThanOrEqual(1);
  }, 180_000);
});
