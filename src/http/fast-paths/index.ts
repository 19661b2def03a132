/**
 * The hand-made speed-ups on the token route, in one place. Each does exactly what a library path
 * does (express, body-parser, helmet), and each has a test that runs both paths on the same inputs
 * and compares status, headers and bytes:
 *
 * | speed-up                 | replaces                               | equivalence test                      |
 * | ------------------------ | -------------------------------------- | ------------------------------------- |
 * | listenWithStableShapes   | express's `app.listen`                 | test/e2e/app-listen.test.ts           |
 * | readDeclaredLengthJson   | `express.json` for plain JSON bodies   | test/http/fast-paths.test.ts          |
 * | sendJson                 | `res.status(s).json(body)`             | test/http/fast-paths.test.ts          |
 * | isoExpiry                | `Date#toISOString` per token           | test/http/fast-paths.test.ts          |
 * | precomputedHelmet        | `helmet()` as a middleware             | test/http/security-headers.test.ts    |
 *
 * One more lives with the logger it speeds up (src/adapters/logging/pino-logger.ts: lines of plain
 * values skip pino's redaction; test/unit/pino-logger.test.ts compares it with pino redacting every
 * line), since the logging adapter may not import the HTTP layer.
 *
 * Why they stay: `npm run bench` with each one removed alone, and with all removed, against the
 * code with all of them (README, "Performance"): each removal alone cost 10-40 µs of the server's
 * main-thread CPU per token (every run above the highest run with them), all together 30-100 µs,
 * and 15-30 % of tokens/s. Remove one only with a bench run showing it no longer pays.
 */
export { precomputedHelmet } from './helmet-replay.js';
export { readDeclaredLengthJson } from './json-body.js';
export { isoExpiry, sendJson } from './json-response.js';
export { listenWithStableShapes } from './listen.js';
