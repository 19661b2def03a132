import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../domain/ports.js';
import './request-state.js';
import type { ServiceMetrics } from './metrics.js';

const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Gives every request an id (the caller's `x-request-id` when it is safe to echo, else a UUID),
 * echoes it, and writes one log line and one metrics sample when the response is done. Only the
 * path is logged: never headers, query strings or bodies, which may carry keys or tokens.
 */
export function requestContext(deps: { readonly logger: Logger; readonly metrics: ServiceMetrics }) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const started = performance.now();
    const inbound = req.headers['x-request-id'];
    const requestId = typeof inbound === 'string' && SAFE_REQUEST_ID.test(inbound) ? inbound : randomUUID();
    res.locals.requestId = requestId;
    res.setHeader('x-request-id', requestId);
    res.on('finish', () => {
      const seconds = (performance.now() - started) / 1000;
      const route = res.locals.route ?? 'unmatched';
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
    next();
  };
}
