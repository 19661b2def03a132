import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { type Caller, requireScope, type Scope } from '../domain/api-keys.js';
import { ServiceError } from '../domain/errors.js';
import type { ApiKeyAuthenticator } from '../services/api-key-authenticator.js';
import type { FailedAttemptLimit, RequestRateLimit } from '../services/request-limits.js';
import './request-state.js';

/**
 * The middleware of a route that needs an API key, in the order they run: refuse a client that sent
 * too many bad credentials, recognise the key (counting a failure against the client), hold the key
 * to its request rate, then check its scope. Each leaves what it learnt on `res.locals`.
 */
export function apiKeyChecks(deps: {
  /** `any`: every valid API key, whatever its scopes. */
  readonly scope: Scope | 'any';
  readonly authenticator: ApiKeyAuthenticator;
  readonly limits: { readonly requests: RequestRateLimit; readonly failedAttempts: FailedAttemptLimit };
}): RequestHandler[] {
  return [
    refuseBlockedClients(deps.limits.failedAttempts),
    authenticate(deps.authenticator, deps.limits.failedAttempts),
    limitRate(deps.limits.requests),
    ...(deps.scope === 'any' ? [] : [checkScope(deps.scope)]),
  ];
}

/** The caller a route's API key checks admitted; only routes with a scope may ask. */
export function callerOf(res: Response): Caller {
  const { caller } = res.locals;
  if (caller === undefined) throw new Error('callerOf: this route has no API key check');
  return caller;
}

function clientOf(req: Request): string {
  return req.ip ?? 'unknown';
}

function refuseBlockedClients(failedAttempts: FailedAttemptLimit): RequestHandler {
  return (req: Request, _res: Response, next: NextFunction) => {
    const blocked = failedAttempts.check(clientOf(req));
    if (!blocked.allowed) {
      throw new ServiceError(
        'TOO_MANY_FAILED_ATTEMPTS',
        `too many requests with bad credentials from this client address; every request from it is refused for ${blocked.retryAfterSeconds} more seconds, even with a valid key (AUTH_FAILURE_LIMIT per AUTH_FAILURE_WINDOW_SECONDS; a restart of the service also resets it)`,
        { retryAfterSeconds: blocked.retryAfterSeconds },
      );
    }
    next();
  };
}

function authenticate(
  authenticator: ApiKeyAuthenticator,
  failedAttempts: FailedAttemptLimit,
): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    let caller: Caller;
    try {
      // Node keeps only the first of several Authorization headers; a proxy might keep another.
      if (countHeader(req.rawHeaders, 'authorization') > 1) authenticator.authenticate(undefined);
      caller = authenticator.authenticate(req.headers.authorization);
    } catch (error) {
      failedAttempts.recordFailure(clientOf(req));
      throw error;
    }
    res.locals.apiKeyId = caller.apiKeyId;
    res.locals.caller = caller;
    next();
  };
}

function limitRate(requests: RequestRateLimit): RequestHandler {
  return (_req: Request, res: Response, next: NextFunction) => {
    const caller = callerOf(res);
    const rate = requests.take(caller.apiKeyId, caller.rateLimitPerSecond);
    if (!rate.allowed) {
      throw new ServiceError('RATE_LIMITED', 'this API key is over its request rate; slow down', {
        retryAfterSeconds: rate.retryAfterSeconds,
      });
    }
    next();
  };
}

function checkScope(scope: Scope): RequestHandler {
  return (_req: Request, res: Response, next: NextFunction) => {
    requireScope(callerOf(res), scope);
    next();
  };
}

function countHeader(rawHeaders: readonly string[], name: string): number {
  let count = 0;
  for (let index = 0; index < rawHeaders.length; index += 2) {
    if (rawHeaders[index]?.toLowerCase() === name) count++;
  }
  return count;
}
