import { type AppliedPolicy, decideAccess, type FilledField } from '../domain/access-policy.js';
import { type Caller, requireChannelAllowed } from '../domain/api-keys.js';
import { parseChannelArn } from '../domain/channel-arn.js';
import { isServiceError, ServiceError } from '../domain/errors.js';
import {
  buildPlaybackClaims,
  type PlaybackClaims,
  type PlaybackTokenRequest,
  type TokenPolicy,
} from '../domain/playback-claims.js';
import type { ChannelDirectory, ChannelInfo, Clock } from '../domain/ports.js';
import { parseViewerCountry, parseViewerIp, viewerCountryOf } from '../domain/viewer-location.js';
import type { AccessPolicies } from './access-policies.js';
import type { KeyCache, SigningKey } from './key-cache.js';
import type { RegionCoverage } from './region-coverage.js';
import type { TokenReuse } from './token-reuse.js';

export interface IssuedToken {
  readonly token: string;
  readonly expiresAt: Date;
  readonly keyId: string;
  /** The channel's playback URL with `?token=`, when the channel is known. */
  readonly playbackUrl?: string | undefined;
  /** The access policies that applied and what they filled in; absent when none applied. */
  readonly policy?: { readonly applied: readonly AppliedPolicy[]; readonly filled: readonly FilledField[] };
}

export type TokenOutcome = 'issued' | 'reused' | 'rejected' | 'failed';

export interface TokenIssuer {
  /** Signs one token; throws a ServiceError naming the broken rule. */
  issue(request: PlaybackTokenRequest, caller?: Caller): Promise<IssuedToken>;
}

export interface TokenIssuerDeps {
  readonly keys: KeyCache;
  readonly channels: ChannelDirectory;
  readonly policy: TokenPolicy;
  readonly clock: Clock;
  readonly newUuid: () => string;
  /**
   * Called once per token request with its outcome (metrics), and for a rejected or failed one the
   * error code (`INTERNAL` for anything that is not a ServiceError).
   */
  readonly onOutcome?: (outcome: TokenOutcome, code?: string) => void;
  /** POLICIES_FILE and IVS restriction policies (absent: no policy applies, nothing is looked up). */
  readonly access?: AccessPolicies | undefined;
  /**
   * `none`: any well-formed channel ARN (the playback URL is added when known); `exists`: refuse
   * channels IVS does not have (404 CHANNEL_NOT_FOUND); `authorized`: also refuse channels without
   * playback authorization (409 CHANNEL_NOT_AUTHORIZED). When IVS cannot tell, checks answer 503.
   */
  readonly channelCheck?: ChannelCheck;
  /** TOKEN_REUSE_SECONDS: hands out one token for identical channel-wide requests (off when absent). */
  readonly reuse?: TokenReuse | undefined;
  /**
   * IVS_REGIONS and what each region holds: a token is issued only for a channel whose region is
   * served and holds the signing key, in the account the keys were imported into (absent: no checks).
   */
  readonly regions?: {
    /** The served regions; undefined = any region (local mode without IVS_REGIONS). */
    readonly served: readonly string[] | undefined;
    readonly coverage: RegionCoverage;
  };
}

export type ChannelCheck = 'none' | 'exists' | 'authorized';

/** The fixed JWS header IVS expects, in this exact order, base64url-encoded once. */
const ENCODED_HEADER = Buffer.from(JSON.stringify({ alg: 'ES384', typ: 'JWT' })).toString('base64url');

export function createTokenIssuer(deps: TokenIssuerDeps): TokenIssuer {
  const {
    keys,
    channels,
    policy,
    clock,
    newUuid,
    reuse,
    access,
    onOutcome = () => {},
    channelCheck = 'none',
  } = deps;

  async function checkedChannel(
    lookup: Promise<ChannelInfo | null | undefined>,
  ): Promise<ChannelInfo | undefined> {
    const channel = await lookup;
    if (channelCheck === 'none') return channel ?? undefined;
    if (channel === undefined) {
      throw new ServiceError(
        'DEPENDENCY_UNAVAILABLE',
        'IVS cannot confirm the channel right now; try again shortly',
        {
          retryAfterSeconds: 5,
        },
      );
    }
    if (channel === null) {
      throw new ServiceError('CHANNEL_NOT_FOUND', 'IVS has no such channel in this account and region', {
        details: { field: 'channelArn' },
      });
    }
    if (channelCheck === 'authorized' && !channel.authorized) {
      throw new ServiceError(
        'CHANNEL_NOT_AUTHORIZED',
        'the channel does not have playback authorization enabled, so it needs no token',
        { details: { field: 'channelArn' } },
      );
    }
    return channel;
  }

  async function issue(request: PlaybackTokenRequest, caller?: Caller): Promise<IssuedToken> {
    try {
      if (caller) requireChannelAllowed(caller, request.channelArn);
      // Checked whether or not a policy needs them: a malformed value is refused the same way always.
      const viewerAddress = request.viewerIp === undefined ? undefined : parseViewerIp(request.viewerIp);
      if (request.viewerCountry !== undefined) parseViewerCountry(request.viewerCountry);
      const now = clock();
      let { claims } = buildPlaybackClaims(request, { policy, now, newUuid });
      const key = keys.signingKey();
      if (deps.regions) checkPlayableIn(request.channelArn, key, deps.regions);
      const lookup = channels.lookup(request.channelArn);
      // Without a check the lookup is only for the URL, so it runs beside the signature.
      const channelLookup = checkedChannel(lookup);
      if (channelCheck !== 'none') await channelLookup;
      let applied: IssuedToken['policy'];
      if (access) {
        const policies = await access.policiesFor(request.channelArn, () => lookup);
        if (policies.length > 0) {
          const countries = access.countries;
          const decision = decideAccess(request, policies, {
            tokenPolicy: policy,
            unknownCountry: access.unknownCountry,
            viewerCountry: () =>
              viewerCountryOf(request, (address) => countries?.countryOf(address), viewerAddress),
          });
          // The claims are built again only when a policy filled something in.
          if (decision.filled.length > 0) {
            claims = buildPlaybackClaims(decision.request, { policy, now, newUuid }).claims;
          }
          applied = { applied: decision.applied, filled: decision.filled };
        }
      }
      const sign = (signed: PlaybackClaims) => signCompactJws(signed, key);
      const signed = reuse
        ? reuse.tokenFor(claims, key.keyId, now, sign)
        : { token: sign(claims), exp: claims.exp, reused: false };
      const [token, channel] = await Promise.all([signed.token, channelLookup]);
      const playbackUrl = channel?.playbackUrl;
      onOutcome(signed.reused ? 'reused' : 'issued');
      return {
        token,
        expiresAt: new Date(signed.exp * 1000),
        keyId: key.keyId,
        playbackUrl: playbackUrl === undefined ? undefined : withToken(playbackUrl, token),
        ...(applied === undefined ? {} : { policy: applied }),
      };
    } catch (error) {
      const ourFault =
        !isServiceError(error) ||
        ['NO_SIGNING_KEY', 'DEPENDENCY_UNAVAILABLE', 'KEY_NOT_IN_REGION'].includes(error.code);
      onOutcome(ourFault ? 'failed' : 'rejected', isServiceError(error) ? error.code : 'INTERNAL');
      throw error;
    }
  }

  return { issue };
}

/**
 * Refuses a channel whose token could not play: IVS verifies it only with the key pairs of the
 * channel's own account and region (docs/ivs-playback-rules.md, "Regions").
 */
function checkPlayableIn(
  channelArn: string,
  key: SigningKey,
  regions: NonNullable<TokenIssuerDeps['regions']>,
): void {
  const channel = parseChannelArn(channelArn);
  if (!channel) return; // the claim rules have refused it already
  const { served, coverage } = regions;
  if (served !== undefined && !served.includes(channel.region)) {
    throw new ServiceError(
      'CHANNEL_REGION_NOT_SERVED',
      `the channel is in ${channel.region}, where this service does not publish its key, so IVS would refuse the token; add ${channel.region} to IVS_REGIONS (served: ${served.join(', ')})`,
      { details: { field: 'channelArn', region: channel.region, servedRegions: served } },
    );
  }
  const account = coverage.accountId();
  if (account !== undefined && channel.accountId !== account) {
    throw new ServiceError(
      'CHANNEL_ACCOUNT_NOT_SERVED',
      `the channel belongs to AWS account ${channel.accountId}, but the signing key is imported into account ${account}, so IVS would refuse the token`,
      { details: { field: 'channelArn', accountId: channel.accountId, servedAccountId: account } },
    );
  }
  const region = served === undefined ? undefined : channel.region;
  const state = coverage.coverage(region, key);
  if (state !== 'held') {
    throw new ServiceError(
      'KEY_NOT_IN_REGION',
      state === 'missing'
        ? `IVS in ${channel.region} does not hold the signing key ${key.keyId} yet, so it would refuse the token; the service is importing it there, try again shortly`
        : `the service has not yet confirmed that IVS in ${channel.region} holds the signing key; try again shortly`,
      { retryAfterSeconds: 10, details: { region: channel.region, keyId: key.keyId, coverage: state } },
    );
  }
}

/** ES384 compact JWS (RFC 7515): header and claims as base64url JSON, signature as raw R‖S. */
async function signCompactJws(claims: object, key: SigningKey): Promise<string> {
  const signingInput = `${ENCODED_HEADER}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  const signature = await key.sign(Buffer.from(signingInput));
  return `${signingInput}.${signature.toString('base64url')}`;
}

function withToken(playbackUrl: string, token: string): string {
  const url = new URL(playbackUrl);
  url.searchParams.set('token', token);
  return url.toString();
}
