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
  /** Set for a key that existed before this service took it over (`keys adopt`): when it was adopted. */
  readonly adoptedAt?: Date | undefined;
  /** The state an adopted key was adopted into; while it is pending, the state it is headed for. */
  readonly adoptedAs?: AdoptionRole | undefined;
}

/**
 * What an adopted key becomes: `current` (it signs from then on) or `previous` (it only verifies
 * the tokens a signer outside this service still makes, until its drain ends). docs/key-lifecycle.md,
 * "Adopting a key".
 */
export type AdoptionRole = 'current' | 'previous';

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

/** A freshly generated (or adopted) key, before it has any state. */
export interface NewSigningKey {
  readonly keyId: string;
  readonly fingerprint: string;
  readonly publicKeyPem: string;
  readonly privateKey: PrivateKeyPem;
  readonly createdAt: Date;
  /** For an adopted key: when, and into which state (kept by the store with the key). */
  readonly adoptedAt?: Date | undefined;
  readonly adoptedAs?: AdoptionRole | undefined;
}

/**
 * A private key handed in for adoption, already checked: ECDSA P-384, its public half derived
 * from the private scalar, the private key normalised to PKCS#8 PEM.
 */
export interface AdoptableKey {
  readonly fingerprint: string;
  readonly publicKeyPem: string;
  readonly privateKey: PrivateKeyPem;
  /**
   * The forms IVS may show this public key's fingerprint in, as lowercase hex without colons. IVS
   * does not document its fingerprint, so a key pair holds this key when its fingerprint is any of
   * these (see `registryFingerprintMatches`).
   */
  readonly registryFingerprints: readonly string[];
}

/** The prefix of every adopted key's id: such a key pair predates this service (docs/key-lifecycle.md, invariant 8). */
export const ADOPTED_KEY_ID_PREFIX = 'ipa-adopted-';

/**
 * An adopted key's id, the same every time the same key is adopted (so a re-run finds the key an
 * interrupted run stored): the prefix and the first 96 bits of its fingerprint, in hex.
 */
export function adoptedKeyId(fingerprint: string): string {
  return `${ADOPTED_KEY_ID_PREFIX}${Buffer.from(fingerprint, 'base64url').toString('hex').slice(0, 24)}`;
}

export function isAdoptedKeyId(keyId: string): boolean {
  return keyId.startsWith(ADOPTED_KEY_ID_PREFIX);
}

/** Whether a registry's fingerprint (any case, with or without colons) is one of the key's forms. */
export function registryFingerprintMatches(
  registryFingerprint: string | undefined,
  forms: readonly string[],
): boolean {
  if (registryFingerprint === undefined) return false;
  const normalised = registryFingerprint.toLowerCase().replace(/:/g, '');
  return normalised !== '' && forms.includes(normalised);
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
