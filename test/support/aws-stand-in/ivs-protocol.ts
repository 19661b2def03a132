import type { AwsError } from './aws-error.js';
import { ivsError, statusOf } from './error-catalog.js';
import type { IvsAccount } from './ivs-account.js';
import { createIvsOperations } from './ivs-operations.js';
import { type DecodedRequest, parseJsonBody, type ServiceEndpoint } from './service-endpoint.js';
import type { IncomingRequest } from './types.js';
import { type IvsOperationName, ivsOperations } from './validation-table.js';

const tagOperationsByMethod: Readonly<Record<string, IvsOperationName>> = {
  POST: 'TagResource',
  GET: 'ListTagsForResource',
  DELETE: 'UntagResource',
};

function isIvsOperation(name: string): name is IvsOperationName {
  return Object.hasOwn(ivsOperations, name);
}

function queryValues(rawQuery: string, name: string): string[] {
  return new URLSearchParams(rawQuery).getAll(name);
}

function decodeTagRequest(request: IncomingRequest, encodedArn: string): DecodedRequest {
  const operation = tagOperationsByMethod[request.method];
  if (!operation) {
    return { ok: false, operation: '', error: unknownOperation(`${request.method} /tags/{resourceArn}`) };
  }
  let resourceArn: string;
  try {
    resourceArn = decodeURIComponent(encodedArn);
  } catch {
    return {
      ok: false,
      operation,
      error: ivsError('ValidationException', 'resourceArn is not a valid URI component'),
    };
  }
  const input: Record<string, unknown> = { resourceArn };
  if (operation === 'TagResource') {
    const body = parseJsonBody(request.body);
    if (!body.ok) return { ok: false, operation, error: ivsError('ValidationException', body.reason) };
    Object.assign(input, body.value, { resourceArn });
  }
  if (operation === 'UntagResource' && new URLSearchParams(request.rawQuery).has('tagKeys')) {
    input['tagKeys'] = queryValues(request.rawQuery, 'tagKeys');
  }
  return { ok: true, operation, input, shape: ivsOperations[operation].input };
}

function unknownOperation(what: string): AwsError {
  return ivsError(
    'UnknownOperationException',
    `The AWS stand-in does not implement the IVS operation ${what}`,
    'routing',
  );
}

/**
 * Amazon IVS over restJson1: `POST /<Operation>` with a JSON body, tagging under `/tags/{arn}`.
 * Every region: each request acts on the account's state in the region of its credential scope.
 */
export function createIvsEndpoint(account: IvsAccount): ServiceEndpoint {
  return {
    service: 'ivs',
    validationErrorTypes: ['ValidationException'],
    validationErrorType: 'ValidationException',
    claims(request) {
      return request.rawPath !== '/';
    },
    decode(request) {
      const tagPath = /^\/tags\/([^/]+)$/.exec(request.rawPath);
      if (tagPath?.[1] !== undefined) return decodeTagRequest(request, tagPath[1]);
      const operation = request.rawPath.slice(1);
      if (
        request.method !== 'POST' ||
        !isIvsOperation(operation) ||
        ivsOperations[operation].http.path !== request.rawPath
      ) {
        return { ok: false, operation, error: unknownOperation(`${request.method} ${request.rawPath}`) };
      }
      const body = parseJsonBody(request.body);
      if (!body.ok) return { ok: false, operation, error: ivsError('ValidationException', body.reason) };
      return { ok: true, operation, input: body.value, shape: ivsOperations[operation].input };
    },
    execute(operation, input, region) {
      if (!isIvsOperation(operation)) throw unknownOperation(operation);
      return createIvsOperations(account.in(region))[operation](input);
    },
    success(output, requestId) {
      return {
        status: 200,
        headers: { 'content-type': 'application/json', 'x-amzn-requestid': requestId },
        body: JSON.stringify(output),
      };
    },
    failure(error, requestId) {
      return {
        status: statusOf('ivs', error.errorType),
        headers: {
          'content-type': 'application/json',
          'x-amzn-requestid': requestId,
          'x-amzn-errortype': error.errorType,
        },
        body: JSON.stringify({ exceptionMessage: error.message }),
      };
    },
    // IVS answers every authentication failure with its modelled 403.
    signatureError(problem) {
      return ivsError('AccessDeniedException', problem.message, 'signature');
    },
    faultError(kind) {
      switch (kind) {
        case 'throttle':
          return ivsError(
            'ThrottlingException',
            'Request was denied due to request throttling (injected fault)',
          );
        case 'server-error':
          return ivsError(
            'InternalServerException',
            'Unexpected error during processing of request (injected fault)',
          );
        case 'unavailable':
          return ivsError('ServiceUnavailable', 'The service is temporarily unavailable (injected fault)');
      }
    },
  };
}
