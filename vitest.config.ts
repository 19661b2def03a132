import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Scans everything each test file logs and returns for private keys, API keys and tokens.
    setupFiles: ['test/support/leak-scan.setup.ts'],
    // Real P-384 keys and real HTTP servers: give slow CI machines room without hiding hangs.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // One test file per core (vitest's default leaves one core free): most files wait on child
    // processes, sockets and timers, so on a 2-core machine two at a time nearly halve the run.
    maxWorkers: availableParallelism(),
  },
});
