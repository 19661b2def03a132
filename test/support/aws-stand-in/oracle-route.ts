import type { PlaybackAttempt, PlaybackOracle } from '../playback-oracle.js';
import { parseJsonBody } from './service-endpoint.js';
import type { HttpReply, IncomingRequest } from './types.js';

/**
 * `POST /_oracle/play`: the playback oracle over HTTP, for a person trying the service by hand or a
 * test in another process. Not an AWS API: no SigV4, and no AWS service uses a path starting with
 * `/_oracle/`, so it cannot shadow an operation.
 *
 * Body: `{"playbackUrl": "https://…m3u8?token=…", "origin"?: "https://…"}` or
 * `{"channelArn": "arn:aws:ivs:…", "token"?: "…", "origin"?: "…"}`.
 * Answer: 200 `{plays, reason, message}`; 400 `{code: "INVALID_ORACLE_REQUEST", message}` for a
 * body of any other shape; 404/405 for other paths and methods.
 */
export const oraclePlayPath = '/_oracle/play';

export function isOracleRequest(request: IncomingRequest): boolean {
  return request.rawPath.startsWith('/_oracle/');
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): HttpReply {
  return { status, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
}

function invalid(message: string): HttpReply {
  return json(400, { code: 'INVALID_ORACLE_REQUEST', message });
}

const optionalString = (value: unknown) => value === undefined || typeof value === 'string';

/** Reads the body into an attempt, or says what is wrong with it. */
function attemptOf(body: Record<string, unknown>): PlaybackAttempt | string {
  const known = ['playbackUrl', 'channelArn', 'token', 'origin'];
  const unknown = Object.keys(body).filter((name) => !known.includes(name));
  if (unknown.length > 0) return `unknown members: ${unknown.join(', ')} (expected ${known.join(', ')})`;
  const { playbackUrl, channelArn, token, origin } = body;
  if (![playbackUrl, channelArn, token, origin].every(optionalString)) return 'every member must be a string';
  const originPart = origin === undefined ? {} : { origin: origin as string };
  if (typeof playbackUrl === 'string') {
    if (channelArn !== undefined || token !== undefined) {
      return 'give playbackUrl (with its token in the query) or channelArn and token, not both';
    }
    return { playbackUrl, ...originPart };
  }
  if (typeof channelArn === 'string') {
    return { channelArn, ...(token === undefined ? {} : { token: token as string }), ...originPart };
  }
  return 'give playbackUrl, or channelArn (and token)';
}

export function handleOracleRequest(request: IncomingRequest, oracle: PlaybackOracle): HttpReply {
  if (request.rawPath !== oraclePlayPath) {
    return json(404, { code: 'NOT_FOUND', message: `the oracle answers only POST ${oraclePlayPath}` });
  }
  if (request.method !== 'POST') {
    return json(
      405,
      { code: 'METHOD_NOT_ALLOWED', message: `use POST ${oraclePlayPath}` },
      { allow: 'POST' },
    );
  }
  const body = parseJsonBody(request.body);
  if (!body.ok) return invalid(body.reason);
  const attempt = attemptOf(body.value);
  if (typeof attempt === 'string') return invalid(attempt);
  return json(200, oracle.play(attempt));
}
