import type { Caller } from '../domain/api-keys.js';
import type { ErrorCode } from '../domain/errors.js';

/**
 * What the middleware learn about a request, kept on `res.locals` for the later ones: typed here
 * once, so no handler reads a string key and casts it.
 */
declare global {
  namespace Express {
    interface Locals {
      /** Set by the request context for every request. */
      requestId: string;
      /** The contract path that matched (for logs and metrics); unset for unknown routes. */
      route?: string;
      /** Set once the API key is recognised, before its rate and scope are checked. */
      apiKeyId?: string;
      /** Set once the API key passed its rate limit and scope check. */
      caller?: Caller;
      /** The stable code of the error response, for the request's log line. */
      errorCode?: ErrorCode;
    }
  }
}
