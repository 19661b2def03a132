import { describe, expect, it } from 'vitest';
import { runSoak } from '../support/soak.js';
import { byDepth } from '../support/test-depth.js';

/**
 * Load, rotations of both kinds and a replica restart: 8 s in `npm test`, 60 s in `npm run
 * test:slow` (longer still: `npm run soak`).
 */
describe('soak with rotation and restarts', () => {
  it('never fails a token request, never signs with a key IVS lacks, orphans and loses nothing', async () => {
    const report = await runSoak({
      durationMs: byDepth(8000, 60_000),
      concurrency: 8,
      rotateEveryMs: byDepth(2500, 5000),
      restartEveryMs: byDepth(4000, 15_000),
    });
    console.log(
      `soak: ${JSON.stringify({ ...report, failedRequests: report.failedRequests.length, rejectedAwsRequests: report.rejectedAwsRequests.length, badTokens: report.badTokens.length })}`,
    );

    expect(report.failedRequests).toEqual([]);
    expect(report.badTokens).toEqual([]);
    expect(report.orphanedKeyPairs).toEqual([]);
    expect(report.lostPrivateKeys).toEqual([]);
    expect(report.rejectedAwsRequests).toEqual([]);
    expect(report.secretsInLogs).toBe(0);
    expect(report.tokensIssued).toBeGreaterThan(100);
    expect(report.rotations.normal + report.rotations.emergency).toBeGreaterThanOrEqual(2);
    expect(report.restarts).toBeGreaterThanOrEqual(1);
  }, 180_000);
});
