import { afterAll, expect } from 'vitest';
import { leakScanReport } from './leak-scan.js';

// Registered in vitest.config.ts (`setupFiles`), so it runs with every test file of the suite.
afterAll(() => {
  const { logLines, responses, findings } = leakScanReport();
  if (logLines + responses > 0) {
    console.log(
      `leak-scan: ${logLines} log lines, ${responses} responses scanned, ${findings.length} findings`,
    );
  }

  expect(
    findings,
    'secrets in logs (private key, API key, token, API key hash) or private keys in responses',
  ).toEqual([]);
});
