import fc from 'fast-check';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createPinoLogger, isoTimeField, mayNeedRedaction } from '../../src/adapters/logging/pino-logger.js';

/** The logger as it was configured before the redaction shortcut: pino with redaction on every line. */
function referenceLogger(write: (line: string) => void) {
  const keys = ['authorization', 'headers', 'token', 'privateKey', 'apiKey', 'sha256'];
  return pino(
    {
      level: 'debug',
      base: { service: 'ivs-playback-auth' },
      timestamp: false,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: keys.flatMap((key) => [key, `*.${key}`]), censor: '[redacted]' },
    },
    { write },
  );
}

function lines() {
  const written: string[] = [];
  return { written, write: (line: string) => written.push(line.replace(/,"time":"[^"]+"/, '')) };
}

const key = fc.oneof(
  fc.constantFrom('authorization', 'headers', 'token', 'privateKey', 'apiKey', 'sha256', 'apiKeyId', 'code'),
  fc.string({ maxLength: 8 }),
);
const primitive = fc.oneof(
  fc.string(),
  fc.double(),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
);
const value = fc.oneof(
  { weight: 4, arbitrary: primitive },
  { weight: 1, arbitrary: fc.dictionary(key, primitive, { maxKeys: 4 }) },
  { weight: 1, arbitrary: fc.array(fc.dictionary(key, primitive, { maxKeys: 3 }), { maxLength: 3 }) },
);

describe('createPinoLogger', () => {
  it('writes every line exactly as pino with redaction on every line would', () => {
    fc.assert(
      fc.property(
        fc.dictionary(key, value, { maxKeys: 8 }),
        fc.string({ maxLength: 12 }),
        (fields, message) => {
          const actual = lines();
          const expected = lines();
          const logger = createPinoLogger({ level: 'debug', destination: { write: actual.write } });

          logger.info({ ...fields }, message);
          logger.error({ ...fields }, message);
          referenceLogger(expected.write).info({ ...fields }, message);
          referenceLogger(expected.write).error({ ...fields }, message);

          expect(actual.written).toEqual(expected.written);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('takes the shortcut only for lines of primitives under keys that are never redacted', () => {
    expect(mayNeedRedaction({ requestId: 'r', status: 201, durationMs: 1.5, code: undefined })).toBe(false);
    expect(mayNeedRedaction({ token: 'x' })).toBe(true);
    expect(mayNeedRedaction({ token: undefined })).toBe(true);
    expect(mayNeedRedaction({ err: new Error('x') })).toBe(true);
    expect(mayNeedRedaction({ nested: { anything: 1 } })).toBe(true);
  });
});

describe('isoTimeField', () => {
  it("formats exactly as pino's isoTime, across seconds, in any order", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 253_402_300_799_999 }), { minLength: 1, maxLength: 20 }),
        (times) => {
          for (const time of times) {
            expect(isoTimeField(time)).toBe(`,"time":"${new Date(time).toISOString()}"`);
            expect(isoTimeField(time + 1)).toBe(`,"time":"${new Date(time + 1).toISOString()}"`);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
