import { createHash, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fingerprintOf, parseAdoptablePrivateKey } from '../../src/adapters/crypto/p384-keys.js';
import { PrivateKeyPem, registryFingerprintMatches } from '../../src/domain/signing-key.js';
import { makeLegacyKey, sec1WithPublicHalfOf } from '../support/legacy-signer.js';

const parse = (text: string) => parseAdoptablePrivateKey(new PrivateKeyPem(text));

/** Every refusal: a stable code, and a message that quotes nothing of the input. */
async function expectRefused(text: string, code: string, message: RegExp): Promise<void> {
  const error = await parse(text).then(
    () => undefined,
    (failure: unknown) => failure as { code: string; message: string },
  );
  expect(error).toMatchObject({ code, message: expect.stringMatching(message) });
  const body = text.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '');
  if (body.length >= 16) expect(error?.message).not.toContain(body.slice(0, 16));
  expect(error?.message).not.toMatch(/PRIVATE KEY-----/);
}

describe('reading a private key to adopt (SEC1 or PKCS#8 PEM, P-384 only)', () => {
  it('reads a SEC1 key (openssl, the IVS console) and a PKCS#8 key alike', async () => {
    const legacy = makeLegacyKey();

    const [fromSec1, fromPkcs8] = await Promise.all([parse(legacy.sec1Pem), parse(legacy.pkcs8Pem)]);

    for (const key of [fromSec1, fromPkcs8]) {
      expect(key.publicKeyPem).toBe(legacy.publicKeyPem);
      expect(key.fingerprint).toBe(await fingerprintOf(legacy.publicKeyPem));
      // Stored as PKCS#8, like the keys the service makes itself.
      expect(key.privateKey.reveal()).toBe(legacy.pkcs8Pem);
      expect(String(key.privateKey)).toBe('[redacted]');
    }
  });

  it('reads openssl ecparam -genkey output (EC PARAMETERS, then the key) and CRLF line ends', async () => {
    const legacy = makeLegacyKey();
    const parameters = '-----BEGIN EC PARAMETERS-----\nBgUrgQQAIg==\n-----END EC PARAMETERS-----\n';

    const withParameters = await parse(`${parameters}${legacy.sec1Pem}`);
    const crlf = await parse(legacy.sec1Pem.replace(/\n/g, '\r\n'));

    expect(withParameters.publicKeyPem).toBe(legacy.publicKeyPem);
    expect(crlf.publicKeyPem).toBe(legacy.publicKeyPem);
  });

  it('offers the forms a registry may report the fingerprint in, the stand-in’s (hex SHA-256 of the DER) among them', async () => {
    const legacy = makeLegacyKey();
    const der = createPublicKey(legacy.publicKeyPem).export({ type: 'spki', format: 'der' });
    const sha256 = createHash('sha256').update(der).digest('hex');
    const md5Colons = (createHash('md5').update(der).digest('hex').match(/../g) ?? []).join(':');

    const key = await parse(legacy.sec1Pem);

    expect(registryFingerprintMatches(sha256, key.registryFingerprints)).toBe(true);
    expect(registryFingerprintMatches(sha256.toUpperCase(), key.registryFingerprints)).toBe(true);
    expect(registryFingerprintMatches(md5Colons, key.registryFingerprints)).toBe(true);
    const other = await parse(makeLegacyKey().sec1Pem);
    expect(registryFingerprintMatches(sha256, other.registryFingerprints)).toBe(false);
    expect(registryFingerprintMatches('', key.registryFingerprints)).toBe(false);
    expect(registryFingerprintMatches(undefined, key.registryFingerprints)).toBe(false);
  });

  it('refuses a key on another curve with KEY_NOT_P384, naming the curve', async () => {
    const p256 = makeLegacyKey('P-256');

    await expectRefused(p256.sec1Pem, 'KEY_NOT_P384', /prime256v1 \(P-256\).*P-384/);
    await expectRefused(p256.pkcs8Pem, 'KEY_NOT_P384', /P-256/);
  });

  it('refuses an RSA or Ed25519 key with KEY_NOT_P384', async () => {
    const rsa = generateKeyPairSync('rsa', {
      modulusLength: 1024,
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    }).privateKey;
    const ed25519 = generateKeyPairSync('ed25519', {
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    }).privateKey;

    await expectRefused(rsa, 'KEY_NOT_P384', /type is rsa, not EC; IVS playback keys are ECDSA P-384/);
    await expectRefused(ed25519, 'KEY_NOT_P384', /type is ed25519, not EC/);
  });

  it('refuses a file whose public half is not its private half’s with KEY_HALVES_MISMATCH', async () => {
    const pieced = sec1WithPublicHalfOf(makeLegacyKey(), makeLegacyKey());

    await expectRefused(pieced, 'KEY_HALVES_MISMATCH', /not the one its private half makes/);
  });

  it('refuses garbage, a public key, an encrypted key, a truncated key and two keys with KEY_NOT_READABLE', async () => {
    const legacy = makeLegacyKey();
    const lines = legacy.sec1Pem.trim().split('\n');
    const truncated = [...lines.slice(0, 2), ...lines.slice(-1)].join('\n');

    await expectRefused('', 'KEY_NOT_READABLE', /is not PEM/);
    await expectRefused('hello, this is not a key', 'KEY_NOT_READABLE', /is not PEM/);
    await expectRefused('\u0000\u00ff'.repeat(100), 'KEY_NOT_READABLE', /is not PEM/);
    await expectRefused(
      legacy.publicKeyPem,
      'KEY_NOT_READABLE',
      /public key or certificate; pass the private key/,
    );
    await expectRefused(
      '-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIBvTBXBgkqhkiG9w0BBQ0wSjApBgkqhkiG9w0BBQwwHAQI\n-----END ENCRYPTED PRIVATE KEY-----\n',
      'KEY_NOT_READABLE',
      /is encrypted; decrypt it first/,
    );
    await expectRefused(
      '-----BEGIN RSA PRIVATE KEY-----\nMIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu\n-----END RSA PRIVATE KEY-----\n',
      'KEY_NOT_READABLE',
      /not an EC key in SEC1 or PKCS#8/,
    );
    await expectRefused(truncated, 'KEY_NOT_READABLE', /damaged or truncated/);
    await expectRefused(
      `${legacy.sec1Pem}${makeLegacyKey().sec1Pem}`,
      'KEY_NOT_READABLE',
      /holds 2 private keys/,
    );
  });
});
