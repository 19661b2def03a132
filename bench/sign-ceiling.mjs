// An ES384 signing rate on every core, through the service's own signer adapters (dist/, built by
// `npm run bench`): `openssl` is node:crypto's callback sign, `nettle` the Nettle addon, both on
// the libuv threadpool, with enough signatures in flight to keep every pool thread busy. Prints one
// JSON line and exits. Usage: node bench/sign-ceiling.mjs <seconds> <openssl|nettle>
import { generateKeyPairSync } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { loadNettleSigningBackend } from '../dist/adapters/crypto/nettle-signing-backend.js';
import { opensslSigningBackend } from '../dist/adapters/crypto/openssl-signing-backend.js';

const seconds = Number(process.argv[2] ?? 5);
const backend = process.argv[3] === 'nettle' ? loadNettleSigningBackend() : opensslSigningBackend;
const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-384' });
const signer = backend.signerFor(privateKey);
const payload = Buffer.from(`eyJhbGciOiJFUzM4NCIsInR5cCI6IkpXVCJ9.${'x'.repeat(200)}`);
const inFlight = 4 * Math.max(availableParallelism(), Number(process.env.UV_THREADPOOL_SIZE ?? 4));

let signed = 0;
let stop = false;
const started = process.hrtime.bigint();
const cpuStarted = process.cpuUsage();
setTimeout(() => {
  stop = true;
}, seconds * 1000);
await Promise.all(
  Array.from({ length: inFlight }, async () => {
    while (!stop) {
      await signer.sign(payload);
      signed++;
    }
  }),
);

const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
const cpu = process.cpuUsage(cpuStarted);
process.stdout.write(
  `${JSON.stringify({ signer: backend.name, signsPerSecond: signed / elapsed, cpuMicrosPerSign: (cpu.user + cpu.system) / signed })}\n`,
);
