import { type KeyObject, sign } from 'node:crypto';
import { promisify } from 'node:util';
import type { Es384Backend } from './p384-keys.js';

/** The callback form of `sign` runs on the libuv threadpool (the synchronous one would not). */
const signOnThreadpool = promisify(sign);

/**
 * ES384 with node:crypto, that is OpenSSL, on the libuv threadpool: signatures use every core while
 * the event loop keeps serving requests.
 */
export const opensslSigningBackend: Es384Backend = {
  name: 'openssl',
  description: `OpenSSL ${process.versions.openssl} (node:crypto)`,
  signerFor(privateKey: KeyObject) {
    const options = { key: privateKey, dsaEncoding: 'ieee-p1363' } as const;
    return { sign: (signingInput) => signOnThreadpool('sha384', signingInput, options) };
  },
};
