import { type DrainPolicy, drainEndsAt } from '../domain/key-lifecycle.js';
import type { KeyStore, PlaybackKeyRegistry, RegisteredKeyPair } from '../domain/ports.js';
import { isAdoptedKeyId, type SigningKeyInfo } from '../domain/signing-key.js';

/** One key in one served region. */
export interface KeyInRegion {
  /** Undefined for local mode's offline registry without IVS_REGIONS. */
  readonly region: string | undefined;
  readonly published: boolean;
  readonly arn: string | undefined;
  /** IVS's fingerprint of the key pair, when IVS reported one. */
  readonly fingerprint: string | undefined;
}

export interface KeyView extends Omit<SigningKeyInfo, 'publicKeyPem'> {
  readonly drainEndsAt: Date | undefined;
  /** Published in every served region. */
  readonly published: boolean;
  /** The key pair's ARN in the first served region that holds it. */
  readonly arn: string | undefined;
  readonly regions: readonly KeyInRegion[];
  /** Set when the store and the registries disagree. */
  readonly drift: string | undefined;
}

/** A served region's playback key pair slots (IVS allows 3 per account and region). */
export interface RegionSlots {
  readonly region: string | undefined;
  readonly limit: number;
  readonly ours: number;
  readonly foreign: number;
  readonly free: number;
}

export interface KeyInventory {
  readonly registry: string;
  readonly slotLimit: number;
  readonly keys: readonly KeyView[];
  readonly foreignKeyPairs: readonly {
    readonly region: string | undefined;
    readonly name: string;
    readonly arn: string | undefined;
  }[];
  readonly regions: readonly RegionSlots[];
}

/** Joins the key store's history with what every served region holds, and reports where they disagree. */
export async function listKeyInventory(deps: {
  readonly store: KeyStore;
  readonly registries: readonly PlaybackKeyRegistry[];
  readonly drainPolicy: DrainPolicy;
}): Promise<KeyInventory> {
  const [history, listed] = await Promise.all([
    deps.store.listHistory(),
    Promise.all(deps.registries.map(async (registry) => ({ registry, pairs: await registry.list() }))),
  ]);
  const inRegions = (keyId: string): KeyInRegion[] =>
    listed.map(({ registry, pairs }) => {
      const pair = pairs.find((candidate) => candidate.keyId === keyId);
      return {
        region: registry.region,
        published: pair !== undefined,
        arn: pair?.arn,
        fingerprint: pair?.fingerprint,
      };
    });
  const keys = [...history]
    .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())
    .map(({ publicKeyPem: _publicKeyPem, ...key }): KeyView => {
      const regions = inRegions(key.keyId);
      return {
        ...key,
        drainEndsAt: key.state === 'previous' ? drainEndsAt(key, deps.drainPolicy) : undefined,
        published: regions.every((region) => region.published),
        arn: regions.find((region) => region.arn !== undefined)?.arn,
        regions,
        drift: driftOf(key.state, regions),
      };
    });
  const known = new Set(history.map((key) => key.keyId));
  const orphanIds = new Set(
    listed.flatMap(({ pairs }) =>
      pairs.flatMap((pair) => (pair.keyId !== undefined && !known.has(pair.keyId) ? [pair.keyId] : [])),
    ),
  );
  const first = deps.registries[0];
  return {
    registry: first?.kind ?? 'none',
    slotLimit: first?.slotLimit ?? 0,
    keys: [
      ...keys,
      ...[...orphanIds].map((keyId): KeyView => {
        const regions = inRegions(keyId);
        return {
          keyId,
          state: 'retired',
          fingerprint: regions.find((region) => region.fingerprint !== undefined)?.fingerprint ?? '',
          createdAt: new Date(0),
          drainEndsAt: undefined,
          published: true,
          arn: regions.find((region) => region.arn !== undefined)?.arn,
          regions,
          drift: isAdoptedKeyId(keyId)
            ? 'an adopted key pair the key store does not hold (an adoption that did not finish): run `keys adopt` again with its private key; it is never deleted without it'
            : 'published, but unknown to the key store; the next rotation deletes it',
        };
      }),
    ],
    foreignKeyPairs: listed.flatMap(({ registry, pairs }) =>
      pairs
        .filter((pair) => pair.keyId === undefined)
        .map((pair) => ({ region: registry.region, name: pair.name, arn: pair.arn })),
    ),
    regions: listed.map(({ registry, pairs }) => slotsOf(registry, pairs)),
  };
}

function slotsOf(registry: PlaybackKeyRegistry, pairs: readonly RegisteredKeyPair[]): RegionSlots {
  const ours = pairs.filter((pair) => pair.keyId !== undefined).length;
  const foreign = pairs.length - ours;
  return {
    region: registry.region,
    limit: registry.slotLimit,
    ours,
    foreign,
    free: Math.max(0, registry.slotLimit - pairs.length),
  };
}

function driftOf(state: SigningKeyInfo['state'], regions: readonly KeyInRegion[]): string | undefined {
  const where = (list: readonly KeyInRegion[]) =>
    list.some((region) => region.region !== undefined)
      ? ` in ${list.map((region) => region.region ?? 'the offline registry').join(', ')}`
      : '';
  const missing = regions.filter((region) => !region.published);
  if ((state === 'current' || state === 'previous') && missing.length > 0) {
    return `${state} key is not published${where(missing)}: players there cannot verify its tokens; the janitor imports it again`;
  }
  const published = regions.filter((region) => region.published);
  if (state === 'retired' && published.length > 0) {
    return `retired key is still published${where(published)}; the next rotation deletes it`;
  }
  return undefined;
}
