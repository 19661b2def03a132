import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { NETTLE_ADDON_PATH } from '../../src/adapters/crypto/nettle-signing-backend.js';

/**
 * The addon the signer tests load: the normal build, or the one NETTLE_ES384_ADDON names (the
 * sanitizer run, scripts/signer-assurance/sanitizers.sh, builds one with ASan and UBSan).
 */
export const ADDON_PATH = process.env['NETTLE_ES384_ADDON'] ?? NETTLE_ADDON_PATH;

/**
 * LD_PRELOAD for a child process that also preloads `library`: after what this process preloads,
 * because the sanitizer runtime (libasan) must stay first.
 */
export function preloading(library: string): string {
  return [process.env['LD_PRELOAD'], library].filter(Boolean).join(':');
}

/**
 * A fresh P-384 pair, parsed from PEM. Not generateKeyPairSync's own KeyObjects: on Node 20,
 * exporting one as JWK can deadlock the thread when a garbage collection at that moment destroys
 * the key-generation job (it locks the key's mutex, which the export holds).
 */
export function p384Pair(): { privateKey: KeyObject; publicKey: KeyObject } {
  const pem = generateKeyPairSync('ec', {
    namedCurve: 'P-384',
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  return { privateKey: createPrivateKey(pem.privateKey), publicKey: createPublicKey(pem.publicKey) };
}

/** The same for scripts run in child processes: an expression that makes such a pair. */
export const P384_PAIR_EXPRESSION = `((crypto) => {
  const pem = crypto.generateKeyPairSync('ec', {
    namedCurve: 'P-384',
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  return { privateKey: crypto.createPrivateKey(pem.privateKey), publicKey: crypto.createPublicKey(pem.publicKey) };
})(require('node:crypto'))`;
