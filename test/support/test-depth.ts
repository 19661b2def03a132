/**
 * `npm test` runs every behaviour at a depth that keeps it fast; `npm run test:slow` (which CI
 * also runs) sets TEST_DEPTH=slow for the full fuzz counts and the long soak.
 */
export const SLOW = process.env['TEST_DEPTH'] === 'slow';

/** `fast` in the default run, `slow` under `npm run test:slow`. */
export function byDepth<T>(fast: T, slow: T): T {
  return SLOW ? slow : fast;
}
