/**
 * The playback oracle: decides, as the IVS playback edge would, whether a player's request plays.
 * The rules are those of docs/ivs-playback-rules.md, written here from that page and not from the
 * service's own claim rules (nothing in src/ is imported), so a mistake in the service's rules
 * shows up as a token that does not play.
 *
 * It reads the IVS account through a view (the AWS stand-in provides one): channels, key pairs and
 * viewer-session revocations of one region at a time, as IVS keeps them. The one state of its own
 * is the set of single-use token ids already played.
 */
import { createPublicKey, type KeyObject, verify } from 'node:crypto';

/** Why a request plays or not; stable codes tests can assert on. */
export const playbackReasons = [
  // It plays.
  'TOKEN_ACCEPTED',
  'NO_AUTHORIZATION_REQUIRED',
  // It does not.
  'INVALID_PLAYBACK_URL',
  'CHANNEL_NOT_FOUND',
  'TOKEN_MISSING',
  'TOKEN_MALFORMED',
  'TOKEN_ALGORITHM_NOT_ES384',
  'SIGNATURE_NOT_VERIFIED',
  'KEY_PAIR_NOT_IN_CHANNEL_REGION',
  'CHANNEL_ARN_MISMATCH',
  'EXP_INVALID',
  'EXP_IN_MILLISECONDS',
  'TOKEN_EXPIRED',
  'VIEWER_ID_INVALID',
  'SINGLE_USE_UUID_INVALID',
  'EXP_TOO_FAR_FOR_VIEWER_TOKEN',
  'VIEWER_SESSION_VERSION_INVALID',
  'MAXIMUM_RESOLUTION_INVALID',
  'ORIGIN_CLAIM_INVALID',
  'ORIGIN_MISSING',
  'ORIGIN_NOT_ALLOWED',
  'VIEWER_SESSION_REVOKED',
  'SINGLE_USE_TOKEN_REPLAYED',
] as const;

export type PlaybackReason = (typeof playbackReasons)[number];

/** One player request: a playback URL carrying `?token=`, or a channel ARN and a token. */
export type PlaybackAttempt =
  | {
      /** The URL the player loads: the channel's playback URL, with the token as `token` query parameter. */
      readonly playbackUrl: string;
      /** The `Origin` header, if the player sends one (browsers do; native players only if told to). */
      readonly origin?: string | undefined;
    }
  | {
      readonly channelArn: string;
      readonly token?: string | undefined;
      readonly origin?: string | undefined;
    };

export interface PlaybackDecision {
  readonly plays: boolean;
  readonly reason: PlaybackReason;
  /** What decided it, in words; never contains the token. */
  readonly message: string;
}

/** What the oracle reads of one region of the IVS account. */
export interface PlaybackRegionView {
  channel(
    arn: string,
  ): { readonly arn: string; readonly authorized: boolean; readonly playbackUrl: string } | undefined;
  readonly keyPairs: ReadonlyArray<{ readonly arn: string; readonly publicKeyMaterial: string }>;
  readonly revocations: ReadonlyArray<{
    readonly channelArn: string;
    readonly viewerId: string;
    readonly viewerSessionVersionsLessThanOrEqualTo: number;
  }>;
}

export interface PlaybackOracleDeps {
  /** The IVS account's state in one region, as IVS keeps it at this moment. */
  readonly region: (region: string) => PlaybackRegionView;
  /** Regions that hold anything, to say when a token's key sits in the wrong region. */
  readonly regionsInUse: () => readonly string[];
  readonly clock: () => Date;
}

export interface PlaybackOracle {
  /** Decides one request; a single-use token that plays is used up. */
  play(attempt: PlaybackAttempt): PlaybackDecision;
  /** Forgets the single-use tokens already played. */
  reset(): void;
}

/** `exp` at or above this is milliseconds: as seconds it is the year 5138, as milliseconds 1973. */
const millisecondExpThreshold = 1e11;
/** Viewer and single-use tokens may not expire more than 10 minutes after playback starts. */
const viewerTokenMaxSecondsAhead = 600;
/** With strict origin enforcement a token may list at most this many origins. */
const strictOriginsMax = 5;
const maximumResolutions = ['SD', 'HD', 'FULL_HD'];
const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const base64urlPattern = /^[A-Za-z0-9_-]+$/;
const channelArnPattern = /^arn:aws:ivs:([a-z]{2}(?:-[a-z]+)+-\d+):(\d{12}):channel\/([A-Za-z0-9]+)$/;
const playbackPathPattern =
  /^\/api\/video\/v1\/([a-z]{2}(?:-[a-z]+)+-\d+)\.(\d{12})\.channel\.([A-Za-z0-9]+)\.m3u8$/;

type Claims = Record<string, unknown>;
type Verdict = PlaybackDecision;

const refuse = (reason: PlaybackReason, message: string): Verdict => ({ plays: false, reason, message });

export function createPlaybackOracle(deps: PlaybackOracleDeps): PlaybackOracle {
  const playedSingleUseIds = new Set<string>();
  const keyObjects = new Map<string, KeyObject>();
  const keyObject = (pem: string): KeyObject => {
    let key = keyObjects.get(pem);
    if (!key) {
      key = createPublicKey(pem);
      keyObjects.set(pem, key);
    }
    return key;
  };

  function play(attempt: PlaybackAttempt): PlaybackDecision {
    const target = 'playbackUrl' in attempt ? fromPlaybackUrl(attempt.playbackUrl) : fromChannelArn(attempt);
    if ('plays' in target) return target;
    const { region, channelArn, token, viaUrl } = target;

    const channel = deps.region(region).channel(channelArn);
    if (!channel) return refuse('CHANNEL_NOT_FOUND', `IVS has no channel ${channelArn} in ${region}`);
    if (viaUrl !== undefined && viaUrl !== channel.playbackUrl) {
      return refuse('INVALID_PLAYBACK_URL', `the URL is not the playback URL of ${channelArn}`);
    }
    if (!channel.authorized) {
      return {
        plays: true,
        reason: 'NO_AUTHORIZATION_REQUIRED',
        message: `${channelArn} has no playback authorization; any request plays`,
      };
    }
    if (token === undefined || token === '') {
      return refuse('TOKEN_MISSING', `${channelArn} has playback authorization and the request has no token`);
    }
    return checkToken(token, channelArn, region, attempt.origin, deps.clock().getTime() / 1000);
  }

  function checkToken(
    token: string,
    channelArn: string,
    region: string,
    origin: string | undefined,
    nowSeconds: number,
  ): Verdict {
    const parts = token.split('.');
    if (parts.length !== 3 || !parts.every((part) => base64urlPattern.test(part))) {
      return refuse('TOKEN_MALFORMED', 'the token is not three base64url parts separated by dots');
    }
    const [encodedHeader = '', encodedPayload = '', encodedSignature = ''] = parts;
    const header = jsonObject(encodedHeader);
    const claims = jsonObject(encodedPayload);
    if (!header || !claims)
      return refuse('TOKEN_MALFORMED', 'the token header or payload is not a JSON object');
    if (header['alg'] !== 'ES384') {
      return refuse(
        'TOKEN_ALGORITHM_NOT_ES384',
        `the token header alg is ${JSON.stringify(header['alg'])}, not "ES384"`,
      );
    }

    const signature = Buffer.from(encodedSignature, 'base64url');
    const signedBytes = Buffer.from(`${encodedHeader}.${encodedPayload}`);
    const verifiesUnder = (pem: string) =>
      signature.length === 96 &&
      verify('sha384', signedBytes, { key: keyObject(pem), dsaEncoding: 'ieee-p1363' }, signature);
    const keyPairs = deps.region(region).keyPairs;
    if (!keyPairs.some((pair) => verifiesUnder(pair.publicKeyMaterial))) {
      const elsewhere = deps
        .regionsInUse()
        .filter((other) => other !== region)
        .find((other) => deps.region(other).keyPairs.some((pair) => verifiesUnder(pair.publicKeyMaterial)));
      if (elsewhere !== undefined) {
        return refuse(
          'KEY_PAIR_NOT_IN_CHANNEL_REGION',
          `the token verifies under a key pair imported in ${elsewhere}, but IVS checks only the key pairs of the channel's region ${region}`,
        );
      }
      return refuse(
        'SIGNATURE_NOT_VERIFIED',
        signature.length === 96
          ? `no key pair imported in ${region} (${keyPairs.length} there) verifies the token's signature`
          : `the signature is ${signature.length} bytes, not the 96 of a raw R||S P-384 signature`,
      );
    }

    return checkClaims(claims, channelArn, region, origin, nowSeconds);
  }

  function checkClaims(
    claims: Claims,
    channelArn: string,
    region: string,
    origin: string | undefined,
    nowSeconds: number,
  ): Verdict {
    if (claims['aws:channel-arn'] !== channelArn) {
      return refuse(
        'CHANNEL_ARN_MISMATCH',
        `aws:channel-arn is ${shown(claims['aws:channel-arn'])}, not ${channelArn}`,
      );
    }

    const exp = claims['exp'];
    if (typeof exp !== 'number' || !Number.isInteger(exp)) {
      return refuse('EXP_INVALID', `exp must be an integer number of seconds, got ${shown(exp)}`);
    }
    if (exp >= millisecondExpThreshold) {
      return refuse('EXP_IN_MILLISECONDS', `exp ${exp} is in milliseconds; IVS reads seconds`);
    }
    if (exp <= nowSeconds)
      return refuse('TOKEN_EXPIRED', `exp ${exp} is not after now (${Math.floor(nowSeconds)})`);

    const viewerId = claims['aws:viewer-id'];
    const singleUseId = claims['aws:single-use-uuid'];
    if (
      viewerId !== undefined &&
      (typeof viewerId !== 'string' || viewerId.length < 1 || viewerId.length > 40)
    ) {
      return refuse(
        'VIEWER_ID_INVALID',
        `aws:viewer-id must be a string of 1-40 characters, got ${shown(viewerId)}`,
      );
    }
    if (singleUseId !== undefined && (typeof singleUseId !== 'string' || !uuidPattern.test(singleUseId))) {
      return refuse(
        'SINGLE_USE_UUID_INVALID',
        `aws:single-use-uuid must be a UUID, got ${shown(singleUseId)}`,
      );
    }
    if (
      (viewerId !== undefined || singleUseId !== undefined) &&
      exp - nowSeconds > viewerTokenMaxSecondsAhead
    ) {
      return refuse(
        'EXP_TOO_FAR_FOR_VIEWER_TOKEN',
        `a viewer or single-use token may expire at most ${viewerTokenMaxSecondsAhead} s ahead; this one ${Math.ceil(exp - nowSeconds)} s`,
      );
    }
    const version = claims['aws:viewer-session-version'] ?? 0;
    if (typeof version !== 'number' || !Number.isInteger(version) || version < 0) {
      return refuse(
        'VIEWER_SESSION_VERSION_INVALID',
        `aws:viewer-session-version must be an integer >= 0, got ${shown(version)}`,
      );
    }
    const resolution = claims['aws:maximum-resolution'];
    if (resolution !== undefined && !maximumResolutions.includes(resolution as string)) {
      return refuse(
        'MAXIMUM_RESOLUTION_INVALID',
        `aws:maximum-resolution must be SD, HD or FULL_HD, got ${shown(resolution)}`,
      );
    }

    const originVerdict = checkOrigin(claims, origin);
    if (originVerdict) return originVerdict;

    if (typeof viewerId === 'string') {
      const revoked = deps
        .region(region)
        .revocations.find(
          (revocation) =>
            revocation.channelArn === channelArn &&
            revocation.viewerId === viewerId &&
            version <= revocation.viewerSessionVersionsLessThanOrEqualTo,
        );
      if (revoked) {
        return refuse(
          'VIEWER_SESSION_REVOKED',
          `viewer session version ${version} of this viewer was revoked (versions <= ${revoked.viewerSessionVersionsLessThanOrEqualTo})`,
        );
      }
    }
    if (typeof singleUseId === 'string') {
      const id = singleUseId.toLowerCase();
      if (playedSingleUseIds.has(id))
        return refuse('SINGLE_USE_TOKEN_REPLAYED', 'this single-use token has already played once');
      playedSingleUseIds.add(id);
    }
    return { plays: true, reason: 'TOKEN_ACCEPTED', message: 'the token is valid for this channel now' };
  }

  return {
    play,
    reset() {
      playedSingleUseIds.clear();
    },
  };
}

/** The origin rules: only strict enforcement is decided at the edge; otherwise the browser's CORS check decides. */
function checkOrigin(claims: Claims, origin: string | undefined): Verdict | undefined {
  const listed = claims['aws:access-control-allow-origin'];
  const strict = claims['aws:strict-origin-enforcement'];
  if (listed !== undefined && typeof listed !== 'string') {
    return refuse(
      'ORIGIN_CLAIM_INVALID',
      `aws:access-control-allow-origin must be a string, got ${shown(listed)}`,
    );
  }
  if (strict !== undefined && typeof strict !== 'boolean') {
    return refuse(
      'ORIGIN_CLAIM_INVALID',
      `aws:strict-origin-enforcement must be a boolean, got ${shown(strict)}`,
    );
  }
  if (strict !== true) return undefined;
  const allowed = (listed ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  if (allowed.length === 0 || allowed.length > strictOriginsMax) {
    return refuse(
      'ORIGIN_CLAIM_INVALID',
      `strict origin enforcement needs 1-${strictOriginsMax} origins in aws:access-control-allow-origin, got ${allowed.length}`,
    );
  }
  if (origin === undefined || origin === '') {
    return refuse(
      'ORIGIN_MISSING',
      'the token enforces its origins strictly and the request has no Origin header',
    );
  }
  if (!allowed.some((pattern) => originMatches(pattern, origin))) {
    return refuse('ORIGIN_NOT_ALLOWED', `Origin ${origin} is not one the token allows`);
  }
  return undefined;
}

/**
 * `pattern` is `*` (any origin) or `scheme://host[:port]`, where the host may start with `*.`
 * (one or more labels before the rest). Scheme and host compare case-insensitively.
 */
export function originMatches(pattern: string, origin: string): boolean {
  if (pattern === '*') return true;
  const wanted = /^([a-z][a-z0-9+.-]*):\/\/([^/:]+)(:\d+)?$/i.exec(pattern);
  const actual = /^([a-z][a-z0-9+.-]*):\/\/([^/:]+)(:\d+)?$/i.exec(origin);
  if (!wanted || !actual) return false;
  const [, wantedScheme = '', wantedHost = '', wantedPort = ''] = wanted;
  const [, actualScheme = '', actualHost = '', actualPort = ''] = actual;
  if (wantedScheme.toLowerCase() !== actualScheme.toLowerCase() || wantedPort !== actualPort) return false;
  const host = actualHost.toLowerCase();
  const wantedLower = wantedHost.toLowerCase();
  if (wantedLower.startsWith('*.')) {
    const suffix = wantedLower.slice(1);
    return host.endsWith(suffix) && host.length > suffix.length;
  }
  return host === wantedLower;
}

type Target =
  | { region: string; channelArn: string; token: string | undefined; viaUrl: string | undefined }
  | Verdict;

function fromPlaybackUrl(playbackUrl: string): Target {
  let url: URL;
  try {
    url = new URL(playbackUrl);
  } catch {
    return refuse('INVALID_PLAYBACK_URL', 'the playback URL is not a URL');
  }
  const path = playbackPathPattern.exec(url.pathname);
  if (url.protocol !== 'https:' || !path) {
    return refuse(
      'INVALID_PLAYBACK_URL',
      'not an IVS playback URL (https://<host>/api/video/v1/<region>.<account>.channel.<id>.m3u8)',
    );
  }
  const [, region = '', account = '', id = ''] = path;
  const tokens = url.searchParams.getAll('token');
  if (tokens.length > 1)
    return refuse('TOKEN_MALFORMED', `the URL carries ${tokens.length} token parameters`);
  return {
    region,
    channelArn: `arn:aws:ivs:${region}:${account}:channel/${id}`,
    token: tokens[0],
    viaUrl: `${url.origin}${url.pathname}`,
  };
}

function fromChannelArn(attempt: {
  readonly channelArn: string;
  readonly token?: string | undefined;
}): Target {
  if (!channelArnPattern.test(attempt.channelArn)) {
    return refuse('CHANNEL_NOT_FOUND', `not an IVS channel ARN: ${attempt.channelArn}`);
  }
  return {
    region: regionOfArn(attempt.channelArn),
    channelArn: attempt.channelArn,
    token: attempt.token,
    viaUrl: undefined,
  };
}

function regionOfArn(channelArn: string): string {
  return channelArnPattern.exec(channelArn)?.[1] ?? '';
}

function jsonObject(encoded: string): Claims | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Claims)
      : undefined;
  } catch {
    return undefined;
  }
}

function shown(value: unknown): string {
  return value === undefined ? 'missing' : JSON.stringify(value);
}
