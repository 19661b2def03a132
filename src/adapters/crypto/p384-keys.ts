import {
  createECDH,
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPair,
  type KeyObject,
  randomBytes,
  verify,
} from 'node:crypto';
import { promisify } from 'node:util';
import { calculateJwkThumbprint, exportJWK, importSPKI } from 'jose';
import { ServiceError } from '../../domain/errors.js';
import type {
  Es384Signer,
  SignatureVerifier,
  SignerName,
  SigningBackend,
  SigningKeyPair,
} from '../../domain/ports.js';
import { type AdoptableKey, type NewSigningKey, PrivateKeyPem } from '../../domain/signing-key.js';

/**
 * Everything the service does with ECDSA P-384 key material, in one place: generating keys,
 * parsing stored PEM, fingerprints, and the one check that a private key signs for its public key.
 * The rest of the code only handles PEM text (and `PrivateKeyPem`, which never prints itself).
 */

/** A signature implementation over a parsed private key (the Nettle addon, or node:crypto). */
export interface Es384Backend {
  readonly name: SignerName;
  /** For logs: the library and its version. */
  readonly description: string;
  /** Prepares a signer for an ECDSA P-384 private key; throws when the key cannot be used. */
  signerFor(privateKey: KeyObject): Es384Signer;
}

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

/** Parses a stored private key; KEY_STORE_CORRUPT unless it is an ECDSA P-384 key. */
export function parseP384PrivateKey(pem: PrivateKeyPem, keyId: string): KeyObject {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: pem.reveal(), format: 'pem' });
  } catch (error) {
    throw new ServiceError(
      'KEY_STORE_CORRUPT',
      `signing key ${keyId}: the private key is not a readable PEM key`,
      {
        cause: error,
      },
    );
  }
  if (privateKey.asymmetricKeyType !== 'ec' || privateKey.asymmetricKeyDetails?.namedCurve !== 'secp384r1') {
    throw new ServiceError('KEY_STORE_CORRUPT', `signing key ${keyId} is not an ECDSA P-384 private key`);
  }
  return privateKey;
}

/** Whether `signature` (raw R‖S) over `input` verifies under `publicKey`, checked with OpenSSL. */
export function verifiesUnder(
  publicKey: KeyObject | string,
  input: Uint8Array,
  signature: Uint8Array,
): boolean {
  const key = typeof publicKey === 'string' ? createPublicKey(publicKey) : publicKey;
  return verify('sha384', input, { key, dsaEncoding: 'ieee-p1363' }, signature);
}

/**
 * Signs a probe with `signer` and verifies it, with OpenSSL, under `publicKeyPem` (the public key
 * IVS is given): a private key that does not match it, or a broken signer, would make every token
 * one that IVS refuses. Throws KEY_VERIFICATION_FAILED.
 */
export async function verifyKeyPair(signer: Es384Signer, publicKeyPem: string, keyId: string): Promise<void> {
  const probe = Buffer.from(`ivs-playback-auth key check ${keyId}`);
  const signature = await signer.sign(probe);
  if (!verifiesUnder(publicKeyPem, probe, signature)) {
    throw new ServiceError(
      'KEY_VERIFICATION_FAILED',
      `signing key ${keyId}: its signatures do not verify under its stored public key`,
    );
  }
}

/**
 * The SigningBackend port over a signature implementation: every key is parsed here and checked
 * against its stored public half before anything signs with it.
 */
export function asSigningBackend(backend: Es384Backend): SigningBackend {
  return {
    name: backend.name,
    description: backend.description,
    async signerFor(key: SigningKeyPair) {
      const signer = backend.signerFor(parseP384PrivateKey(key.privateKey, key.keyId));
      await verifyKeyPair(signer, key.publicKeyPem, key.keyId);
      return signer;
    },
  };
}

/** The PEM private key blocks adoption accepts: SEC1 (`EC PRIVATE KEY`, what openssl and the IVS console hand out) and PKCS#8. */
const PRIVATE_KEY_BLOCK = /-----BEGIN (EC )?PRIVATE KEY-----\r?\n[\s\S]*?\r?\n-----END \1PRIVATE KEY-----/g;

/**
 * Reads a private key handed in for adoption (`keys adopt`): PEM, SEC1 or PKCS#8, ECDSA P-384
 * only. Checks that the public half the file carries is the one its private scalar makes (SEC1 and
 * PKCS#8 may embed a public key, and nothing else checks it), and returns the key as PKCS#8 with
 * its SPKI public half and fingerprints. Errors name what is wrong and never quote the input:
 * KEY_NOT_READABLE, KEY_NOT_P384, KEY_HALVES_MISMATCH.
 */
export async function parseAdoptablePrivateKey(input: PrivateKeyPem): Promise<AdoptableKey> {
  const text = input.reveal();
  const unreadable = (why: string, cause?: unknown) =>
    new ServiceError('KEY_NOT_READABLE', `the private key ${why}`, cause === undefined ? {} : { cause });
  const blocks = text.match(PRIVATE_KEY_BLOCK) ?? [];
  if (blocks.length === 0) {
    if (/-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/.test(text)) {
      throw unreadable(
        'is encrypted; decrypt it first (openssl pkey -in encrypted.pem -out plain.pem) and pass the result',
      );
    }
    if (/-----BEGIN (PUBLIC KEY|CERTIFICATE)-----/.test(text)) {
      throw unreadable('given is a public key or certificate; pass the private key (SEC1 or PKCS#8 PEM)');
    }
    if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text)) {
      throw unreadable('is not an EC key in SEC1 or PKCS#8 PEM');
    }
    throw unreadable(
      'is not PEM: expected the PEM text of a SEC1 key (the EC form openssl and the IVS console write) or of a PKCS#8 key',
    );
  }
  if (blocks.length > 1) throw unreadable(`file holds ${blocks.length} private keys; pass a file with one`);
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: blocks[0] as string, format: 'pem' });
  } catch (error) {
    throw unreadable('could not be read: its PEM is damaged or truncated', error);
  }
  if (privateKey.asymmetricKeyType !== 'ec') {
    throw new ServiceError(
      'KEY_NOT_P384',
      `the private key's type is ${privateKey.asymmetricKeyType ?? 'unknown'}, not EC; IVS playback keys are ECDSA P-384 (secp384r1)`,
    );
  }
  const curve = privateKey.asymmetricKeyDetails?.namedCurve;
  if (curve !== 'secp384r1') {
    throw new ServiceError(
      'KEY_NOT_P384',
      `the private key is on curve ${curve ?? 'unknown'}${curve === 'prime256v1' ? ' (P-256)' : curve === 'secp521r1' ? ' (P-521)' : ''}; IVS playback keys are ECDSA P-384 (secp384r1)`,
      { details: { curve: curve ?? null } },
    );
  }
  const publicKey = createPublicKey(privateKey);
  // The public point the scalar makes, computed apart from what the file says (OpenSSL keeps an
  // embedded public key as it is).
  const jwk = privateKey.export({ format: 'jwk' });
  const ecdh = createECDH('secp384r1');
  ecdh.setPrivateKey(Buffer.from(jwk.d ?? '', 'base64url'));
  const derived = ecdh.getPublicKey();
  const embedded = Buffer.concat([
    Buffer.from([4]),
    Buffer.from(jwk.x ?? '', 'base64url'),
    Buffer.from(jwk.y ?? '', 'base64url'),
  ]);
  if (!derived.equals(embedded)) {
    throw new ServiceError(
      'KEY_HALVES_MISMATCH',
      'the public key inside the private key file is not the one its private half makes: the file was pieced together from two keys or damaged; nothing was adopted',
    );
  }
  const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  return {
    fingerprint: await fingerprintOf(publicKeyPem),
    publicKeyPem,
    privateKey: new PrivateKeyPem(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()),
    registryFingerprints: registryFingerprintForms(spki, derived),
  };
}

/**
 * IVS does not document the fingerprint it reports for a key pair, so a pair is recognised by any
 * of the forms public-key fingerprints are commonly given in: SHA-256, SHA-1 or MD5 of the key's
 * DER (SPKI) or of its raw point, in hex (compared without colons, in any case). A false match
 * would need a hash collision.
 */
function registryFingerprintForms(spki: Buffer, point: Buffer): string[] {
  return ['sha256', 'sha1', 'md5'].flatMap((algorithm) =>
    [spki, point].map((bytes) => createHash(algorithm).update(bytes).digest('hex')),
  );
}
/**
 * The SignatureVerifier port (token inspection), with OpenSSL: a PEM that is not an ECDSA P-384
 * public key answers undefined instead of throwing, since it may come from a caller.
 */
export const es384Verifier: SignatureVerifier = {
  verifiesEs384(publicKeyPem, signingInput, signature) {
    // A private key would be accepted (its public half derived), but it must not be handled here.
    if (publicKeyPem.includes('PRIVATE KEY')) return undefined;
    let publicKey: KeyObject;
    try {
      publicKey = createPublicKey({ key: publicKeyPem, format: 'pem' });
    } catch {
      return undefined;
    }
    if (publicKey.asymmetricKeyType !== 'ec' || publicKey.asymmetricKeyDetails?.namedCurve !== 'secp384r1') {
      return undefined;
    }
    return verifiesUnder(publicKey, signingInput, signature);
  },
};
