import type { ApiKeyRecord } from './api-keys.js';
import type { PolicyRules } from './policy-rules.js';
import type { NewSigningKey, PrivateKeyPem, SigningKeyInfo, StoredSigningKey } from './signing-key.js';

/** The keys that can sign or verify. A store holds at most one of each. */
export interface KeySet {
  readonly current?: StoredSigningKey | undefined;
  readonly previous?: StoredSigningKey | undefined;
  readonly pending?: StoredSigningKey | undefined;
}

/**
 * Durable custody of signing keys (file store in local mode, Secrets Manager in production).
 * Every write is atomic and idempotent: repeating a call after a crash converges. Failures to reach
 * the store are ServiceError `DEPENDENCY_UNAVAILABLE`; a store it cannot parse is `KEY_STORE_CORRUPT`.
 */
export interface KeyStore {
  readonly kind: string;
  /** Reads current, previous and pending keys, private halves included. */
  readKeys(): Promise<KeySet>;
  /**
   * Durably stores a new key as pending. Repeating it for the same key is a no-op; staging while
   * another key is pending fails with `ROTATION_IN_PROGRESS`. `requestToken` names the version
   * where the store has versions (the Secrets Manager rotation Lambda passes its ClientRequestToken).
   */
  stagePending(key: NewSigningKey, options?: { readonly requestToken?: string }): Promise<void>;
  /**
   * Makes the pending key current in one atomic step: the old current becomes previous (its
   * `deactivatedAt` = `at`) and an old previous, if still there, becomes retired. No-op when `keyId`
   * is already current.
   */
  promotePending(keyId: string, at: Date): Promise<void>;
  /**
   * Makes the pending key previous in one atomic step, its drain clock (`deactivatedAt`) starting
   * at `at`: an adopted key that only verifies tokens signed outside this service. The current key
   * stays current; there must be no previous key. No-op when `keyId` is already previous.
   */
  settlePendingAsPrevious(keyId: string, at: Date): Promise<void>;
  /** Previous → retired, once it is gone from the registry. No-op when it is not previous any more. */
  retirePrevious(keyId: string, at: Date): Promise<void>;
  /** Records a drain start for a previous key whose store could not know it (no-op when known). */
  markDeactivated(keyId: string, at: Date): Promise<void>;
  /** Every key ever stored, retired ones included, for listings (no private halves). */
  listHistory(): Promise<readonly SigningKeyInfo[]>;
}

/** A playback key pair as the registry (IVS) reports it. */
export interface RegisteredKeyPair {
  /** The region whose IVS holds it; undefined for local mode's offline registry without regions. */
  readonly region?: string | undefined;
  /** IVS ARN; undefined for the offline registry, which has no ARNs. */
  readonly arn: string | undefined;
  readonly name: string;
  /** Set when the key pair carries this service's tags: then it is ours to delete. */
  readonly keyId: string | undefined;
  readonly fingerprint: string | undefined;
}

/**
 * Where public keys are published so IVS can verify tokens (IVS itself, or offline in local mode).
 * Failures are ServiceError `DEPENDENCY_UNAVAILABLE` (with retryAfterSeconds) or `NO_FREE_KEY_SLOT`.
 */
export interface PlaybackKeyRegistry {
  readonly kind: string;
  /**
   * The one AWS region this registry publishes in (IVS keeps key pairs per account and region);
   * undefined for local mode's offline registry when no IVS_REGIONS are set.
   */
  readonly region: string | undefined;
  /** IVS accepts at most 3 playback key pairs per account and region. */
  readonly slotLimit: number;
  /** Every key pair in the account and this region, ours (with keyId) and foreign ones. */
  list(): Promise<readonly RegisteredKeyPair[]>;
  /** Publishes a public key; idempotent: a key already published is returned as it is. */
  importKey(key: { readonly keyId: string; readonly publicKeyPem: string }): Promise<RegisteredKeyPair>;
  /** Deletes one of our key pairs; refuses (throws) for pairs without our tags. */
  deleteKeyPair(pair: RegisteredKeyPair): Promise<void>;
  /**
   * The registry's fingerprint of any key pair, foreign ones included (listings carry it only for
   * ours); undefined when it has none.
   */
  fingerprintOf(pair: RegisteredKeyPair): Promise<string | undefined>;
  /**
   * Tags a foreign key pair as this service's key `keyId` (adoption: the pair already holds the
   * adopted key's public half). Idempotent; refuses a pair that is already ours under another key.
   */
  claimKeyPair(pair: RegisteredKeyPair, keyId: string): Promise<RegisteredKeyPair>;
}

/** Serialises rotations across processes and replicas. */
export interface RotationLock {
  /** Returns a release function, or undefined when someone else holds the lock. */
  tryAcquire(owner: string): Promise<(() => Promise<void>) | undefined>;
}

/** What the service needs to know about an IVS channel. */
export interface ChannelInfo {
  readonly arn: string;
  /** The HLS playback URL, without a token. */
  readonly playbackUrl: string;
  /** Whether playback authorization is on (a private channel). */
  readonly authorized: boolean;
  /** The IVS playback restriction policy attached to the channel, when one is (IVS only). */
  readonly restrictionPolicyArn?: string | undefined;
}

/** An IVS playback restriction policy as GetPlaybackRestrictionPolicy describes it. */
export interface RestrictionPolicy {
  readonly arn: string;
  readonly name: string;
  /** ISO 3166-1 alpha-2 codes; empty = every country. */
  readonly allowedCountries: readonly string[];
  /** Origins as IVS holds them; empty = every origin. */
  readonly allowedOrigins: readonly string[];
  readonly enableStrictOriginEnforcement: boolean;
}

/**
 * Reads IVS playback restriction policies: a cache in front of GetPlaybackRestrictionPolicy, in
 * the policy's region.
 */
export interface RestrictionPolicyDirectory {
  /**
   * The policy, `null` when IVS has no such policy, or `undefined` when IVS cannot be asked now
   * and nothing is known. Never throws.
   */
  lookup(policyArn: string): Promise<RestrictionPolicy | null | undefined>;
}

/** A country database (MMDB): the ISO 3166-1 alpha-2 code of the country an address is in. */
export interface CountryLookup {
  /** For logs: the database's type and build date. */
  readonly description: string;
  /** The country of a public IPv4 or IPv6 address, or undefined when the database has none. */
  countryOf(address: string): string | undefined;
}

/** Where the policies file is read from; `load` throws PolicyDocumentError listing every problem. */
export interface PolicySource {
  /** For messages: the file's path. */
  readonly location: string;
  /** The rules, or undefined when the file has not changed since the last load. */
  loadIfChanged(): Promise<PolicyRules | undefined>;
}

/**
 * Looks up channels: a cache in front of IVS GetChannel/BatchGetChannel in production (IVS allows
 * 5 calls a second, so lookups are cached and coalesced, never one IVS call per token).
 */
export interface ChannelDirectory {
  /**
   * The channel, `null` when it does not exist, or `undefined` when this directory cannot tell
   * (local mode, or IVS unreachable with nothing cached). Never throws.
   */
  lookup(channelArn: string): Promise<ChannelInfo | null | undefined>;
}

export interface ViewerSessionRevocation {
  readonly channelArn: string;
  readonly viewerId: string;
  /** Revokes sessions whose version is ≤ this; IVS defaults to 0. */
  readonly viewerSessionVersionsLessThanOrEqualTo?: number | undefined;
}

export type RevocationOutcome =
  | { readonly ok: true }
  | { readonly ok: false; readonly code: string; readonly message: string };

/** Ends viewer sessions (IVS StartViewerSessionRevocation / BatchStartViewerSessionRevocation). */
export interface ViewerSessionRevoker {
  /**
   * Starts revocation of each session; the result has one outcome per input, in order. Throws
   * DEPENDENCY_UNAVAILABLE (with retryAfterSeconds) when IVS cannot be reached at all.
   */
  revoke(sessions: readonly ViewerSessionRevocation[]): Promise<readonly RevocationOutcome[]>;
}

/** Custody of hashed API keys. */
export interface ApiKeyStore {
  list(): Promise<readonly ApiKeyRecord[]>;
  add(record: ApiKeyRecord): Promise<void>;
  /** Returns false when no key has that id. */
  remove(id: string): Promise<boolean>;
}

/** Signs JWS signing inputs with one private key: ES384 (SHA-384, ECDSA P-384), raw R‖S. */
export interface Es384Signer {
  /** The 96-byte signature of `signingInput`; rejects when the signer fails (never a bad signature). */
  sign(signingInput: Uint8Array): Promise<Buffer>;
}

/**
 * Checks ES384 signatures made elsewhere (token inspection: which key signed a token). Only public
 * keys pass through it.
 */
export interface SignatureVerifier {
  /**
   * Whether `signature` (raw R‖S) over `signingInput` verifies under `publicKeyPem`; undefined when
   * `publicKeyPem` is not an ECDSA P-384 public key.
   */
  verifiesEs384(publicKeyPem: string, signingInput: Uint8Array, signature: Uint8Array): boolean | undefined;
}

/** Which library computes signatures: GNU Nettle (native addon) or OpenSSL (node:crypto). */
export type SignerName = 'nettle' | 'openssl';

/** SIGNER: `auto` = Nettle when it is built and passes its self-test, else OpenSSL. */
export type SignerChoice = 'auto' | SignerName;

/** A key pair as stored: what a signer is prepared from (the private half never prints itself). */
export interface SigningKeyPair {
  readonly keyId: string;
  readonly privateKey: PrivateKeyPem;
  /** SPKI PEM: the public half IVS was given. */
  readonly publicKeyPem: string;
}

/** A signature implementation, chosen once at start (SIGNER). */
export interface SigningBackend {
  readonly name: SignerName;
  /** For logs: the library and its version. */
  readonly description: string;
  /**
   * Prepares a signer for a stored key: parses it (KEY_STORE_CORRUPT unless ECDSA P-384) and checks
   * that its signatures verify under its stored public half (KEY_VERIFICATION_FAILED otherwise).
   */
  signerFor(key: SigningKeyPair): Promise<Es384Signer>;
}

export type Clock = () => Date;

/** The structured logger every layer writes to (pino in production). Never give it secrets. */
export interface Logger {
  debug(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}
