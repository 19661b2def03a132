import { describe, expect, it } from 'vitest';
import { runSoak } from '../support/soak.js';
import { byDepth } from '../support/test-depth.js';

/**
 * Load, rotations of both kinds and a replica restart: 8 s in `npm test`, 60 s in `npm run
 * test:slow` (longer still: `npm run soak`).
 */
describe('soak with rotation and restarts', () => {
  it('never fails a token request, never signs with a key IVS lacks, every token plays, orphans and loses nothing', async () => {
    const report = await runSoak({
      durationMs: byDepth(8000, 60_000),
      concurrency: 8,
      rotateEveryMs: byDepth(2500, 5000),
      restartEveryMs: byDepth(4000, 15_000),
    });
    console.log(
      `soak: ${JSON.stringify({ ...report, failedRequests: report.failedRequests.length, rejectedAwsRequests: report.rejectedAwsRequests.length, badTokens: report.badTokens.length, tokensNotPlaying: report.tokensNotPlaying.length })}`,
    );

    expect(report.failedRequests).toEqual([]);
    expect(report.badTokens).toEqual([]);
    // Not asserted yet: report.tokensCutByEmergency.receivedAfterDeletion, tokens a replica signed
    // with a key an emergency rotation had already deleted (up to KEY_REFRESH_SECONDS today); issue
    // 13's emergency-window work bounds it.
    expect(report.tokensNotPlaying).toEqual([]);
    expect(report.tokensPlayed).toBe(report.tokensIssued);
    expect(report.orphanedKeyPairs).toEqual([]);
    expect(report.lostPrivateKeys).toEqual([]);
    expect(report.rejectedAwsRequests).toEqual([]);
    expect(report.secretsInLogs).toBe(0);
    expect(report.tokensIssued).toBeGreaterThan(100);
    expect(report.rotations.normal + report.rotations.emergency).toBeGreaterThanOrEqual(2);
    expect(report.restarts).toBeGreaterThanOrEqual(1);
  }, 180_000);
});
