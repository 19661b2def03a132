/**
 * "Why won't it play?", the part that needs nothing but the token: reads a pasted token or playback
 * URL, decodes header, claims and signature, and finds every rule of docs/ivs-playback-rules.md the
 * token breaks on its own (its form, its claims, the player's Origin). What needs the service's
 * state — which key signed it, whether IVS holds that key in the channel's region, the channel
 * itself — is added by services/token-inspector.ts. Pure: no I/O, the clock is an argument.
 */
import { parseChannelArn } from './channel-arn.js';
import { type Finding, finding } from './inspection-findings.js';
import { originAllowed } from './origin.js';
import {
  MAX_STRICT_ORIGINS,
  MAXIMUM_RESOLUTIONS,
  VIEWER_ID_MAX_LENGTH,
  VIEWER_TOKEN_MAX_TTL_SECONDS,
} from './playback-claims.js';
import { lastTokenIn, looksLikeUrl, type PlaybackUrlParts, readPlaybackUrl } from './playback-url.js';

/** `exp` at or above this is milliseconds: as seconds it is past the year 5000, as milliseconds 1973. */
export const MILLISECOND_EXP_THRESHOLD = 1e11;
/** A raw ES384 signature: R and S, 48 bytes each. */
export const RAW_SIGNATURE_BYTES = 96;

/** The claims IVS documents (docs/ivs-playback-rules.md, "The token"). */
export const DOCUMENTED_CLAIMS = [
  'aws:channel-arn',
  'exp',
  'aws:viewer-id',
  'aws:viewer-session-version',
  'aws:single-use-uuid',
  'aws:access-control-allow-origin',
  'aws:strict-origin-enforcement',
  'aws:maximum-resolution',
] as const;

export type SignatureForm = 'raw' | 'der' | 'truncated' | 'wrong-length' | 'missing';

export interface DecodedToken {
  readonly header: Readonly<Record<string, unknown>>;
  readonly claims: Readonly<Record<string, unknown>>;
  /** `header.payload` as sent: what the signature covers. */
  readonly signingInput: string;
  readonly signature: {
    readonly form: SignatureForm;
    readonly bytes: number;
    /** R‖S, also when the token carried it DER-encoded; undefined when it cannot be had. */
    readonly raw: Uint8Array | undefined;
  };
}

export interface InspectionInput {
  readonly token?: string | undefined;
  readonly url?: string | undefined;
  /** The `Origin` header the player sends; undefined when not given. */
  readonly origin?: string | undefined;
}

export interface TokenReading {
  readonly source: 'token' | 'url';
  /** The playback URL, when one was given and it is one. */
  readonly url: PlaybackUrlParts | undefined;
  /** The token, when one could be decoded (from a doubled URL: the last one in it). */
  readonly token: DecodedToken | undefined;
  /** The channel IVS would play: the URL's, else the token's claim; undefined when neither names one. */
  readonly channelArn: string | undefined;
  readonly findings: readonly Finding[];
}

/**
 * Reads what was pasted and finds everything wrong with it that the token alone shows. Never
 * throws: input of any shape gets findings.
 */
export function readToken(input: InspectionInput, now: Date): TokenReading {
  const findings: Finding[] = [];
  let url: PlaybackUrlParts | undefined;
  let tokenText: string | undefined;
  const source = input.url !== undefined ? 'url' : 'token';

  if (input.url !== undefined) {
    const reading = readPlaybackUrl(input.url);
    if (!reading.ok) {
      findings.push(finding('URL_INVALID', `The URL ${reading.reason}.`));
      tokenText = lastTokenIn(input.url);
    } else {
      url = reading.url;
      tokenText = urlToken(url, input.url, findings);
    }
  } else {
    const pasted = (input.token ?? '').trim();
    if (looksLikeUrl(pasted)) {
      findings.push(
        finding(
          'URL_INVALID',
          'A URL was given as the token: give it as "url" (the CLI and the console tell them apart by themselves).',
        ),
      );
      tokenText = lastTokenIn(pasted);
    } else {
      tokenText = stripTokenParameter(pasted);
    }
    if (tokenText === '') findings.push(finding('TOKEN_MALFORMED', 'The token is empty.'));
  }

  const token = tokenText ? decodeToken(tokenText, findings) : undefined;
  const claimArn = token?.claims['aws:channel-arn'];
  if (token) findings.push(...claimFindings(token, { now, origin: input.origin }));
  if (token && url && typeof claimArn === 'string' && claimArn !== url.channelArn) {
    findings.push(
      finding(
        'URL_CHANNEL_MISMATCH',
        `The URL plays channel ${url.channelArn}, but the token is for ${shown(claimArn)}: IVS accepts a token only on its own channel. Use that channel's playback URL, or a token issued for ${url.channelArn}.`,
      ),
    );
  }
  const channelArn =
    url?.channelArn ??
    (typeof claimArn === 'string' && parseChannelArn(claimArn) !== undefined ? claimArn : undefined);
  return { source, url, token, channelArn, findings };
}

/** The token a playback URL carries, with a finding for a URL that carries none, two, or a doubled one. */
function urlToken(url: PlaybackUrlParts, text: string, findings: Finding[]): string | undefined {
  const fix = `Build it as ${url.base}?token=<one token>.`;
  if (url.doubled) {
    findings.push(
      finding(
        'TOKEN_DOUBLED_IN_URL',
        `The URL holds a token followed by another URL or token (as when "?token=…" is appended to a URL that already had one); IVS reads all of it as one malformed token. ${fix} The last token in it is inspected below.`,
      ),
    );
    return lastTokenIn(text);
  }
  if (url.tokens.length > 1) {
    findings.push(
      finding(
        'MULTIPLE_TOKENS_IN_URL',
        `The URL carries ${url.tokens.length} token parameters; IVS accepts exactly one. ${fix} The last one is inspected below.`,
      ),
    );
    return url.tokens.at(-1);
  }
  if (url.tokens.length === 0 || url.tokens[0] === '') {
    findings.push(
      finding(
        'TOKEN_MISSING',
        `The URL has no token. A channel with playback authorization refuses every request without one. ${fix}`,
      ),
    );
    return undefined;
  }
  return url.tokens[0];
}

/** A pasted `token=eyJ…` or `?token=eyJ…` is the token itself. */
function stripTokenParameter(text: string): string {
  return text.replace(/^[?&]?token=/, '');
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;

/** Decodes a compact JWS, recording what is wrong with its form; undefined when nothing is readable. */
export function decodeToken(text: string, findings: Finding[]): DecodedToken | undefined {
  const parts = text.split('.');
  const header = parts[0] === undefined ? undefined : jsonObject(parts[0]);
  if (parts.length < 3) {
    findings.push(
      header && parts.length === 2
        ? finding(
            'TOKEN_TRUNCATED',
            'The token has a header and claims but no signature: it was cut short (a copy that missed its end, a URL cut at a length limit). Copy the whole token.',
          )
        : finding(
            'TOKEN_MALFORMED',
            `A token is three base64url parts separated by dots (header.claims.signature); this has ${parts.length}.`,
          ),
    );
    return undefined;
  }
  if (parts.length > 3) {
    findings.push(
      finding(
        'TOKEN_MALFORMED',
        `A token is three base64url parts separated by dots; this has ${parts.length} (two tokens run together?).`,
      ),
    );
    return undefined;
  }
  const [encodedHeader = '', encodedClaims = '', encodedSignature = ''] = parts;
  if (![encodedHeader, encodedClaims, encodedSignature].every((part) => BASE64URL.test(part))) {
    findings.push(
      finding(
        'TOKEN_MALFORMED',
        'The token holds characters outside base64url (A-Z a-z 0-9 - _): it was changed on the way (URL-encoded twice, padded with =, or wrapped across lines).',
      ),
    );
    return undefined;
  }
  const claims = jsonObject(encodedClaims);
  if (!header || !claims) {
    findings.push(
      finding(
        'TOKEN_MALFORMED',
        `The token's ${header ? 'claims are' : 'header is'} not a base64url-encoded JSON object${header ? ' (cut short?)' : ''}.`,
      ),
    );
    return undefined;
  }
  if (header['alg'] !== 'ES384') {
    findings.push(
      finding(
        'ALGORITHM_NOT_ES384',
        `The header's alg is ${shown(header['alg'])}; IVS accepts only ES384 (ECDSA P-384 with SHA-384). Sign with an ES384 key.`,
      ),
    );
  }
  const signature = readSignature(encodedSignature);
  if (signature.form === 'der') {
    findings.push(
      finding(
        'SIGNATURE_DER_ENCODED',
        `The signature is ASN.1 DER (${signature.bytes} bytes), the default of many crypto libraries; JWTs and IVS need the raw 96-byte R‖S. Sign with a JWT library, or convert (Node: crypto.sign with dsaEncoding: 'ieee-p1363').`,
      ),
    );
  } else if (signature.form === 'truncated' || signature.form === 'missing') {
    findings.push(
      finding(
        'TOKEN_TRUNCATED',
        `The signature is ${signature.bytes} bytes; a raw ES384 signature is 96: the token was cut short (a copy that missed its end, a URL cut at a length limit). Copy the whole token.`,
      ),
    );
  } else if (signature.form === 'wrong-length') {
    findings.push(
      finding(
        'SIGNATURE_WRONG_LENGTH',
        `The signature is ${signature.bytes} bytes; a raw ES384 signature is 96 (other text appended to the token?).`,
      ),
    );
  }
  return { header, claims, signingInput: `${encodedHeader}.${encodedClaims}`, signature };
}

function readSignature(encoded: string): DecodedToken['signature'] {
  const bytes = Buffer.from(encoded, 'base64url');
  if (bytes.length === RAW_SIGNATURE_BYTES) return { form: 'raw', bytes: bytes.length, raw: bytes };
  const raw = derToRaw(bytes);
  if (raw) return { form: 'der', bytes: bytes.length, raw };
  if (bytes.length === 0) return { form: 'missing', bytes: 0, raw: undefined };
  return {
    form: bytes.length < RAW_SIGNATURE_BYTES ? 'truncated' : 'wrong-length',
    bytes: bytes.length,
    raw: undefined,
  };
}

/** An ECDSA-Sig-Value (SEQUENCE of two INTEGERs) of P-384 as R‖S, or undefined when it is not one. */
export function derToRaw(der: Uint8Array): Uint8Array | undefined {
  if (der.length < 8 || der[0] !== 0x30 || der[1] !== der.length - 2) return undefined;
  const integers: Uint8Array[] = [];
  let at = 2;
  while (at < der.length && integers.length < 2) {
    const length = der[at + 1] ?? 0;
    if (der[at] !== 0x02 || length === 0 || at + 2 + length > der.length) return undefined;
    let value = der.subarray(at + 2, at + 2 + length);
    while (value.length > 1 && value[0] === 0) value = value.subarray(1);
    if (value.length > 48) return undefined;
    integers.push(value);
    at += 2 + length;
  }
  if (integers.length !== 2 || at !== der.length) return undefined;
  const raw = new Uint8Array(RAW_SIGNATURE_BYTES);
  integers.forEach((value, index) => {
    raw.set(value, index * 48 + 48 - value.length);
  });
  return raw;
}

/** Every rule of the claims (docs/ivs-playback-rules.md, steps 5-10) the token breaks on its own. */
export function claimFindings(
  token: DecodedToken,
  context: { readonly now: Date; readonly origin: string | undefined },
): Finding[] {
  const { claims } = token;
  const findings: Finding[] = [];
  const nowSeconds = context.now.getTime() / 1000;

  const channelArn = claims['aws:channel-arn'];
  if (typeof channelArn !== 'string' || parseChannelArn(channelArn) === undefined) {
    findings.push(
      finding(
        'CHANNEL_ARN_INVALID',
        channelArn === undefined
          ? 'The token has no aws:channel-arn claim; IVS needs the ARN of the channel it plays.'
          : `aws:channel-arn is ${shown(channelArn)}, not an IVS channel ARN (arn:aws:ivs:<region>:<account>:channel/<id>; no wildcards).`,
      ),
    );
  }

  const exp = claims['exp'];
  const viewerId = claims['aws:viewer-id'];
  const singleUseId = claims['aws:single-use-uuid'];
  if (typeof exp !== 'number' || !Number.isInteger(exp)) {
    findings.push(
      finding(
        'EXP_INVALID',
        exp === undefined
          ? 'The token has no exp claim; IVS needs the expiry as a whole number of Unix seconds.'
          : `exp is ${shown(exp)}; IVS needs a whole number of Unix seconds.`,
      ),
    );
  } else if (exp >= MILLISECOND_EXP_THRESHOLD) {
    const asMilliseconds = isoOf(exp);
    findings.push(
      finding(
        'EXP_IN_MILLISECONDS',
        `exp is ${exp}, a time in milliseconds${asMilliseconds ? ` (${asMilliseconds})` : ''}; IVS reads Unix seconds, so it refuses the token. Divide by 1000: exp = Math.floor(Date.now() / 1000) + ttlSeconds (the IVS guide's Node sample makes this mistake).`,
      ),
    );
  } else if (exp <= nowSeconds) {
    findings.push(
      finding(
        'TOKEN_EXPIRED',
        `The token expired ${relativeSeconds(exp, nowSeconds)} (exp ${isoOf(exp * 1000) ?? exp}); IVS checks exp when playback starts. Get a new token for each playback start.`,
      ),
    );
  } else if (
    (viewerId !== undefined || singleUseId !== undefined) &&
    exp - nowSeconds > VIEWER_TOKEN_MAX_TTL_SECONDS
  ) {
    findings.push(
      finding(
        'TTL_OVER_VIEWER_LIMIT',
        `The token has ${viewerId !== undefined ? 'aws:viewer-id' : 'aws:single-use-uuid'} and expires ${relativeSeconds(exp, nowSeconds)}; IVS refuses viewer and single-use tokens that expire more than ${VIEWER_TOKEN_MAX_TTL_SECONDS} s (10 minutes) after playback starts. Issue it with ttlSeconds of ${VIEWER_TOKEN_MAX_TTL_SECONDS} or less, just before playback.`,
      ),
    );
  }

  if (
    viewerId !== undefined &&
    (typeof viewerId !== 'string' || [...viewerId].length < 1 || [...viewerId].length > VIEWER_ID_MAX_LENGTH)
  ) {
    findings.push(
      finding(
        'VIEWER_ID_INVALID',
        `aws:viewer-id must be a string of 1-${VIEWER_ID_MAX_LENGTH} characters; it is ${describeValue(viewerId)}.`,
      ),
    );
  }
  if (singleUseId !== undefined && (typeof singleUseId !== 'string' || !UUID.test(singleUseId))) {
    findings.push(
      finding(
        'SINGLE_USE_UUID_INVALID',
        `aws:single-use-uuid must be a UUID; it is ${describeValue(singleUseId)}.`,
      ),
    );
  }
  const version = claims['aws:viewer-session-version'];
  if (version !== undefined && (typeof version !== 'number' || !Number.isInteger(version) || version < 0)) {
    findings.push(
      finding(
        'VIEWER_SESSION_VERSION_INVALID',
        `aws:viewer-session-version must be a whole number, 0 or more; it is ${describeValue(version)}.`,
      ),
    );
  }
  const resolution = claims['aws:maximum-resolution'];
  if (resolution !== undefined && !(MAXIMUM_RESOLUTIONS as readonly unknown[]).includes(resolution)) {
    findings.push(
      finding(
        'MAXIMUM_RESOLUTION_INVALID',
        `aws:maximum-resolution must be one of ${MAXIMUM_RESOLUTIONS.join(', ')}; it is ${describeValue(resolution)}.`,
      ),
    );
  }

  findings.push(...originFindings(claims, context.origin));

  if (typeof singleUseId === 'string' && UUID.test(singleUseId)) {
    findings.push(
      finding(
        'SINGLE_USE',
        'Single use: it plays once, and IVS refuses it at every later start (a reload, a retry, a second tab). Whether it has played already cannot be read from IVS; issue a new token for every start.',
      ),
    );
  }
  if (typeof viewerId === 'string' && !findings.some((item) => item.code === 'VIEWER_ID_INVALID')) {
    const shownVersion = typeof version === 'number' ? version : 0;
    findings.push(
      finding(
        'REVOCABLE_VIEWER_SESSION',
        `Viewer ${JSON.stringify(viewerId)}, session version ${shownVersion}: a revocation of this viewer on this channel with viewerSessionVersionsLessThanOrEqualTo ${shownVersion} or more refuses it. IVS offers no way to read revocations, so that is not checked here; after a revocation, issue tokens with a higher aws:viewer-session-version.`,
      ),
    );
  }
  const undocumented = Object.keys(claims).filter(
    (name) => !(DOCUMENTED_CLAIMS as readonly string[]).includes(name),
  );
  if (undocumented.length > 0) {
    findings.push(
      finding(
        'UNDOCUMENTED_CLAIMS',
        `The token carries claims IVS does not document (${undocumented.slice(0, 10).join(', ')}); IVS is not known to refuse them, but they lengthen the URL and may be refused one day. Leave them out.`,
      ),
    );
  }
  return findings;
}

function originFindings(claims: Readonly<Record<string, unknown>>, origin: string | undefined): Finding[] {
  const listed = claims['aws:access-control-allow-origin'];
  const strict = claims['aws:strict-origin-enforcement'];
  if (listed !== undefined && typeof listed !== 'string') {
    return [
      finding(
        'ORIGIN_CLAIM_INVALID',
        `aws:access-control-allow-origin must be a string of comma-separated origins; it is ${describeValue(listed)}.`,
      ),
    ];
  }
  if (strict !== undefined && typeof strict !== 'boolean') {
    return [
      finding(
        'ORIGIN_CLAIM_INVALID',
        `aws:strict-origin-enforcement must be true or false; it is ${describeValue(strict)}.`,
      ),
    ];
  }
  const origins = (typeof listed === 'string' ? listed : '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  if (strict === true) {
    if (origins.length < 1 || origins.length > MAX_STRICT_ORIGINS) {
      return [
        finding(
          'ORIGIN_CLAIM_INVALID',
          `Strict origin enforcement needs 1-${MAX_STRICT_ORIGINS} origins in aws:access-control-allow-origin; the token has ${origins.length}.`,
        ),
      ];
    }
    if (origin === undefined) {
      return [
        finding(
          'ORIGIN_NOT_GIVEN',
          `The token enforces its origins strictly: IVS plays it only for requests whose Origin is one of ${origins.join(', ')} (and refuses requests without Origin). Give the player's Origin to check it.`,
        ),
      ];
    }
    if (!origins.some((pattern) => originAllowed(pattern, origin))) {
      return [
        finding(
          'ORIGIN_NOT_ALLOWED',
          `The token enforces its origins strictly and allows ${origins.join(', ')}, not ${JSON.stringify(origin)}: IVS refuses the request. Issue the token with the page's origin in allowedOrigins, or play it from an allowed origin.`,
        ),
      ];
    }
    return [];
  }
  if (
    origin !== undefined &&
    origins.length > 0 &&
    !origins.some((pattern) => originAllowed(pattern, origin))
  ) {
    return [
      finding(
        'ORIGIN_NOT_LISTED',
        `The token allows ${origins.join(', ')}, not ${JSON.stringify(origin)}. Without strict enforcement IVS serves the playlist, but a browser on that origin blocks it (CORS); native players are not affected. Add the page's origin to allowedOrigins.`,
      ),
    ];
  }
  return [];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * "in 300 s", "120 s ago". A whole-second target (an `exp`) is counted from the current whole
 * second, as IVS compares it; any other time to the nearest second.
 */
export function relativeSeconds(targetSeconds: number, nowSeconds: number): string {
  const delta = Number.isInteger(targetSeconds)
    ? targetSeconds - Math.floor(nowSeconds)
    : Math.round(targetSeconds - nowSeconds);
  return delta >= 0 ? `in ${delta} s` : `${-delta} s ago`;
}

/**
 * ISO 8601 (RFC 3339) of a time in milliseconds, or undefined outside the years 0-9999 that the
 * format can write (an `exp` in milliseconds read as seconds lands around the year 57000).
 */
export function isoOf(milliseconds: number): string | undefined {
  const date = new Date(milliseconds);
  const year = date.getUTCFullYear();
  return Number.isNaN(date.getTime()) || year < 0 || year > 9999 ? undefined : date.toISOString();
}

function jsonObject(encoded: string): Record<string, unknown> | undefined {
  if (!BASE64URL.test(encoded) || encoded === '') return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** A claim's value in a message: its JSON, never at any length. */
function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length <= 80 ? text : `${text.slice(0, 80)}…`;
}

function describeValue(value: unknown): string {
  if (typeof value === 'string') return `${shown(value)} (${[...value].length} characters)`;
  return shown(value);
}
