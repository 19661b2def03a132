import { AwsError } from './aws-error.js';
import type { RejectionReason, ServiceName } from './types.js';

/**
 * Every error the stand-in can answer with, per service, and its HTTP status.
 *
 * `source: 'model'` errors are declared by the service's API model and must keep the model's status
 * (the conformance test checks this). `source: 'aws-common'` errors are the AWS-wide errors that no
 * service model declares (throttling, unavailability and authentication failures for the JSON
 * protocols, and an unknown operation); `why` says why the stand-in needs each one.
 */
export interface ErrorSpec {
  readonly status: number;
  readonly source: 'model' | 'aws-common';
  readonly why?: string;
}

export const ivsErrors = {
  ValidationException: { status: 400, source: 'model' },
  ServiceQuotaExceededException: { status: 402, source: 'model' },
  AccessDeniedException: { status: 403, source: 'model' },
  ResourceNotFoundException: { status: 404, source: 'model' },
  ConflictException: { status: 409, source: 'model' },
  ThrottlingException: { status: 429, source: 'model' },
  InternalServerException: { status: 500, source: 'model' },
  ServiceUnavailable: { status: 503, source: 'model' },
  UnknownOperationException: {
    status: 404,
    source: 'aws-common',
    why: 'answers a path that is no IVS operation the stand-in implements, so a test sees the gap by name',
  },
} as const satisfies Record<string, ErrorSpec>;

export const secretsManagerErrors = {
  InvalidParameterException: { status: 400, source: 'model' },
  InvalidRequestException: { status: 400, source: 'model' },
  InvalidNextTokenException: { status: 400, source: 'model' },
  ResourceNotFoundException: { status: 400, source: 'model' },
  ResourceExistsException: { status: 400, source: 'model' },
  LimitExceededException: { status: 400, source: 'model' },
  InternalServiceError: { status: 500, source: 'model' },
  ThrottlingException: {
    status: 400,
    source: 'aws-common',
    why: 'what Secrets Manager answers when a rate limit is hit ("Rate exceeded"); the SDK retries it by name',
  },
  ServiceUnavailable: {
    status: 503,
    source: 'aws-common',
    why: 'the AWS-wide 503 for a JSON-protocol service that is temporarily unavailable',
  },
  MissingAuthenticationTokenException: {
    status: 403,
    source: 'aws-common',
    why: 'no Authorization header at all',
  },
  IncompleteSignatureException: {
    status: 400,
    source: 'aws-common',
    why: 'an Authorization or X-Amz-Date header that is not a well-formed SigV4 header',
  },
  InvalidSignatureException: {
    status: 403,
    source: 'aws-common',
    why: 'a credential scope with the wrong region or service, or a signature that does not verify',
  },
  UnrecognizedClientException: {
    status: 403,
    source: 'aws-common',
    why: 'an access key id other than the stand-in test credentials',
  },
  UnknownOperationException: {
    status: 400,
    source: 'aws-common',
    why: 'an X-Amz-Target that names no Secrets Manager operation the stand-in implements',
  },
} as const satisfies Record<string, ErrorSpec>;

export type IvsErrorName = keyof typeof ivsErrors;
export type SecretsManagerErrorName = keyof typeof secretsManagerErrors;

export const errorCatalog: Readonly<Record<ServiceName, Readonly<Record<string, ErrorSpec>>>> = {
  ivs: ivsErrors,
  secretsmanager: secretsManagerErrors,
};

/** The HTTP status for an error name; unknown names are a bug in the stand-in, so they throw. */
export function statusOf(service: ServiceName, errorType: string): number {
  const spec = errorCatalog[service][errorType];
  if (!spec) throw new Error(`aws-stand-in: ${errorType} is not in the ${service} error catalog`);
  return spec.status;
}

/** An IVS error; the name is checked against the catalog at compile time. */
export function ivsError(errorType: IvsErrorName, message: string, rejectedFor?: RejectionReason): AwsError {
  return new AwsError(errorType, message, rejectedFor);
}

/** A Secrets Manager error; the name is checked against the catalog at compile time. */
export function secretsManagerError(
  errorType: SecretsManagerErrorName,
  message: string,
  rejectedFor?: RejectionReason | null,
): AwsError {
  return new AwsError(errorType, message, rejectedFor);
}
