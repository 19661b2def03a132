import type {
  DrainPolicy,
  RegionState,
  RotationGoal,
  RotationSnapshot,
} from '../../src/domain/key-lifecycle.js';
import type { ClaimsContext, PlaybackTokenRequest, TokenPolicy } from '../../src/domain/playback-claims.js';
import type { KeySet, RegisteredKeyPair } from '../../src/domain/ports.js';
import { PrivateKeyPem, type StoredSigningKey } from '../../src/domain/signing-key.js';

/** The fixed clock of the unit tests. */
export const NOW = new Date('2026-01-01T00:00:00.000Z');
export const NOW_SECONDS = Math.floor(NOW.getTime() / 1000);

export const CHANNEL_ARN = 'arn:aws:ivs:us-west-2:123456789012:channel/AbCd1234efGH';
export const SINGLE_USE_UUID = '0b5c3a52-7f43-4c8e-9d4e-2f1a6c0e9b11';

export function aTokenPolicy(overrides: Partial<TokenPolicy> = {}): TokenPolicy {
  return { defaultTtlSeconds: 300, maxTtlSeconds: 3600, ...overrides };
}

export function aClaimsContext(
  overrides: { policy?: Partial<TokenPolicy>; now?: Date; newUuid?: () => string } = {},
): ClaimsContext {
  return {
    policy: aTokenPolicy(overrides.policy),
    now: overrides.now ?? NOW,
    newUuid: overrides.newUuid ?? (() => SINGLE_USE_UUID),
  };
}

export function aTokenRequest(overrides: Partial<PlaybackTokenRequest> = {}): PlaybackTokenRequest {
  return { channelArn: CHANNEL_ARN, ...overrides };
}

/** A stored key with a fake PEM: enough for the rotation plan, which never parses keys. */
export function aStoredKey(overrides: Partial<StoredSigningKey> & { keyId: string }): StoredSigningKey {
  return {
    state: 'current',
    fingerprint: `fp-${overrides.keyId}`,
    publicKeyPem: `-----BEGIN PUBLIC KEY-----\nfake-${overrides.keyId}\n-----END PUBLIC KEY-----\n`,
    privateKey: new PrivateKeyPem(`fake private key of ${overrides.keyId}`),
    createdAt: new Date('2025-06-01T00:00:00.000Z'),
    ...overrides,
  };
}

export function aCurrentKey(keyId: string, overrides: Partial<StoredSigningKey> = {}): StoredSigningKey {
  return aStoredKey({
    keyId,
    state: 'current',
    activatedAt: new Date('2025-12-01T00:00:00.000Z'),
    ...overrides,
  });
}

export function aPreviousKey(keyId: string, overrides: Partial<StoredSigningKey> = {}): StoredSigningKey {
  return aStoredKey({
    keyId,
    state: 'previous',
    deactivatedAt: new Date('2025-12-01T00:00:00.000Z'),
    ...overrides,
  });
}

export function aPendingKey(keyId: string, overrides: Partial<StoredSigningKey> = {}): StoredSigningKey {
  return aStoredKey({ keyId, state: 'pending', ...overrides });
}

/** A key pair of ours (tagged with a keyId), as the IVS registry reports it. */
export function aKeyPairOf(keyId: string, overrides: Partial<RegisteredKeyPair> = {}): RegisteredKeyPair {
  return {
    arn: `arn:aws:ivs:us-west-2:123456789012:playback-key/${keyId}`,
    name: keyId,
    keyId,
    fingerprint: `fp-${keyId}`,
    ...overrides,
  };
}

/** A key pair someone else imported: no tags of ours, so no keyId. */
export function aForeignKeyPair(name: string, overrides: Partial<RegisteredKeyPair> = {}): RegisteredKeyPair {
  return {
    arn: `arn:aws:ivs:us-west-2:123456789012:playback-key/${name}`,
    name,
    keyId: undefined,
    fingerprint: undefined,
    ...overrides,
  };
}

/** A snapshot of one region (`region` undefined) unless `regions` is given. */
export function aSnapshot(
  overrides: {
    keys?: KeySet;
    registered?: readonly RegisteredKeyPair[];
    slotLimit?: number;
    regions?: readonly RegionState[];
  } = {},
): RotationSnapshot {
  return {
    keys: overrides.keys ?? {},
    regions: overrides.regions ?? [
      { region: undefined, registered: overrides.registered ?? [], slotLimit: overrides.slotLimit ?? 3 },
    ],
  };
}

export function aRotationGoal(overrides: Partial<RotationGoal> = {}): RotationGoal {
  return { fromKeyId: undefined, emergency: false, ...overrides };
}

export function aDrainPolicy(overrides: Partial<DrainPolicy> = {}): DrainPolicy {
  return { maxTtlSeconds: 3600, clockSkewSeconds: 60, maxSigningStalenessSeconds: 300, ...overrides };
}
