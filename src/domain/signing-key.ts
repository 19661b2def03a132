import { inspect } from 'node:util';

/** `pending → current → previous (draining) → retired (deleted from IVS)`. */
export type KeyState = 'pending' | 'current' | 'previous' | 'retired';

/** What may be shown about a signing key: never the private half. */
export interface SigningKeyInfo {
  /** Stable id; also the IVS key pair name and the JWKS `kid`. Matches `[a-zA-Z0-9-]{1,64}`. */
  readonly keyId: string;
  readonly state: KeyState;
  /** RFC 7638 JWK SHA-256 thumbprint of the public key (base64url). */
  readonly fingerprint: string;
  /** SPKI PEM (`BEGIN PUBLIC KEY`), the form ImportPlaybackKeyPair takes. */
  readonly publicKeyPem: string;
  readonly createdAt: Date;
  /** When it became current. */
  readonly activatedAt?: Date | undefined;
  /** When it stopped being current: the drain clock starts here. */
  readonly deactivatedAt?: Date | undefined;
  readonly retiredAt?: Date | undefined;
}

/**
 * A PEM private key that refuses to be printed: `String()`, JSON and `util.inspect` all show
 * `[redacted]`, so a key that slips into a log call or an error still does not leak.
 */
export class PrivateKeyPem {
  readonly #pem: string;

  constructor(pem: string) {
    this.#pem = pem;
  }

  /** The PEM text; call only to hand it to a crypto API or to durable storage. */
  reveal(): string {
    return this.#pem;
  }

  toString(): string {
    return '[redacted]';
  }

  toJSON(): string {
    return '[redacted]';
  }

  [inspect.custom](): string {
    return 'PrivateKeyPem [redacted]';
  }
}

/** A key as the key store holds it: the public facts plus the private key. */
export interface StoredSigningKey extends SigningKeyInfo {
  readonly privateKey: PrivateKeyPem;
}

/** A freshly generated key, before it has any state. */
export interface NewSigningKey {
  readonly keyId: string;
  readonly fingerprint: string;
  readonly publicKeyPem: string;
  readonly privateKey: PrivateKeyPem;
  readonly createdAt: Date;
}

/** What a key id looks like (also a valid IVS key pair name), as a regular expression source. */
export const KEY_ID_PATTERN = '^[a-zA-Z0-9-]{1,64}$';
const KEY_ID = new RegExp(KEY_ID_PATTERN);

export function isValidKeyId(value: string): boolean {
  return KEY_ID.test(value);
}

/** Strips the private key: what routes and logs may see. */
export function toKeyInfo(key: StoredSigningKey): SigningKeyInfo {
  const { privateKey: _privateKey, ...info } = key;
  return info;
}
