import { secretsManagerError, statusOf } from './error-catalog.js';
import { createSecretsManagerOperations } from './secrets-manager-operations.js';
import type { SecretsStore } from './secrets-state.js';
import { headerString, parseJsonBody, type ServiceEndpoint } from './service-endpoint.js';
import type { SignatureProblemKind } from './sigv4.js';
import { type SecretsManagerOperationName, secretsManagerOperations } from './validation-table.js';

const targetPrefix = 'secretsmanager.';

function isSecretsManagerOperation(name: string): name is SecretsManagerOperationName {
  return Object.hasOwn(secretsManagerOperations, name);
}

/** The AWS-wide authentication errors JSON-protocol services answer, by what went wrong. */
const signatureErrors = {
  missing: 'MissingAuthenticationTokenException',
  malformed: 'IncompleteSignatureException',
  'wrong-scope': 'InvalidSignatureException',
  'unknown-key': 'UnrecognizedClientException',
  mismatch: 'InvalidSignatureException',
} as const satisfies Record<SignatureProblemKind, string>;

/**
 * AWS Secrets Manager over awsJson1_1: `POST /` with `X-Amz-Target: secretsmanager.<Operation>`.
 * The stand-in keeps one region's secrets, so a request signed for another region is refused
 * rather than shown them.
 */
export function createSecretsManagerEndpoint(
  store: SecretsStore,
  clock: () => Date,
  region: string,
): ServiceEndpoint {
  const operations = createSecretsManagerOperations(store, clock);
  return {
    service: 'secretsmanager',
    region,
    // Constraint violations are InvalidParameterException ("the parameter name or value is
    // invalid"); InvalidRequestException is the model's "not valid for the current state" error.
    validationErrorTypes: ['InvalidParameterException', 'InvalidRequestException'],
    validationErrorType: 'InvalidParameterException',
    claims(request) {
      return request.rawPath === '/';
    },
    decode(request) {
      const target = headerString(request, 'x-amz-target') ?? '';
      const operation = target.startsWith(targetPrefix) ? target.slice(targetPrefix.length) : target;
      if (
        request.method !== 'POST' ||
        !target.startsWith(targetPrefix) ||
        !isSecretsManagerOperation(operation)
      ) {
        return {
          ok: false,
          operation,
          error: secretsManagerError(
            'UnknownOperationException',
            `The AWS stand-in does not implement ${request.method} / with X-Amz-Target '${target}'`,
            'routing',
          ),
        };
      }
      const body = parseJsonBody(request.body);
      if (!body.ok)
        return { ok: false, operation, error: secretsManagerError('InvalidParameterException', body.reason) };
      return { ok: true, operation, input: body.value, shape: secretsManagerOperations[operation].input };
    },
    execute(operation, input) {
      if (!isSecretsManagerOperation(operation)) {
        throw secretsManagerError('UnknownOperationException', `Unknown operation ${operation}`, 'routing');
      }
      return operations[operation](input);
    },
    success(output, requestId) {
      return {
        status: 200,
        headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': requestId },
        body: JSON.stringify(output),
      };
    },
    failure(error, requestId) {
      return {
        status: statusOf('secretsmanager', error.errorType),
        headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': requestId },
        body: JSON.stringify({ __type: error.errorType, Message: error.message }),
      };
    },
    signatureError(problem) {
      return secretsManagerError(signatureErrors[problem.kind], problem.message, 'signature');
    },
    faultError(kind) {
      switch (kind) {
        case 'throttle':
          return secretsManagerError('ThrottlingException', 'Rate exceeded (injected fault)');
        case 'server-error':
          return secretsManagerError(
            'InternalServiceError',
            'An error occurred on the server side (injected fault)',
          );
        case 'unavailable':
          return secretsManagerError(
            'ServiceUnavailable',
            'The service is temporarily unavailable (injected fault)',
          );
      }
    },
  };
}
