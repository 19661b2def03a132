// Node's own ES384 signing rate on every core: async crypto.sign (libuv threadpool) with enough
// signatures in flight to keep every pool thread busy. Prints one JSON line and exits.
// Usage: node bench/node-sign-ceiling.mjs <seconds>
import { generateKeyPairSync, sign } from 'node:crypto';
import { availableParallelism } from 'node:os';

const seconds = Number(process.argv[2] ?? 5);
const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-384' });
const payload = Buffer.from(`eyJhbGciOiJFUzM4NCIsInR5cCI6IkpXVCJ9.${'x'.repeat(200)}`);
const inFlight = 4 * Math.max(availableParallelism(), Number(process.env.UV_THREADPOOL_SIZE ?? 4));

let signed = 0;
let stop = false;
const started = process.hrtime.bigint();
const cpuStarted = process.cpuUsage();
let running = 0;

await new Promise((resolve, reject) => {
  const next = () => {
    running++;
    sign('sha384', payload, { key: privateKey, dsaEncoding: 'ieee-p1363' }, (error) => {
      running--;
      if (error) return reject(error);
      signed++;
      if (!stop) next();
      else if (running === 0) resolve();
    });
  };
  for (let i = 0; i < inFlight; i++) next();
  setTimeout(() => {
    stop = true;
  }, seconds * 1000);
});

const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
const cpu = process.cpuUsage(cpuStarted);
process.stdout.write(
  `${JSON.stringify({ signsPerSecond: signed / elapsed, cpuMicrosPerSign: (cpu.user + cpu.system) / signed })}\n`,
);
