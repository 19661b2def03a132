import type { components } from './openapi-types.js';

/** The service's stable error codes (openapi.yaml, ErrorCode). */
export type ErrorCode = components['schemas']['ErrorCode'];

/**
 * A response the service answered with an error: `code` is the service's stable code (branch on
 * it, never on `message`), or `UNEXPECTED_RESPONSE` when the answer was not the service's error
 * shape (a proxy's error page, for instance).
 */
export class IvsPlaybackAuthError extends Error {
  override readonly name = 'IvsPlaybackAuthError';
  readonly status: number;
  readonly code: ErrorCode | 'UNEXPECTED_RESPONSE';
  /** The service's request id (`x-request-id`): it names the request in the service's logs. */
  readonly requestId: string | undefined;
  readonly details: Readonly<Record<string, unknown>> | undefined;
  /** From `Retry-After`, when the service said when to try again. */
  readonly retryAfterSeconds: number | undefined;

  constructor(init: {
    readonly status: number;
    readonly code: ErrorCode | 'UNEXPECTED_RESPONSE';
    readonly message: string;
    readonly requestId?: string | undefined;
    readonly details?: Readonly<Record<string, unknown>> | undefined;
    readonly retryAfterSeconds?: number | undefined;
  }) {
    super(init.message);
    this.status = init.status;
    this.code = init.code;
    this.requestId = init.requestId;
    this.details = init.details;
    this.retryAfterSeconds = init.retryAfterSeconds;
  }
}

/** The error a failed response stands for, from the service's `{code, message, requestId, details?}`. */
export function errorFromResponse(response: Response, body: unknown): IvsPlaybackAuthError {
  const retryAfterMs = retryAfterMilliseconds(response.headers.get('retry-after'), Date.now());
  const retryAfterSeconds = retryAfterMs === undefined ? undefined : Math.ceil(retryAfterMs / 1000);
  const requestId = response.headers.get('x-request-id') ?? undefined;
  if (isServiceErrorBody(body)) {
    return new IvsPlaybackAuthError({
      status: response.status,
      code: body.code,
      message: body.message,
      requestId: body.requestId ?? requestId,
      details: body.details,
      retryAfterSeconds,
    });
  }
  return new IvsPlaybackAuthError({
    status: response.status,
    code: 'UNEXPECTED_RESPONSE',
    message: `the service answered ${response.status} ${response.statusText} without its error shape`,
    requestId,
    retryAfterSeconds,
  });
}

function isServiceErrorBody(
  body: unknown,
): body is { code: ErrorCode; message: string; requestId?: string; details?: Record<string, unknown> } {
  const candidate = body as { code?: unknown; message?: unknown } | null;
  return typeof candidate?.code === 'string' && typeof candidate.message === 'string';
}

/**
 * `Retry-After` as milliseconds from `now`: delay-seconds or an HTTP date (RFC 9110, 10.2.3);
 * undefined when absent or unreadable.
 */
export function retryAfterMilliseconds(header: string | null, now: number): number | undefined {
  if (header === null) return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
