// Stress and hostile arguments for the Nettle addon (native/nettle_es384.c), run by
// scripts/signer-assurance.sh with the sanitized addon (NETTLE_ES384_ADDON) and node --expose-gc:
//  - importKey and sign with arbitrary values (fast-check's anything(), typed arrays of every kind
//    and length, random 48-byte coordinates): each call either succeeds or throws an Error with one
//    of the addon's codes; nothing else (no crash, no other exception, no sanitizer report);
//  - SIGNATURES signatures in flight at once over several keys whose JS references are dropped as
//    soon as sign() is called, with gc() running throughout: every one must verify under OpenSSL,
//    with no R seen twice.
//
//   node --expose-gc --import tsx scripts/signer-assurance/stress.ts [signatures]
import { type KeyObject, verify } from 'node:crypto';
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { ADDON_PATH, p384Pair } from '../../test/signer/nettle-addon.js';

type Addon = {
  importKey(...args: unknown[]): object;
  sign(...args: unknown[]): void;
};
const addon = createRequire(import.meta.url)(ADDON_PATH) as Addon;
const SIGNATURES = Number(process.argv[2] ?? 20_000);
const CODES = new Set([
  'ERR_INVALID_ARG_TYPE',
  'ERR_INVALID_ARG_VALUE',
  'ERR_MISSING_ARGS',
  'ERR_INVALID_KEY',
]);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');

const coordinates = (privateKey: KeyObject) => {
  const jwk = privateKey.export({ format: 'jwk' });
  return ['d', 'x', 'y'].map((name) => Buffer.from(String(jwk[name as 'd']), 'base64url'));
};
const pair = p384Pair();
const [d, x, y] = coordinates(pair.privateKey) as [Buffer, Buffer, Buffer];
const key = addon.importKey(d, x, y);

/** Runs `call`; returns 'ok' or the error code, and fails the run on anything but a coded Error. */
function outcome(call: () => unknown): string {
  try {
    call();
    return 'ok';
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (!(error instanceof Error) || typeof code !== 'string' || !CODES.has(code)) {
      throw new Error(`hostile arguments: an unexpected exception: ${String(error)}`);
    }
    return code;
  }
}

const typedArrays = fc.oneof(
  fc.uint8Array({ maxLength: 100 }),
  fc
    .constantFrom(48, 47, 49, 0, 96)
    .chain((length) =>
      fc.constantFrom(
        new Uint8Array(length),
        new Uint8ClampedArray(length),
        new Int8Array(length),
        new Uint16Array(length),
        new Float64Array(length),
        new DataView(new ArrayBuffer(length)),
        new ArrayBuffer(length),
        new Uint8Array(new SharedArrayBuffer(length)),
        Buffer.alloc(length, 0xff),
      ),
    ),
);
const hostile = fc.oneof(fc.anything({ withTypedArray: true, withBigInt: true, withMap: true }), typedArrays);
const seen = new Map<string, number>();
const count = (what: string) => seen.set(what, (seen.get(what) ?? 0) + 1);
const pending: Promise<void>[] = [];
const callbackOutcome = (args: unknown[]) =>
  new Promise<void>((resolve) => {
    const result = outcome(() => addon.sign(...args, () => resolve()));
    count(`sign ${result}`);
    if (result !== 'ok') resolve();
  });

fc.assert(
  fc.property(fc.array(hostile, { maxLength: 4 }), (args) => {
    count(`importKey ${outcome(() => addon.importKey(...args))}`);
    count(`importKey(d, x, hostile) ${outcome(() => addon.importKey(d, x, args[0]))}`);
    count(`sign(hostile…) ${outcome(() => addon.sign(...args))}`);
    pending.push(callbackOutcome([key, args[0]]));
  }),
  { numRuns: 20_000 },
);
fc.assert(
  fc.property(fc.uint8Array({ minLength: 48, maxLength: 48 }), (random) => {
    count(`importKey(random d) ${outcome(() => addon.importKey(random, x, y))}`);
  }),
  { numRuns: 2_000 },
);
await Promise.all(pending);
console.log(`stress: hostile arguments: ${[...seen].map(([what, times]) => `${what} ×${times}`).join(', ')}`);

// Signatures in flight on keys nothing in JS holds any more, with collections throughout.
const keys = Array.from({ length: 8 }, () => {
  const generated = p384Pair();
  return { publicKey: generated.publicKey, coordinates: coordinates(generated.privateKey) };
});
const results: { index: number; error: Error | null; signature: Buffer }[] = [];
let collections = 0;
const started = Date.now();
for (let index = 0; index < SIGNATURES; index++) {
  addon.sign(
    addon.importKey(...(keys[index % keys.length] as (typeof keys)[number]).coordinates),
    Buffer.from(`token ${index}`),
    (error: Error | null, signature: Buffer) => results.push({ index, error, signature }),
  );
  if (index % 500 === 0) {
    gc();
    collections++;
  }
}
await new Promise<void>((resolve) => {
  const collect = () => {
    gc();
    collections++;
    if (results.length < SIGNATURES) setTimeout(collect, 5);
    else resolve();
  };
  collect();
});
const failed = results.filter(({ index, error, signature }) => {
  const { publicKey } = keys[index % keys.length] as (typeof keys)[number];
  return (
    error !== null ||
    !verify('sha384', Buffer.from(`token ${index}`), { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature)
  );
});
const rValues = new Set(results.map(({ signature }) => signature?.subarray(0, 48).toString('hex')));
console.log(
  `stress: ${SIGNATURES} signatures in flight on ${keys.length} keys dropped at once, ${collections} collections while they ran, ${((Date.now() - started) / 1000).toFixed(1)} s: ${SIGNATURES - failed.length} verified under OpenSSL, ${failed.length} failed, ${SIGNATURES - rValues.size} repeated R`,
);
if (failed.length > 0 || rValues.size !== SIGNATURES) process.exit(1);
