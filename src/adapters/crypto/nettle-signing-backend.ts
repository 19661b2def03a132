import type { KeyObject } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Es384Backend } from './p384-keys.js';

/** An imported private key inside the addon (opaque to JS). */
declare const nettleKey: unique symbol;
type NettleKey = { readonly [nettleKey]: true };

/** native/nettle_es384.c: the only code that touches the private scalar in Nettle. */
interface NettleBinding {
  readonly nettleVersion: string;
  importKey(d: Uint8Array, x: Uint8Array, y: Uint8Array): NettleKey;
  sign(
    key: NettleKey,
    signingInput: Uint8Array,
    callback: (error: Error | null, signature: Buffer) => void,
  ): void;
}

/** Where `npm run build` leaves the addon (scripts/build-native.mjs); the same from src/ and dist/. */
export const NETTLE_ADDON_PATH = fileURLToPath(
  new URL('../../../native/build/Release/nettle_es384.node', import.meta.url),
);

/**
 * ES384 with GNU Nettle through the addon in native/: several times less CPU a signature than
 * OpenSSL 3 on x86_64 (Nettle has curve-specific P-384 code, OpenSSL 3 a generic one; measured
 * figures are in the README's performance section), side-channel silent,
 * on the libuv threadpool like node:crypto's callback sign. Throws, saying why, when the addon is
 * not built or cannot load (no C compiler or Nettle headers at build time, no libnettle at run time).
 * `addonPath` is for the signer's sanitizer run, which loads a separately built addon.
 */
export function loadNettleSigningBackend(addonPath: string = NETTLE_ADDON_PATH): Es384Backend {
  if (!existsSync(addonPath)) {
    throw new Error(
      `the Nettle signer is not built (${addonPath} is missing); npm run build compiles it where a C compiler and Nettle's headers are installed (Debian/Ubuntu: apt-get install nettle-dev)`,
    );
  }
  let binding: NettleBinding;
  try {
    binding = createRequire(import.meta.url)(addonPath) as NettleBinding;
  } catch (error) {
    throw new Error(
      `the Nettle signer cannot be loaded: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const sign = promisify(binding.sign);
  return {
    name: 'nettle',
    description: `GNU Nettle ${binding.nettleVersion} (native/nettle_es384.c)`,
    signerFor(privateKey: KeyObject) {
      if (privateKey.asymmetricKeyDetails?.namedCurve !== 'secp384r1') {
        throw new Error('the Nettle signer takes ECDSA P-384 private keys only');
      }
      const jwk = privateKey.export({ format: 'jwk' });
      const d = Buffer.from(jwk.d ?? '', 'base64url');
      let key: NettleKey;
      try {
        key = binding.importKey(
          d,
          Buffer.from(jwk.x ?? '', 'base64url'),
          Buffer.from(jwk.y ?? '', 'base64url'),
        );
      } finally {
        d.fill(0);
      }
      return { sign: (signingInput) => sign(key, signingInput) };
    },
  };
}
