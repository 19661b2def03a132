/**
 * `npm run soak [-- --seconds 120]`: the long soak. Two replicas against the local AWS stand-in,
 * tokens under load while keys rotate (normal and emergency) and one replica restarts; prints the
 * figures and exits 1 if any token request failed, any token could not be trusted or would not play
 * (the stand-in's playback oracle), or anything was orphaned, lost or leaked. Loopback only; stops
 * by itself.
 */
import { parseArgs } from 'node:util';
import { runSoak } from '../test/support/soak.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '120' },
    concurrency: { type: 'string', default: '16' },
    'rotate-every': { type: 'string', default: '5' },
    'restart-every': { type: 'string', default: '15' },
    regions: { type: 'string', default: 'us-west-2,eu-west-1,ap-northeast-1' },
  },
});
const seconds = Number(values.seconds);
console.log(
  `soak: ${seconds} s, ${values.concurrency} clients, a rotation every ${values['rotate-every']} s, a restart every ${values['restart-every']} s, regions ${values.regions}`,
);
const report = await runSoak({
  durationMs: seconds * 1000,
  concurrency: Number(values.concurrency),
  rotateEveryMs: Number(values['rotate-every']) * 1000,
  restartEveryMs: Number(values['restart-every']) * 1000,
  regions: values.regions.split(','),
});
const failures =
  report.failedRequests.length +
  report.badTokens.length +
  report.tokensNotPlaying.length +
  report.orphanedKeyPairs.length +
  report.lostPrivateKeys.length +
  report.rejectedAwsRequests.length +
  report.secretsInLogs;
console.table({
  'token requests': report.tokensRequested,
  'tokens issued': report.tokensIssued,
  'failed requests': report.failedRequests.length,
  'refused (503 KEY_NOT_IN_REGION) just after an emergency': report.refusedDuringEmergency,
  'normal rotations': report.rotations.normal,
  'emergency rotations': report.rotations.emergency,
  'rotations refused (409)': report.rotations.refused,
  'replica restarts': report.restarts,
  'untrusted tokens': report.badTokens.length,
  'tokens played (oracle)': report.tokensPlayed,
  'tokens that would not play': report.tokensNotPlaying.length,
  'tokens received after an emergency deleted their key': report.tokensCutByEmergency.receivedAfterDeletion,
  'tokens whose key an emergency deleted before they played': report.tokensCutByEmergency.inFlight,
  'emergency window, replica A (ms)': report.emergencyWindowMs.a,
  'emergency window, replica B (ms)': report.emergencyWindowMs.b,
  ...Object.fromEntries(
    Object.entries(report.tokensByRegion).map(([region, count]) => [`tokens issued for ${region}`, count]),
  ),
  'orphaned key pairs': report.orphanedKeyPairs.length,
  'lost private keys': report.lostPrivateKeys.length,
  'AWS requests rejected': report.rejectedAwsRequests.length,
  'secrets in logs': report.secretsInLogs,
});
console.log(JSON.stringify(report));
process.exit(failures === 0 ? 0 : 1);
