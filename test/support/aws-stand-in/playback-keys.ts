import { createHash, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';

/** A parsed playback public key, or the reason IVS would refuse it. */
export type ParsedPlaybackKey =
  | { readonly ok: true; readonly key: KeyObject; readonly spkiDer: Buffer }
  | { readonly ok: false; readonly reason: string };

/**
 * Accepts what IVS accepts as `publicKeyMaterial`: a PEM "BEGIN PUBLIC KEY" (SPKI) block holding an
 * EC key on P-384, the curve of the ES384 tokens IVS verifies.
 */
export function parsePlaybackPublicKey(pem: string): ParsedPlaybackKey {
  if (!pem.includes('-----BEGIN PUBLIC KEY-----')) {
    return { ok: false, reason: 'publicKeyMaterial must be a PEM "BEGIN PUBLIC KEY" block' };
  }
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pem, format: 'pem' });
  } catch (error) {
    return {
      ok: false,
      reason: `publicKeyMaterial is not a readable public key: ${(error as Error).message}`,
    };
  }
  const curve = key.asymmetricKeyDetails?.namedCurve;
  if (key.asymmetricKeyType !== 'ec' || curve !== 'secp384r1') {
    return {
      ok: false,
      reason: `publicKeyMaterial must be an EC P-384 key, got ${key.asymmetricKeyType ?? 'unknown'}${curve ? ` (${curve})` : ''}`,
    };
  }
  return { ok: true, key, spkiDer: key.export({ type: 'spki', format: 'der' }) };
}

/**
 * The stand-in's key pair fingerprint: lowercase hex SHA-256 of the public key's SPKI DER encoding.
 * Real IVS does not document its fingerprint format; never compare against a real one.
 */
export function playbackKeyFingerprint(publicKeyPem: string): string {
  const parsed = parsePlaybackPublicKey(publicKeyPem);
  if (!parsed.ok) throw new TypeError(parsed.reason);
  return createHash('sha256').update(parsed.spkiDer).digest('hex');
}

/** A fresh P-384 key pair as PEM text, for seeding key pairs and for tests. */
export function generateP384KeyPair(): { publicKeyPem: string; privateKeyPem: string } {
  const { publicKey, privateKey } = generateKeyPairSync('ec', {
    namedCurve: 'P-384',
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return { publicKeyPem: publicKey, privateKeyPem: privateKey };
}
