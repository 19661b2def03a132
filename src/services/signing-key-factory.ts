import { generateKeyPair, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { calculateJwkThumbprint, exportJWK, importSPKI } from 'jose';
import { type NewSigningKey, PrivateKeyPem } from '../domain/signing-key.js';

const generateKeyPairAsync = promisify(generateKeyPair);

/**
 * Key ids sort by creation time and are valid IVS key pair names (`[a-zA-Z0-9-_]`, ≤ 128):
 * `ipa-20261128t163500z-3f9a1c2b`.
 */
export function newKeyId(createdAt: Date): string {
  const stamp = createdAt
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'z')
    .toLowerCase();
  return `ipa-${stamp}-${randomBytes(4).toString('hex')}`;
}

/** RFC 7638 thumbprint of a public key: the fingerprint shown in listings and logs. */
export async function fingerprintOf(publicKeyPem: string): Promise<string> {
  const publicKey = await importSPKI(publicKeyPem, 'ES384', { extractable: true });
  return calculateJwkThumbprint(await exportJWK(publicKey), 'sha256');
}

/** Generates an ECDSA P-384 key pair: private key as PKCS#8 PEM, public key as SPKI PEM. */
export async function generateSigningKey(createdAt: Date): Promise<NewSigningKey> {
  const { privateKey, publicKey } = await generateKeyPairAsync('ec', {
    namedCurve: 'P-384',
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  return {
    keyId: newKeyId(createdAt),
    fingerprint: await fingerprintOf(publicKey),
    publicKeyPem: publicKey,
    privateKey: new PrivateKeyPem(privateKey),
    createdAt,
  };
}
