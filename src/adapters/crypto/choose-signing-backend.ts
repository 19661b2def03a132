import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import type { Logger, SignerChoice, SigningBackend } from '../../domain/ports.js';
import { loadNettleSigningBackend } from './nettle-signing-backend.js';
import { opensslSigningBackend } from './openssl-signing-backend.js';
import { asSigningBackend, type Es384Backend, verifiesUnder } from './p384-keys.js';

/**
 * Picks the signature implementation once at start. Nettle must first sign with a throwaway key
 * and have OpenSSL verify the signature: a signer that cannot do that never signs a token. With
 * `nettle` a missing or failing Nettle signer is an error; with `auto` OpenSSL takes over, logged.
 * `loadNettle` is replaceable for tests.
 */
export async function chooseSigningBackend(
  choice: SignerChoice,
  logger: Logger,
  loadNettle: () => Es384Backend = loadNettleSigningBackend,
): Promise<SigningBackend> {
  if (choice === 'openssl') return asSigningBackend(opensslSigningBackend);
  try {
    const nettle = loadNettle();
    await selfTest(nettle);
    return asSigningBackend(nettle);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    if (choice === 'nettle') throw new Error(`SIGNER=nettle, but ${reason}`);
    logger.warn(
      { reason },
      'signing with OpenSSL (node:crypto), several times the CPU a token: the Nettle signer is not available',
    );
    return asSigningBackend(opensslSigningBackend);
  }
}

async function selfTest(backend: Es384Backend): Promise<void> {
  // Parsed from PEM rather than taken from generateKeyPairSync: on Node 20, exporting a generated
  // key as JWK (signerFor does) can deadlock when a garbage collection at that moment destroys the
  // key-generation job, which locks the same key's mutex the export holds.
  const pem = generateKeyPairSync('ec', {
    namedCurve: 'P-384',
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const privateKey = createPrivateKey(pem.privateKey);
  const publicKey = createPublicKey(pem.publicKey);
  const input = Buffer.from(`ivs-playback-auth self-test of the ${backend.name} signer`);
  const signature = await backend.signerFor(privateKey).sign(input);
  if (!verifiesUnder(publicKey, input, signature)) {
    throw new Error(`the ${backend.name} signer failed its self-test: OpenSSL does not verify its signature`);
  }
}
