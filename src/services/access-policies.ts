import { type AccessPolicy, restrictionPolicyAsAccessPolicy } from '../domain/access-policy.js';
import { ServiceError } from '../domain/errors.js';
import type { PolicyRules } from '../domain/policy-rules.js';
import type {
  ChannelInfo,
  CountryLookup,
  Logger,
  PolicySource,
  RestrictionPolicy,
  RestrictionPolicyDirectory,
} from '../domain/ports.js';

/** The access policies of every channel: POLICIES_FILE's rules and, when enforced, IVS's own. */
export interface AccessPolicies {
  /** RESTRICTION_POLICIES=enforce: the channel must be looked up before a token is signed. */
  readonly enforcesRestrictionPolicies: boolean;
  readonly unknownCountry: 'allow' | 'deny';
  /** The country database for `viewerIp`; undefined when none is loaded. */
  readonly countries: CountryLookup | undefined;
  /**
   * The policies that apply to a channel, the IVS restriction policy first. `channel` is the
   * channel lookup's answer (asked only when restriction policies are enforced). Throws
   * DEPENDENCY_UNAVAILABLE when IVS cannot tell the channel's restriction policy.
   */
  policiesFor(
    channelArn: string,
    channel: () => Promise<ChannelInfo | null | undefined>,
  ): Promise<readonly AccessPolicy[]>;
  /** Re-reads the policies file when it changed; keeps the rules it has when the file has problems. */
  reload(): Promise<void>;
}

export interface AccessPoliciesDeps {
  readonly logger: Logger;
  /** POLICIES_FILE and its rules as loaded at start; absent without a policies file. */
  readonly file?: { readonly source: PolicySource; readonly rules: PolicyRules } | undefined;
  /** RESTRICTION_POLICIES=enforce: the directory of IVS playback restriction policies. */
  readonly restrictionPolicies?: RestrictionPolicyDirectory | undefined;
  readonly countries?: CountryLookup | undefined;
  readonly unknownCountry: 'allow' | 'deny';
}

const NONE: readonly AccessPolicy[] = Object.freeze([]);

export function createAccessPolicies(deps: AccessPoliciesDeps): AccessPolicies {
  const { logger, file, restrictionPolicies } = deps;
  let rules = file?.rules;
  // One conversion per policy object the directory hands out (it keeps one per cache period).
  const converted = new WeakMap<RestrictionPolicy, AccessPolicy>();

  async function restrictionPolicyOf(
    channelArn: string,
    channel: () => Promise<ChannelInfo | null | undefined>,
  ): Promise<AccessPolicy | undefined> {
    if (!restrictionPolicies) return undefined;
    const info = await channel();
    if (info === undefined) throw cannotTell(channelArn, 'the channel');
    const arn = info?.restrictionPolicyArn;
    if (arn === undefined) return undefined;
    const policy = await restrictionPolicies.lookup(arn);
    if (policy === undefined) throw cannotTell(channelArn, `its playback restriction policy ${arn}`);
    // A policy deleted while still named by the channel restricts nothing in IVS either.
    if (policy === null) return undefined;
    let access = converted.get(policy);
    if (!access) {
      access = restrictionPolicyAsAccessPolicy(policy);
      converted.set(policy, access);
    }
    return access;
  }

  return {
    enforcesRestrictionPolicies: restrictionPolicies !== undefined,
    unknownCountry: deps.unknownCountry,
    countries: deps.countries,
    async policiesFor(channelArn, channel) {
      const fromFile = rules?.policyFor(channelArn);
      const fromIvs = await restrictionPolicyOf(channelArn, channel);
      if (fromIvs === undefined) return fromFile === undefined ? NONE : [fromFile];
      return fromFile === undefined ? [fromIvs] : [fromIvs, fromFile];
    },
    async reload() {
      if (!file) return;
      try {
        const loaded = await file.source.loadIfChanged();
        if (loaded === undefined) return;
        rules = loaded;
        logger.info({ policiesFile: file.source.location, rules: loaded.size }, 'policies file reloaded');
      } catch (error) {
        const problems = (error as { problems?: readonly string[] }).problems;
        logger.warn(
          {
            policiesFile: file.source.location,
            problems: problems ?? [error instanceof Error ? error.message : String(error)],
          },
          'policies file not reloaded; the rules loaded before stay in force',
        );
      }
    },
  };
}

function cannotTell(channelArn: string, what: string): ServiceError {
  return new ServiceError(
    'DEPENDENCY_UNAVAILABLE',
    `IVS cannot tell ${what} right now, so the channel's playback restriction policy cannot be applied; try again shortly`,
    { retryAfterSeconds: 5, details: { field: 'channelArn', channelArn } },
  );
}
