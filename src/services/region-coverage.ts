import { isServiceError } from '../domain/errors.js';
import type { RegionState } from '../domain/key-lifecycle.js';
import type { Clock, Logger, PlaybackKeyRegistry, RegisteredKeyPair } from '../domain/ports.js';

/**
 * Whether a token signed with a key plays in a region: the region's IVS holds the key pair
 * (`held`), does not (`missing`), or has not been read yet (`unknown`).
 */
export type Coverage = 'held' | 'missing' | 'unknown';

export interface RegionReport {
  readonly region: string | undefined;
  /** When the region's key pairs were last read successfully (undefined: never). */
  readonly listedAt: Date | undefined;
  /** Our key ids the region held at that time. */
  readonly keyIds: readonly string[];
  /** Set while the last attempt to read the region failed: what failed, never the SDK's text. */
  readonly failure: { readonly code: string; readonly message: string } | undefined;
}

export interface RegionCoverage {
  /** Reads every served region again; a region that cannot be read keeps what was known and says why. */
  refresh(): Promise<void>;
  /**
   * Takes a listing made elsewhere (the rotator reads every region at each step), dated when the
   * reading began: a key loaded while it was under way may be missing from it.
   */
  record(states: readonly RegionState[], listedAt: Date): void;
  /**
   * Whether `key` (the current signing key) plays in `region`. A listing made before this replica
   * loaded the key still counts as holding it: a key becomes current only after it was imported
   * into every served region (docs/key-lifecycle.md, invariant 2), so only a listing made since
   * (on this replica's own clock, never compared with another's) can show it missing.
   */
  coverage(region: string | undefined, key: { readonly keyId: string; readonly loadedAt: Date }): Coverage;
  /** The AWS account of our key pairs, from their ARNs; undefined until seen (or offline). */
  accountId(): string | undefined;
  reports(): readonly RegionReport[];
}

interface Known {
  listedAt: Date | undefined;
  keyIds: Set<string>;
  failure: RegionReport['failure'];
}

const KEY_PAIR_ARN = /^arn:aws:ivs:[a-z0-9-]+:(\d+):playback-key\//;

/** What every served region's IVS holds, kept in memory and read again on a timer. */
export function createRegionCoverage(deps: {
  readonly registries: readonly PlaybackKeyRegistry[];
  readonly clock: Clock;
  readonly logger: Logger;
}): RegionCoverage {
  const known = new Map<string | undefined, Known>(
    deps.registries.map((registry) => [
      registry.region,
      { listedAt: undefined, keyIds: new Set(), failure: undefined },
    ]),
  );
  let account: string | undefined;

  const take = (region: string | undefined, pairs: readonly RegisteredKeyPair[], at: Date) => {
    const entry = known.get(region);
    // A slow reading that began before the one already taken must not replace it.
    if (!entry || (entry.listedAt !== undefined && at < entry.listedAt)) return;
    entry.listedAt = at;
    entry.keyIds = new Set(pairs.flatMap((pair) => (pair.keyId === undefined ? [] : [pair.keyId])));
    entry.failure = undefined;
    for (const pair of pairs) {
      const match = pair.keyId === undefined ? null : KEY_PAIR_ARN.exec(pair.arn ?? '');
      if (match) account = match[1];
    }
  };

  return {
    async refresh() {
      await Promise.all(
        deps.registries.map(async (registry) => {
          const startedAt = deps.clock();
          try {
            take(registry.region, await registry.list(), startedAt);
          } catch (error) {
            const entry = known.get(registry.region);
            const failure = isServiceError(error)
              ? { code: error.code, message: error.message }
              : { code: 'INTERNAL', message: 'the region could not be read' };
            if (entry && entry.failure?.message !== failure.message) {
              deps.logger.warn(
                { region: registry.region, ...failure },
                'could not read the key pairs of a served region; keeping what was known',
              );
            }
            if (entry) entry.failure = failure;
          }
        }),
      );
    },

    record(states, listedAt) {
      for (const state of states) take(state.region, state.registered, listedAt);
    },

    coverage(region, key) {
      const entry = known.get(region);
      if (!entry?.listedAt) return 'unknown';
      if (entry.keyIds.has(key.keyId)) return 'held';
      return entry.listedAt < key.loadedAt ? 'held' : 'missing';
    },

    accountId: () => account,

    reports: () =>
      [...known].map(([region, entry]) => ({
        region,
        listedAt: entry.listedAt,
        keyIds: [...entry.keyIds],
        failure: entry.failure,
      })),
  };
}

/** One served region as operators see it (`/readyz`, `/metrics`). */
export interface RegionHealth {
  readonly region: string | undefined;
  /** Whether the current key plays there; `unknown` before the region was first read. */
  readonly currentKey: Coverage;
  readonly lastCheckedAt: Date | undefined;
  /** Why the last read of the region failed (what is known is kept meanwhile). */
  readonly failure: RegionReport['failure'];
}

/** Every served region with the current key's coverage there. */
export function regionHealth(
  coverage: RegionCoverage,
  current: { readonly keyId: string | undefined; readonly loadedAt: Date | undefined },
): RegionHealth[] {
  return coverage.reports().map((report) => ({
    region: report.region,
    currentKey:
      current.keyId === undefined || current.loadedAt === undefined
        ? 'unknown'
        : coverage.coverage(report.region, { keyId: current.keyId, loadedAt: current.loadedAt }),
    lastCheckedAt: report.listedAt,
    failure: report.failure,
  }));
}
