import { type KeyObject, sign } from 'node:crypto';
import type { SigningBackend } from '../../domain/ports.js';

/**
 * ES384 with node:crypto, that is OpenSSL. The callback form of `sign` runs on the libuv
 * threadpool, so signatures use every core while the event loop keeps serving requests.
 */
export const opensslSigningBackend: SigningBackend = {
  name: 'openssl',
  description: `OpenSSL ${process.versions.openssl} (node:crypto)`,
  signerFor(privateKey: KeyObject) {
    return {
      sign: (signingInput) =>
        new Promise((resolve, reject) => {
          sign('sha384', signingInput, { key: privateKey, dsaEncoding: 'ieee-p1363' }, (error, signature) => {
            if (error) reject(error);
            else resolve(signature);
          });
        }),
    };
  },
};
