import { afterAll, expect } from 'vitest';
import { leakScanReport } from './leak-scan.js';

// Registered in vitest.config.ts (`setupFiles`), so it runs with every test file of the suite.
afterAll(() => {
  const { logLines, responses, spanExports, findings } = leakScanReport();
  if (logLines + responses + spanExports > 0) {
    console.log(
      `leak-scan: ${logLines} log lines, ${responses} responses${spanExports > 0 ? `, ${spanExports} span exports` : ''} scanned, ${findings.length} findings`,
    );
  }

  expect(
    findings,
    'secrets in logs or exported spans (private key, API key, token, API key hash) or private keys in responses',
  ).toEqual([]);
});
