import { ServiceError } from './errors.js';
import { checkOrigin } from './origin.js';
import {
  MAX_STRICT_ORIGINS,
  MAXIMUM_RESOLUTIONS,
  type MaximumResolution,
  type PlaybackTokenRequest,
  type TokenPolicy,
  VIEWER_TOKEN_MAX_TTL_SECONDS,
} from './playback-claims.js';
import type { RestrictionPolicy } from './ports.js';
import type { ViewerCountry } from './viewer-location.js';

/**
 * Who may watch a channel, and what a token for it may carry. The rules are written out in
 * docs/access-policies.md; every refusal names the policy and where it came from.
 */

/** Where a policy came from: a rule of POLICIES_FILE, or the channel's own IVS playback restriction policy. */
export type PolicySource = 'policies-file' | 'ivs-restriction-policy';

export interface AccessPolicy {
  readonly source: PolicySource;
  /** The rule's name in the policies file; the IVS policy's ARN (IVS names need not be unique). */
  readonly name: string;
  /** Only viewers in these countries; undefined = any country. */
  readonly allowedCountries?: ReadonlySet<string> | undefined;
  /** Never viewers in these countries. */
  readonly blockedCountries?: ReadonlySet<string> | undefined;
  /** Origins a token may name, in the form browsers send; undefined = any origin. */
  readonly allowedOrigins?: readonly string[] | undefined;
  /** Tokens must carry `aws:strict-origin-enforcement` (only with allowedOrigins). */
  readonly strictOriginEnforcement?: boolean | undefined;
  /** The highest `aws:maximum-resolution` a token may carry. */
  readonly maximumResolution?: MaximumResolution | undefined;
  /** The longest TTL a token may have. */
  readonly maxTtlSeconds?: number | undefined;
  readonly requireViewerId?: boolean | undefined;
  readonly requireSingleUse?: boolean | undefined;
}

/** A policy as the response and the token inspection name it. */
export interface AppliedPolicy {
  readonly source: PolicySource;
  readonly name: string;
}

/** The request fields a policy may fill in when the request leaves them out. */
export type FilledField =
  | 'allowedOrigins'
  | 'strictOriginEnforcement'
  | 'maximumResolution'
  | 'ttlSeconds'
  | 'singleUse';

export interface AccessDecision {
  /** The request with what the policies filled in; the same object when nothing was filled. */
  readonly request: PlaybackTokenRequest;
  readonly applied: readonly AppliedPolicy[];
  /** Fields the policies filled in, in the order above. */
  readonly filled: readonly FilledField[];
}

export interface AccessContext {
  /** TOKEN_DEFAULT_TTL_SECONDS and TOKEN_MAX_TTL_SECONDS: what a TTL left out would become. */
  readonly tokenPolicy: TokenPolicy;
  /** UNKNOWN_COUNTRY: what happens to a viewer whose country cannot be told. */
  readonly unknownCountry: 'allow' | 'deny';
  /** The viewer's country; called only when a policy restricts countries (a database lookup). */
  readonly viewerCountry: () => ViewerCountry;
}

const RESOLUTION_RANK: Readonly<Record<MaximumResolution, number>> = { SD: 0, HD: 1, FULL_HD: 2 };

/**
 * Applies every policy to one request, which has already passed the claim rules (its origins are
 * in the form browsers send). A request asking for more than a policy allows is refused with the
 * code of the rule and the policy in `details`; what it leaves out, the policies fill in. Nothing
 * the caller chose is changed. With no policy, the request is returned as it is.
 */
export function decideAccess(
  request: PlaybackTokenRequest,
  policies: readonly AccessPolicy[],
  context: AccessContext,
): AccessDecision {
  if (policies.length === 0) return { request, applied: [], filled: [] };
  const filled: FilledField[] = [];
  const fill: { -readonly [K in keyof PlaybackTokenRequest]?: PlaybackTokenRequest[K] } = {};

  for (const policy of policies) {
    if (policy.requireViewerId && request.viewerId === undefined) {
      throw refusal(
        'VIEWER_ID_REQUIRED_BY_POLICY',
        policy,
        'viewerId',
        'tokens for this channel must name a viewerId',
        {},
      );
    }
    if (policy.requireSingleUse && request.singleUse === false) {
      throw refusal(
        'SINGLE_USE_REQUIRED_BY_POLICY',
        policy,
        'singleUse',
        'tokens for this channel must be single-use',
        {},
      );
    }
  }
  if (request.singleUse === undefined && policies.some((policy) => policy.requireSingleUse)) {
    fill.singleUse = true;
    filled.push('singleUse');
  }

  checkCountry(policies, context);

  const originPolicies = policies.filter((policy) => policy.allowedOrigins !== undefined);
  // The claim rules accepted these; compared in the form browsers send, as the token will carry them.
  const requested = (request.allowedOrigins ?? []).map((value) => {
    const check = checkOrigin(value);
    return check.ok ? check.origin : value;
  });
  if (requested.length > 0) {
    requested.forEach((origin, index) => {
      for (const policy of originPolicies) {
        if (!originAllowed(origin, policy.allowedOrigins ?? [])) {
          throw refusal(
            'ORIGIN_NOT_ALLOWED_BY_POLICY',
            policy,
            `allowedOrigins[${index}]`,
            `the origin ${origin} is not one this channel's policy allows`,
            { origin, allowedOrigins: policy.allowedOrigins },
          );
        }
      }
    });
  } else if (originPolicies.length > 0) {
    const [first, ...others] = originPolicies as [AccessPolicy, ...AccessPolicy[]];
    const common = (first.allowedOrigins ?? []).filter((origin) =>
      others.every((policy) => originAllowed(origin, policy.allowedOrigins ?? [])),
    );
    if (common.length === 0) {
      // Name a policy that covers none of the first one's origins (with three or more, there may be none).
      const other =
        others.find(
          (policy) =>
            !(first.allowedOrigins ?? []).some((origin) =>
              originAllowed(origin, policy.allowedOrigins ?? []),
            ),
        ) ?? first;
      throw refusal(
        'ORIGIN_NOT_ALLOWED_BY_POLICY',
        other,
        'allowedOrigins',
        other === first
          ? "the channel's policy allows no origin that a token can carry, so no token can satisfy it"
          : `the policies of this channel (${describe(first)} and ${describe(other)}) allow no origin in common, so no token can satisfy both`,
        { allowedOrigins: other.allowedOrigins },
      );
    }
    fill.allowedOrigins = common;
    filled.push('allowedOrigins');
  }

  const strict = originPolicies.find((policy) => policy.strictOriginEnforcement);
  if (strict) {
    if (request.strictOriginEnforcement === false) {
      throw refusal(
        'STRICT_ORIGIN_REQUIRED_BY_POLICY',
        strict,
        'strictOriginEnforcement',
        'tokens for this channel must enforce their origins strictly; leave strictOriginEnforcement out or set it to true',
        {},
      );
    }
    if (request.strictOriginEnforcement === undefined) {
      fill.strictOriginEnforcement = true;
      filled.push('strictOriginEnforcement');
      const origins = fill.allowedOrigins ?? requested;
      if (origins.length > MAX_STRICT_ORIGINS) {
        throw refusal(
          'TOO_MANY_STRICT_ORIGINS',
          strict,
          'allowedOrigins',
          `the policy enforces origins strictly, which IVS allows with at most ${MAX_STRICT_ORIGINS} origins; name at most ${MAX_STRICT_ORIGINS} of the allowed origins in allowedOrigins`,
          { limit: MAX_STRICT_ORIGINS, allowedOrigins: strict.allowedOrigins },
        );
      }
    }
  }

  let ceiling: AccessPolicy | undefined;
  for (const policy of policies) {
    if (policy.maximumResolution === undefined) continue;
    if (
      !ceiling ||
      RESOLUTION_RANK[policy.maximumResolution] <
        RESOLUTION_RANK[ceiling.maximumResolution as MaximumResolution]
    ) {
      ceiling = policy;
    }
  }
  if (ceiling?.maximumResolution !== undefined) {
    const allowed = ceiling.maximumResolution;
    if (request.maximumResolution === undefined) {
      fill.maximumResolution = allowed;
      filled.push('maximumResolution');
    } else if (RESOLUTION_RANK[request.maximumResolution] > RESOLUTION_RANK[allowed]) {
      throw refusal(
        'RESOLUTION_ABOVE_POLICY',
        ceiling,
        'maximumResolution',
        `maximumResolution ${request.maximumResolution} is above ${allowed}, the highest this channel's policy allows`,
        { maximumResolution: allowed, allowed: MAXIMUM_RESOLUTIONS.slice(0, RESOLUTION_RANK[allowed] + 1) },
      );
    }
  }

  let cap: AccessPolicy | undefined;
  for (const policy of policies) {
    if (
      policy.maxTtlSeconds !== undefined &&
      (!cap || policy.maxTtlSeconds < (cap.maxTtlSeconds as number))
    ) {
      cap = policy;
    }
  }
  if (cap?.maxTtlSeconds !== undefined) {
    const maximum = cap.maxTtlSeconds;
    if (request.ttlSeconds === undefined) {
      const viewerToken = request.viewerId !== undefined || (request.singleUse ?? fill.singleUse) === true;
      if (defaultTtl(context.tokenPolicy, viewerToken) > maximum) {
        fill.ttlSeconds = maximum;
        filled.push('ttlSeconds');
      }
    } else if (request.ttlSeconds > maximum) {
      throw refusal(
        'TTL_ABOVE_POLICY',
        cap,
        'ttlSeconds',
        `ttlSeconds may be at most ${maximum} for this channel`,
        { maximum },
      );
    }
  }

  return {
    request: filled.length === 0 ? request : { ...request, ...fill },
    applied: policies.map(({ source, name }) => ({ source, name })),
    filled: FILL_ORDER.filter((field) => filled.includes(field)),
  };
}

const FILL_ORDER: readonly FilledField[] = [
  'allowedOrigins',
  'strictOriginEnforcement',
  'maximumResolution',
  'ttlSeconds',
  'singleUse',
];

function checkCountry(policies: readonly AccessPolicy[], context: AccessContext): void {
  const restricting = policies.filter(
    (policy) => policy.allowedCountries !== undefined || policy.blockedCountries !== undefined,
  );
  const [first] = restricting;
  if (!first) return;
  const viewer = context.viewerCountry();
  if (!viewer.known) {
    if (context.unknownCountry === 'allow') return;
    throw refusal(
      'VIEWER_COUNTRY_UNKNOWN',
      first,
      viewer.reason === 'marked-unknown' ? 'viewerCountry' : 'viewerIp',
      `${UNKNOWN_REASON[viewer.reason]}, and this channel's policy limits countries (UNKNOWN_COUNTRY=deny)`,
      { reason: viewer.reason },
    );
  }
  for (const policy of restricting) {
    const { allowedCountries, blockedCountries } = policy;
    if (allowedCountries !== undefined && !allowedCountries.has(viewer.country)) {
      throw refusal(
        'VIEWER_COUNTRY_NOT_ALLOWED',
        policy,
        viewer.from,
        `viewers in ${viewer.country} may not watch this channel`,
        { country: viewer.country, allowedCountries: [...allowedCountries] },
      );
    }
    if (blockedCountries?.has(viewer.country)) {
      throw refusal(
        'VIEWER_COUNTRY_NOT_ALLOWED',
        policy,
        viewer.from,
        `viewers in ${viewer.country} may not watch this channel`,
        { country: viewer.country, blockedCountries: [...blockedCountries] },
      );
    }
  }
}

const UNKNOWN_REASON: Readonly<Record<Exclude<ViewerCountry, { known: true }>['reason'], string>> = {
  'not-given': 'the request names neither viewerIp nor viewerCountry',
  'marked-unknown': 'viewerCountry says the country is unknown',
  'non-public-address': 'viewerIp is a private, loopback or reserved address, which has no country',
  'not-in-database': 'the country database has no country for viewerIp',
};

/** The TTL a request without ttlSeconds gets from the claim rules (playback-claims.ts). */
function defaultTtl(policy: TokenPolicy, viewerToken: boolean): number {
  return viewerToken
    ? Math.min(policy.defaultTtlSeconds, VIEWER_TOKEN_MAX_TTL_SECONDS, policy.maxTtlSeconds)
    : policy.defaultTtlSeconds;
}

/**
 * Whether a policy's origin list covers `origin`: the same origin, `*`, or a wildcard
 * (`https://*.example.com`) covering it with the same scheme and port, as IVS matches them
 * (docs/ivs-playback-rules.md, "Origins"). A requested wildcard is covered only by a wildcard at
 * least as wide: `https://*.a.example.com` by `https://*.example.com`.
 */
export function originAllowed(origin: string, allowed: readonly string[]): boolean {
  for (const candidate of allowed) {
    if (candidate === origin || candidate === '*') return true;
    const wildcard = candidate.indexOf('://*.');
    if (wildcard < 0) continue;
    const scheme = candidate.slice(0, wildcard + 3);
    const suffix = candidate.slice(wildcard + 4);
    if (
      origin.startsWith(scheme) &&
      origin.endsWith(suffix) &&
      origin.length > scheme.length + suffix.length
    ) {
      return true;
    }
  }
  return false;
}

function describe(policy: AppliedPolicy): string {
  return policy.source === 'policies-file'
    ? `policies-file rule "${policy.name}"`
    : `IVS playback restriction policy ${policy.name}`;
}

function refusal(
  code:
    | 'VIEWER_COUNTRY_NOT_ALLOWED'
    | 'VIEWER_COUNTRY_UNKNOWN'
    | 'ORIGIN_NOT_ALLOWED_BY_POLICY'
    | 'STRICT_ORIGIN_REQUIRED_BY_POLICY'
    | 'TOO_MANY_STRICT_ORIGINS'
    | 'RESOLUTION_ABOVE_POLICY'
    | 'TTL_ABOVE_POLICY'
    | 'VIEWER_ID_REQUIRED_BY_POLICY'
    | 'SINGLE_USE_REQUIRED_BY_POLICY',
  policy: AccessPolicy,
  field: string,
  message: string,
  details: Readonly<Record<string, unknown>>,
): ServiceError {
  return new ServiceError(code, `${message} (${describe(policy)})`, {
    details: { field, policy: { source: policy.source, name: policy.name }, ...details },
  });
}

/**
 * A channel's IVS playback restriction policy as an access policy: its countries and origins (an
 * empty list allows every one, as in IVS) and strict origin enforcement. Origins that a token
 * cannot carry (not `scheme://host[:port]`) are left out: no token could name them.
 */
export function restrictionPolicyAsAccessPolicy(policy: RestrictionPolicy): AccessPolicy {
  const origins = policy.allowedOrigins.flatMap((value) => {
    if (value === '*') return ['*'];
    const check = checkOrigin(value);
    return check.ok ? [check.origin] : [];
  });
  const anyOrigin = policy.allowedOrigins.length === 0 || origins.includes('*');
  return {
    source: 'ivs-restriction-policy',
    name: policy.arn,
    allowedCountries:
      policy.allowedCountries.length === 0
        ? undefined
        : new Set(policy.allowedCountries.map((code) => code.toUpperCase())),
    allowedOrigins: anyOrigin ? undefined : origins,
    strictOriginEnforcement: !anyOrigin && policy.enableStrictOriginEnforcement,
  };
}
