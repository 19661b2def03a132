import type { NextFunction, Request, Response } from 'express';
import { isServiceError, ServiceError } from '../domain/errors.js';
import type { Logger } from '../domain/ports.js';
import './request-state.js';
import { ERROR_STATUS } from './error-status.js';

/** What body-parser reports, by its `type` field. */
const BODY_PARSER_ERRORS: Readonly<Record<string, () => ServiceError>> = {
  'entity.parse.failed': () => new ServiceError('MALFORMED_JSON', 'the request body is not valid JSON'),
  'entity.too.large': () =>
    new ServiceError('PAYLOAD_TOO_LARGE', 'the request body is larger than this route accepts'),
  'encoding.unsupported': () =>
    new ServiceError('UNSUPPORTED_MEDIA_TYPE', 'the request body must not use a Content-Encoding'),
  'charset.unsupported': () =>
    new ServiceError('UNSUPPORTED_MEDIA_TYPE', 'the request body must be UTF-8 JSON'),
};

export function sendError(res: Response, error: ServiceError): void {
  res.locals.errorCode = error.code;
  if (error.retryAfterSeconds !== undefined) {
    res.setHeader('Retry-After', String(Math.max(1, Math.ceil(error.retryAfterSeconds))));
  }
  res.status(ERROR_STATUS[error.code]).json({
    code: error.code,
    message: error.message,
    requestId: res.locals.requestId,
    ...(error.details === undefined ? {} : { details: error.details }),
  });
}

/** Turns anything thrown into the one error shape; unknown errors become a generic 500. */
export function toServiceError(error: unknown): ServiceError | undefined {
  if (isServiceError(error)) return error;
  const type = (error as { type?: unknown } | null)?.type;
  if (typeof type === 'string') {
    const make = BODY_PARSER_ERRORS[type];
    if (make) return make();
    const status = (error as { status?: unknown }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      return new ServiceError('INVALID_REQUEST', 'the request body could not be read');
    }
  }
  return undefined;
}

/** The express error middleware: the only place errors become responses. */
export function errorHandler(logger: Logger) {
  return (error: unknown, _req: Request, res: Response, _next: NextFunction): void => {
    const known = toServiceError(error);
    if (known) {
      if (ERROR_STATUS[known.code] >= 500) {
        logger.error(
          { requestId: res.locals.requestId, code: known.code, err: known.cause ?? known },
          known.message,
        );
      }
      sendError(res, known);
      return;
    }
    logger.error({ requestId: res.locals.requestId, err: error }, 'unexpected error');
    sendError(
      res,
      new ServiceError('INTERNAL', 'an unexpected error occurred; the request id identifies it in the logs'),
    );
  };
}
