import { parseChannelArn } from '../domain/channel-arn.js';
import { isServiceError } from '../domain/errors.js';
import type {
  ChannelDirectory,
  ChannelInfo,
  RestrictionPolicy,
  RestrictionPolicyDirectory,
  RevocationOutcome,
  ViewerSessionRevocation,
  ViewerSessionRevoker,
} from '../domain/ports.js';

/**
 * IVS answers for a channel only in the channel's own region, so every channel call goes to the
 * adapter of the region named in the channel's ARN. `byRegion` holds one adapter per served region;
 * `fallback` (local mode without IVS_REGIONS) answers for any region.
 */
export interface RegionalAdapters<T> {
  readonly byRegion: ReadonlyMap<string, T>;
  readonly fallback?: T | undefined;
}

function adapterFor<T>(adapters: RegionalAdapters<T>, channelArn: string): T | undefined {
  const region = parseChannelArn(channelArn)?.region;
  return (region === undefined ? undefined : adapters.byRegion.get(region)) ?? adapters.fallback;
}

/** Channel lookups, each in the channel's region; a channel in no served region cannot be told (undefined). */
export function regionalChannelDirectory(adapters: RegionalAdapters<ChannelDirectory>): ChannelDirectory {
  return {
    lookup(channelArn: string): Promise<ChannelInfo | null | undefined> {
      const directory = adapterFor(adapters, channelArn);
      return directory ? directory.lookup(channelArn) : Promise.resolve(undefined);
    },
  };
}

/**
 * Restriction policy lookups, each in the region its ARN names (a channel's policy is in the
 * channel's region); a policy in no served region cannot be told (undefined).
 */
export function regionalRestrictionPolicyDirectory(
  adapters: RegionalAdapters<RestrictionPolicyDirectory>,
): RestrictionPolicyDirectory {
  return {
    lookup(policyArn: string): Promise<RestrictionPolicy | null | undefined> {
      const region = /^arn:aws:ivs:([a-z0-9-]+):/.exec(policyArn)?.[1];
      const directory =
        (region === undefined ? undefined : adapters.byRegion.get(region)) ?? adapters.fallback;
      return directory ? directory.lookup(policyArn) : Promise.resolve(undefined);
    },
  };
}

/**
 * Revocations, split by the channel's region: each region's revoker gets its sessions in one call
 * (so it batches them as IVS allows in that region) and every session is answered in its place. A
 * session for a channel in no served region is answered CHANNEL_REGION_NOT_SERVED and sent nowhere.
 */
export function regionalViewerSessionRevoker(
  adapters: RegionalAdapters<ViewerSessionRevoker>,
): ViewerSessionRevoker {
  return {
    async revoke(sessions: readonly ViewerSessionRevocation[]): Promise<readonly RevocationOutcome[]> {
      const outcomes: RevocationOutcome[] = new Array(sessions.length);
      const groups = new Map<ViewerSessionRevoker, number[]>();
      sessions.forEach((session, index) => {
        const revoker = adapterFor(adapters, session.channelArn);
        if (!revoker) {
          const region = parseChannelArn(session.channelArn)?.region ?? 'unknown';
          outcomes[index] = {
            ok: false,
            code: 'CHANNEL_REGION_NOT_SERVED',
            message: `the channel is in ${region}, which this service does not serve (IVS_REGIONS)`,
          };
          return;
        }
        groups.set(revoker, [...(groups.get(revoker) ?? []), index]);
      });
      const failures: unknown[] = [];
      await Promise.all(
        [...groups].map(async ([revoker, indexes]) => {
          try {
            const answers = await revoker.revoke(
              indexes.map((index) => sessions[index] as ViewerSessionRevocation),
            );
            indexes.forEach((index, position) => {
              outcomes[index] = answers[position] as RevocationOutcome;
            });
          } catch (error) {
            // One region down answers its own sessions; the other regions' revocations stand.
            if (!isServiceError(error)) throw error;
            failures.push(error);
            for (const index of indexes)
              outcomes[index] = { ok: false, code: error.code, message: error.message };
          }
        }),
      );
      // Nothing reached IVS at all: the caller should retry the whole request (503, Retry-After).
      if (
        failures.length > 0 &&
        failures.length === groups.size &&
        outcomes.every((outcome) => !outcome.ok)
      ) {
        throw failures[0];
      }
      return outcomes;
    },
  };
}
