import { ServiceError } from '../../domain/errors.js';

/** Errors the AWS SDK reports when AWS is slow, overloaded or unreachable: worth retrying later. */
const TRANSIENT = new Set([
  'ThrottlingException',
  'TooManyRequestsException',
  'LimitExceededException',
  'RequestLimitExceeded',
  'InternalServerException',
  'InternalServiceError',
  'InternalFailure',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
]);
const NETWORK = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNABORTED',
]);

/** The AWS error's name (`ThrottlingException`, …) or network code, never its message. */
export function awsErrorName(error: unknown): string {
  const candidate = error as { name?: unknown; code?: unknown } | null;
  if (typeof candidate?.code === 'string' && NETWORK.has(candidate.code)) return candidate.code;
  return typeof candidate?.name === 'string' ? candidate.name : 'UnknownError';
}

export function isAwsError(error: unknown, ...names: string[]): boolean {
  return names.includes(awsErrorName(error));
}

/**
 * Translates anything an AWS SDK call throws into a ServiceError at the adapter's edge. Clients
 * see `DEPENDENCY_UNAVAILABLE` with the operation and the AWS error's name, never the SDK's text;
 * the original error rides along as `cause` for the logs.
 */
export function translateAwsError(error: unknown, operation: string, retryAfterSeconds = 5): ServiceError {
  const name = awsErrorName(error);
  const status = (error as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
  const transient = TRANSIENT.has(name) || NETWORK.has(name) || (status !== undefined && status >= 500);
  return new ServiceError(
    'DEPENDENCY_UNAVAILABLE',
    transient
      ? `${operation} is unavailable right now (${name}); try again shortly`
      : `${operation} failed (${name}); check the service's AWS permissions and configuration`,
    { cause: error, retryAfterSeconds, details: { operation, awsError: name } },
  );
}
