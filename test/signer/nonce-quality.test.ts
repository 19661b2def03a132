import { randomBytes, verify } from 'node:crypto';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadNettleSigningBackend } from '../../src/adapters/crypto/nettle-signing-backend.js';
import { ADDON_PATH, p384Pair } from './nettle-addon.js';
import { describeReport, nonceReport, P384_ORDER, recoverNonce } from './nonce-statistics.js';

const uniformNonces = (count: number) =>
  Array.from(
    { length: count },
    () => (BigInt(`0x${randomBytes(48).toString('hex')}`) % (P384_ORDER - 1n)) + 1n,
  );

describe('nonce statistics (the checks themselves)', () => {
  it('pass uniform nonces from the kernel CSPRNG', () => {
    expect(nonceReport(uniformNonces(2000)).failures).toEqual([]);
  });

  it('catch a stuck bit, a repeat, a value out of range and a source with 32 bits of entropy', () => {
    const stuck = uniformNonces(2000).map((k) => k & ~(1n << 200n));
    const repeated = [...uniformNonces(1999), 12345n, 12345n];
    const outOfRange = [...uniformNonces(1999), P384_ORDER];
    const weak = Array.from({ length: 2000 }, () => BigInt(randomBytes(4).readUInt32BE()) << 352n);

    expect(nonceReport(stuck).failures).toEqual([expect.stringMatching(/^bit 183 is set in 0 of 2000/)]);
    expect(nonceReport(repeated).failures).toContain('1 repeated nonces');
    expect(nonceReport(outOfRange).failures).toEqual(['1 nonces outside 0 < k < n']);
    expect(nonceReport(weak).failures.join('; ')).toMatch(/bit \d+ is set in 0 of 2000.*byte values: χ²/);
  });
});

// The nonces the signer actually used, recovered with the private key the test knows: a broken
// or repeating random source shows up here long before anyone could exploit it.
describe.skipIf(!existsSync(ADDON_PATH))('Nettle signer nonces', () => {
  it('are distinct, in range and evenly spread over 2,000 signatures, which all verify', async () => {
    const { privateKey, publicKey } = p384Pair();
    const d = Buffer.from(privateKey.export({ format: 'jwk' }).d ?? '', 'base64url');
    const signer = loadNettleSigningBackend(ADDON_PATH).signerFor(privateKey);
    const inputs = Array.from({ length: 2000 }, (_, index) => Buffer.from(`token ${index % 7}`));

    const signatures = await Promise.all(inputs.map((input) => signer.sign(input)));

    const verified = signatures.filter((signature, index) =>
      verify('sha384', inputs[index] as Buffer, { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature),
    );
    const rValues = new Set(signatures.map((signature) => signature.subarray(0, 48).toString('hex')));
    const report = nonceReport(
      signatures.map((signature, index) => recoverNonce(signature, inputs[index] as Buffer, d)),
    );
    expect(verified).toHaveLength(2000);
    expect(rValues.size).toBe(2000);
    expect(report.failures, describeReport(report)).toEqual([]);
  });
});
