import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../domain/ports.js';
import './request-state.js';
import type { ServiceMetrics } from './metrics.js';
import type { RequestTracer } from './request-tracing.js';

const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Gives every request an id (the caller's `x-request-id` when it is safe to echo, else a UUID),
 * echoes it, and writes one log line and one metrics sample when the response is done. Only the
 * path is logged: never headers, query strings or bodies, which may carry keys or tokens. With a
 * tracer, the request also gets a span, and the rest of it (and its log line) runs inside it.
 */
export function requestContext(deps: {
  readonly logger: Logger;
  readonly metrics: ServiceMetrics;
  readonly tracer?: RequestTracer | undefined;
}) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const started = performance.now();
    // First, so the listeners below run inside the request's span (its ids reach the log line).
    const traced = deps.tracer?.start(req, res);
    const inbound = req.headers['x-request-id'];
    const requestId = typeof inbound === 'string' && SAFE_REQUEST_ID.test(inbound) ? inbound : randomUUID();
    res.locals.requestId = requestId;
    res.setHeader('x-request-id', requestId);
    res.on('finish', () => {
      const seconds = (performance.now() - started) / 1000;
      const route = res.locals.route ?? 'unmatched';
      traced?.end({
        route: res.locals.route,
        status: res.statusCode,
        errorCode: res.locals.errorCode,
        apiKeyId: res.locals.apiKeyId,
        aborted: false,
      });
      deps.metrics.observeRequest(route, req.method, res.statusCode, seconds);
      deps.logger.info(
        {
          requestId,
          method: req.method,
          path: route === 'unmatched' ? undefined : route,
          status: res.statusCode,
          durationMs: Math.round(seconds * 1e6) / 1e3,
          apiKeyId: res.locals.apiKeyId,
          code: res.locals.errorCode,
        },
        'request',
      );
    });
    if (traced === undefined) {
      next();
      return;
    }
    // A client that goes away before the response is complete still ends the span (once: the
    // tracer ignores a second end).
    res.on('close', () => {
      if (!res.writableFinished) {
        traced.end({
          route: res.locals.route,
          status: res.statusCode,
          errorCode: res.locals.errorCode,
          apiKeyId: res.locals.apiKeyId,
          aborted: true,
        });
      }
    });
    traced.run(next);
  };
}
