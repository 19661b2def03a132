// Nonce quality over many signatures (default 100,000), run by scripts/signer-assurance.sh: each
// signature is verified under OpenSSL, its nonce recovered with the private key (which the test
// knows), and the nonces tested for repeats, range, bit frequencies and byte values
// (test/signer/nonce-statistics.ts). Exit status 1 when any bound is exceeded.
//
//   node --import tsx scripts/signer-assurance/nonces.ts [signatures]
import { verify } from 'node:crypto';
import { loadNettleSigningBackend } from '../../src/adapters/crypto/nettle-signing-backend.js';
import { ADDON_PATH, p384Pair } from '../../test/signer/nettle-addon.js';
import { describeReport, nonceReport, recoverNonce } from '../../test/signer/nonce-statistics.js';

const SIGNATURES = Number(process.argv[2] ?? 100_000);
const BATCH = 2_000;
const { privateKey, publicKey } = p384Pair();
const d = Buffer.from(privateKey.export({ format: 'jwk' }).d ?? '', 'base64url');
const signer = loadNettleSigningBackend(ADDON_PATH).signerFor(privateKey);

const started = Date.now();
const nonces: bigint[] = [];
const rValues = new Set<string>();
let unverified = 0;
for (let done = 0; done < SIGNATURES; done += BATCH) {
  const inputs = Array.from({ length: Math.min(BATCH, SIGNATURES - done) }, (_, index) =>
    Buffer.from(`token ${(done + index) % 97}`),
  );
  const signatures = await Promise.all(inputs.map((input) => signer.sign(input)));
  signatures.forEach((signature, index) => {
    const input = inputs[index] as Buffer;
    if (!verify('sha384', input, { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature)) unverified++;
    rValues.add(signature.subarray(0, 48).toString('hex'));
    nonces.push(recoverNonce(signature, input, d));
  });
}
d.fill(0);
const report = nonceReport(nonces);
console.log(
  `nonces: ${SIGNATURES} signatures in ${((Date.now() - started) / 1000).toFixed(1)} s, ${unverified} not verified by OpenSSL, ${SIGNATURES - rValues.size} repeated R; ${describeReport(report)}`,
);
if (unverified > 0 || rValues.size !== SIGNATURES || report.failures.length > 0) process.exit(1);
