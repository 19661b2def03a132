import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Real P-384 keys and real HTTP servers: give slow CI machines room without hiding hangs.
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
