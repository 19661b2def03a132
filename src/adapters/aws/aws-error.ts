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

/** Errors that mean AWS refused who the service is or what it asked: a matter of IAM, not of time. */
const REFUSED = new Set([
  'AccessDeniedException',
  'AccessDenied',
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
  'ExpiredTokenException',
  'ExpiredToken',
]);

/**
 * The SDK reports a missing or malformed region as a plain `Error` named "Error": the one case
 * where its text is read, to give each a name of its own (the text itself is never passed on).
 */
const REGION_MISSING = 'RegionMissing';
const REGION_INVALID = 'RegionInvalid';

/** The AWS error's name (`ThrottlingException`, …) or network code, never its message. */
export function awsErrorName(error: unknown): string {
  const candidate = error as { name?: unknown; code?: unknown; message?: unknown } | null;
  if (typeof candidate?.code === 'string' && NETWORK.has(candidate.code)) return candidate.code;
  if (candidate?.name === 'Error' && typeof candidate.message === 'string') {
    if (candidate.message === 'Region is missing') return REGION_MISSING;
    if (candidate.message.startsWith('Region not accepted')) return REGION_INVALID;
  }
  return typeof candidate?.name === 'string' ? candidate.name : 'UnknownError';
}

/** What a person should do about a failure that waiting will not fix, by the error's name. */
function remedy(name: string): string {
  if (name === REGION_MISSING) return 'no AWS region is configured: set AWS_REGION';
  if (name === REGION_INVALID) return 'AWS_REGION is not a region name such as us-west-2';
  if (name === 'CredentialsProviderError') {
    return 'no AWS credentials were found: run with an IAM role, or set AWS_PROFILE or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY';
  }
  if (REFUSED.has(name)) {
    return "AWS refused the credentials or the permission: check the service's IAM policy (deploy/iam/policy.json)";
  }
  return "check the service's AWS permissions and configuration";
}

/**
 * What kind of failure an AWS error is: `unavailable` when waiting may fix it (throttling, 5xx,
 * network, timeouts), `refused` when a person must (IAM, credentials, the region setting), `other`
 * for any other answer (some expected by the adapters, such as a key pair already deleted).
 */
export type AwsErrorKind = 'unavailable' | 'refused' | 'other';

export function awsErrorKind(error: unknown): AwsErrorKind {
  const name = awsErrorName(error);
  const status = (error as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
  if (TRANSIENT.has(name) || NETWORK.has(name) || (status !== undefined && status >= 500))
    return 'unavailable';
  if (
    REFUSED.has(name) ||
    name === 'CredentialsProviderError' ||
    name === REGION_MISSING ||
    name === REGION_INVALID
  ) {
    return 'refused';
  }
  return 'other';
}

export function isAwsError(error: unknown, ...names: string[]): boolean {
  return names.includes(awsErrorName(error));
}

/**
 * Translates anything an AWS SDK call throws into a ServiceError at the adapter's edge. Clients
 * see `DEPENDENCY_UNAVAILABLE` with the operation and the AWS error's name, never the SDK's text;
 * the original error rides along as `cause` for the logs.
 */
export function translateAwsError(
  error: unknown,
  operation: string,
  retryAfterSeconds = 5,
  /** The AWS region the call went to, for services the service calls in several (IVS). */
  region?: string,
): ServiceError {
  const name = awsErrorName(error);
  const transient = awsErrorKind(error) === 'unavailable';
  const call = region === undefined ? operation : `${operation} in ${region}`;
  return new ServiceError(
    'DEPENDENCY_UNAVAILABLE',
    transient
      ? NETWORK.has(name)
        ? `${call} could not reach AWS (${name}): check the network, AWS_REGION and any AWS_ENDPOINT_URL_* setting`
        : `${call} is unavailable right now (${name}); try again shortly`
      : `${call} failed (${name}): ${remedy(name)}`,
    {
      cause: error,
      retryAfterSeconds,
      details: { operation, awsError: name, ...(region === undefined ? {} : { region }) },
    },
  );
}
