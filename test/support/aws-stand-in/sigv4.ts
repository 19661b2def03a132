import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { isRegionName } from './regions.js';
import type { IncomingRequest } from './types.js';

/** Why a request's SigV4 signature was refused; each kind maps to a distinct AWS error. */
export type SignatureProblemKind = 'missing' | 'malformed' | 'wrong-scope' | 'unknown-key' | 'mismatch';

export interface SignatureProblem {
  readonly kind: SignatureProblemKind;
  readonly message: string;
}

export interface SignatureExpectation {
  readonly signingName: string;
  /**
   * The one region the service answers in; when absent, any well-formed region name (IVS, whose
   * state the stand-in keeps per region, so the scope picks the region as an endpoint would).
   */
  readonly region?: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

const authorizationHeaderPattern =
  /^AWS4-HMAC-SHA256 Credential=([^/\s,]+)\/(\d{8})\/([^/\s,]+)\/([^/\s,]+)\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/;
const amzDatePattern = /^\d{8}T\d{6}Z$/;

function headerValue(request: IncomingRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

/** RFC 3986 escaping exactly as the AWS SDK's signer applies it. */
function escapeUri(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

/** Non-S3 services sign the path escaped a second time, after removing empty and dot segments. */
function canonicalPath(rawPath: string): string {
  const segments: string[] = [];
  for (const segment of rawPath.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  const trailing = segments.length > 0 && rawPath.endsWith('/') ? '/' : '';
  return escapeUri(`/${segments.join('/')}${trailing}`).replace(/%2F/g, '/');
}

function canonicalQuery(rawQuery: string): string {
  const byKey = new Map<string, string[]>();
  for (const pair of rawQuery.split('&')) {
    if (pair === '') continue;
    const separator = pair.indexOf('=');
    const key = decodeURIComponent(separator === -1 ? pair : pair.slice(0, separator));
    const value = separator === -1 ? '' : decodeURIComponent(pair.slice(separator + 1));
    if (key.toLowerCase() === 'x-amz-signature') continue;
    const encodedKey = escapeUri(key);
    byKey.set(encodedKey, [...(byKey.get(encodedKey) ?? []), `${encodedKey}=${escapeUri(value)}`]);
  }
  return [...byKey.keys()]
    .sort()
    .map((key) => (byKey.get(key) ?? []).sort().join('&'))
    .join('&');
}

function canonicalHeaders(request: IncomingRequest, signedHeaders: readonly string[]): string | undefined {
  const lines: string[] = [];
  for (const name of signedHeaders) {
    const value = headerValue(request, name);
    if (value === undefined) return undefined;
    lines.push(
      `${name}:${value
        .replace(/[\r\n]/g, ' ')
        .replace(/[ \t]+/g, ' ')
        .trim()}`,
    );
  }
  return lines.join('\n');
}

function expectedSignature(
  request: IncomingRequest,
  scope: { date: string; region: string; service: string },
  amzDate: string,
  signedHeaders: readonly string[],
  secretAccessKey: string,
): string | undefined {
  const headers = canonicalHeaders(request, signedHeaders);
  if (headers === undefined) return undefined;
  const bodyHash = sha256Hex(request.body);
  const declaredHash = headerValue(request, 'x-amz-content-sha256');
  // A declared payload hash is signed in place of the body, so it must be the body's real hash.
  if (declaredHash !== undefined && declaredHash !== 'UNSIGNED-PAYLOAD' && declaredHash !== bodyHash)
    return undefined;
  const payloadHash = declaredHash ?? bodyHash;
  const canonicalRequest = [
    request.method,
    canonicalPath(request.rawPath),
    canonicalQuery(request.rawQuery),
    `${headers}\n`,
    signedHeaders.join(';'),
    payloadHash,
  ].join('\n');
  const credentialScope = `${scope.date}/${scope.region}/${scope.service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, credentialScope, sha256Hex(canonicalRequest)].join('\n');
  const signingKey = hmac(
    hmac(hmac(hmac(`AWS4${secretAccessKey}`, scope.date), scope.region), scope.service),
    'aws4_request',
  );
  return hmac(signingKey, stringToSign).toString('hex');
}

/** A verified signature tells the region the request acts in; a refused one, why. */
export type SignatureCheck =
  | { readonly ok: true; readonly region: string }
  | { readonly ok: false; readonly problem: SignatureProblem };

/**
 * Checks the request's SigV4 `Authorization` header: its shape, that the credential scope names an
 * expected region and the service, that the key is the stand-in's test key, and that the signature
 * verifies. On success, returns the region of the credential scope.
 */
export function checkSignature(request: IncomingRequest, expected: SignatureExpectation): SignatureCheck {
  const problem = signatureProblem(request, expected);
  if (problem) return { ok: false, problem };
  const scope = authorizationHeaderPattern.exec(headerValue(request, 'authorization') ?? '');
  return { ok: true, region: scope?.[3] ?? '' };
}

function signatureProblem(
  request: IncomingRequest,
  expected: SignatureExpectation,
): SignatureProblem | undefined {
  const authorization = headerValue(request, 'authorization');
  if (authorization === undefined || authorization === '') {
    return {
      kind: 'missing',
      message: 'Missing Authentication Token: the request has no Authorization header',
    };
  }
  const parsed = authorizationHeaderPattern.exec(authorization);
  if (!parsed) {
    return {
      kind: 'malformed',
      message: `Authorization header is not a SigV4 header (AWS4-HMAC-SHA256 Credential=<key>/<yyyymmdd>/<region>/<service>/aws4_request, SignedHeaders=..., Signature=<64 hex>): ${authorization}`,
    };
  }
  const [, accessKeyId = '', date = '', region = '', service = '', signedHeaderList = '', signature = ''] =
    parsed;
  const amzDate = headerValue(request, 'x-amz-date');
  if (amzDate === undefined || !amzDatePattern.test(amzDate) || !amzDate.startsWith(date)) {
    return {
      kind: 'malformed',
      message: `X-Amz-Date must be present, formatted yyyymmddThhmmssZ and on the credential date ${date}`,
    };
  }
  const signedHeaders = signedHeaderList.split(';');
  if (!signedHeaders.includes('host') || !signedHeaders.includes('x-amz-date')) {
    return { kind: 'malformed', message: 'SignedHeaders must include host and x-amz-date' };
  }
  if (expected.region !== undefined && region !== expected.region) {
    return {
      kind: 'wrong-scope',
      message: `Credential should be scoped to a valid region: '${region}' is not '${expected.region}'`,
    };
  }
  if (!isRegionName(region)) {
    return {
      kind: 'wrong-scope',
      message: `Credential should be scoped to a valid region: '${region}' is not an AWS region name`,
    };
  }
  if (service !== expected.signingName) {
    return {
      kind: 'wrong-scope',
      message: `Credential should be scoped to correct service: '${expected.signingName}', not '${service}'`,
    };
  }
  if (accessKeyId !== expected.accessKeyId) {
    return {
      kind: 'unknown-key',
      message: `The security token included in the request is invalid (access key ${accessKeyId} is not the stand-in test key)`,
    };
  }
  const wanted = expectedSignature(
    request,
    { date, region, service },
    amzDate,
    signedHeaders,
    expected.secretAccessKey,
  );
  if (wanted === undefined || !timingSafeEqual(Buffer.from(wanted), Buffer.from(signature))) {
    return {
      kind: 'mismatch',
      message: 'The request signature we calculated does not match the signature you provided',
    };
  }
  return undefined;
}
