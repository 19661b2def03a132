/**
 * Every failure the service reports has one of these stable codes. Clients may branch on them, so a
 * code is never renamed or reused; `http/error-status.ts` maps each to an HTTP status.
 */
export const ERROR_CODES = [
  // Request shape and transport
  'INVALID_REQUEST',
  'MALFORMED_JSON',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'NOT_FOUND',
  'METHOD_NOT_ALLOWED',
  // Authentication and authorization
  'UNAUTHENTICATED',
  'INSUFFICIENT_SCOPE',
  'CHANNEL_NOT_ALLOWED',
  'CHANNEL_NOT_FOUND',
  'CHANNEL_NOT_AUTHORIZED',
  'CHANNEL_REGION_NOT_SERVED',
  'CHANNEL_ACCOUNT_NOT_SERVED',
  'RATE_LIMITED',
  'TOO_MANY_FAILED_ATTEMPTS',
  // IVS token claim rules
  'INVALID_CHANNEL_ARN',
  'INVALID_VIEWER_ID',
  'INVALID_VIEWER_SESSION_VERSION',
  'VIEWER_SESSION_VERSION_WITHOUT_VIEWER_ID',
  'INVALID_ORIGIN',
  'DUPLICATE_ORIGIN',
  'TOO_MANY_ORIGINS',
  'TOO_MANY_STRICT_ORIGINS',
  'STRICT_ORIGIN_WITHOUT_ORIGINS',
  'INVALID_MAXIMUM_RESOLUTION',
  'INVALID_TTL',
  'TTL_ABOVE_MAXIMUM',
  'TTL_ABOVE_VIEWER_LIMIT',
  'INVALID_BATCH_SIZE',
  'INVALID_VIEWER_IP',
  'INVALID_VIEWER_COUNTRY',
  // Access policies (POLICIES_FILE, IVS playback restriction policies)
  'VIEWER_COUNTRY_NOT_ALLOWED',
  'VIEWER_COUNTRY_UNKNOWN',
  'ORIGIN_NOT_ALLOWED_BY_POLICY',
  'STRICT_ORIGIN_REQUIRED_BY_POLICY',
  'RESOLUTION_ABOVE_POLICY',
  'TTL_ABOVE_POLICY',
  'VIEWER_ID_REQUIRED_BY_POLICY',
  'SINGLE_USE_REQUIRED_BY_POLICY',
  // Keys and rotation
  'NO_SIGNING_KEY',
  'KEY_NOT_IN_REGION',
  'ROTATION_IN_PROGRESS',
  'PREVIOUS_KEY_DRAINING',
  'NO_FREE_KEY_SLOT',
  'KEY_VERIFICATION_FAILED',
  'KEY_STORE_CORRUPT',
  // Adopting a key made outside this service
  'KEY_NOT_READABLE',
  'KEY_NOT_P384',
  'KEY_HALVES_MISMATCH',
  'KEY_ALREADY_MANAGED',
  'ADOPTION_IN_PROGRESS',
  // Dependencies and the unexpected
  'DEPENDENCY_UNAVAILABLE',
  'NOT_AVAILABLE_IN_LOCAL_MODE',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ServiceErrorOptions {
  /** Machine-readable context for the client; must never contain secrets. */
  readonly details?: Readonly<Record<string, unknown>>;
  /** The underlying error, for logs only: never sent to clients. */
  readonly cause?: unknown;
  /** Seconds after which a retry may succeed (503, 429). */
  readonly retryAfterSeconds?: number;
}

/**
 * The one error type that crosses layers. `message` is written for the client and may be shown to it;
 * it never contains secrets or library text. Anything that is not a ServiceError is treated as a bug.
 */
export class ServiceError extends Error {
  override readonly name = 'ServiceError';
  readonly code: ErrorCode;
  readonly details: Readonly<Record<string, unknown>> | undefined;
  readonly retryAfterSeconds: number | undefined;

  constructor(code: ErrorCode, message: string, options: ServiceErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

export function isServiceError(error: unknown): error is ServiceError {
  return error instanceof ServiceError;
}
