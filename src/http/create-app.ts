import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { ServiceError } from '../domain/errors.js';
import type { Logger } from '../domain/ports.js';
import type { ApiKeyAuthenticator } from '../services/api-key-authenticator.js';
import type { FailedAttemptLimit, RequestRateLimit } from '../services/request-limits.js';
import { apiKeyChecks } from './authentication.js';
import { errorHandler, sendError } from './error-response.js';
import { listenWithStableShapes, precomputedHelmet, readDeclaredLengthJson } from './fast-paths/index.js';
import type { ServiceMetrics } from './metrics.js';
import type { ContractOperation, OpenApiContract } from './openapi-contract.js';
import { requestContext } from './request-context.js';
import type { RequestTracer } from './request-tracing.js';

/** A route's logic: reads the validated body and the caller from `res.locals`, writes the response. */
export type OperationHandler = (req: Request, res: Response) => Promise<void> | void;

export interface AppDeps {
  readonly contract: OpenApiContract;
  /** One handler per `operationId` in openapi.yaml; a missing or extra one fails at construction. */
  readonly handlers: Readonly<Record<string, OperationHandler>>;
  readonly authenticator: ApiKeyAuthenticator;
  readonly metrics: ServiceMetrics;
  readonly logger: Logger;
  readonly bodyLimitBytes: number;
  readonly batchBodyLimitBytes: number;
  /** Per-API-key request rate, and the bound on bad credentials per client address. */
  readonly limits: { readonly requests: RequestRateLimit; readonly failedAttempts: FailedAttemptLimit };
  /** express's `trust proxy`: whose X-Forwarded-For names the client (false = the socket's peer). */
  readonly trustProxy: boolean | number | string;
  /** A span per request (OpenTelemetry, when configured); absent, requests are not traced. */
  readonly tracer?: RequestTracer | undefined;
}

/**
 * Builds the express app from openapi.yaml: every operation in the contract becomes a route with
 * its scope check, body validation and body limit, and nothing else is routed. Does not listen.
 */
export function createApp(deps: AppDeps): express.Express {
  const { contract, handlers, authenticator, metrics, logger } = deps;
  const known = new Set(contract.operations.map((operation) => operation.operationId));
  const missing = [...known].filter((id) => !handlers[id]);
  const extra = Object.keys(handlers).filter((id) => !known.has(id));
  if (missing.length > 0 || extra.length > 0) {
    throw new Error(
      `handlers do not match openapi.yaml: missing [${missing.join(', ')}], extra [${extra.join(', ')}]`,
    );
  }

  const app = configuredExpress(deps.trustProxy);
  app.use(requestContext({ logger, metrics, tracer: deps.tracer }));
  app.use(precomputedHelmet());

  const methodsByPath = new Map<string, string[]>();
  for (const operation of contract.operations) {
    const chain: RequestHandler[] = [markRoute(operation.path)];
    if (operation.requiredScope) {
      chain.push(...apiKeyChecks({ scope: operation.requiredScope, authenticator, limits: deps.limits }));
    }
    if (operation.hasBody) {
      const limit = operation.bodyLimit === 'batch' ? deps.batchBodyLimitBytes : deps.bodyLimitBytes;
      chain.push(readValidatedJsonBody(operation, limit));
    }
    const handler = handlers[operation.operationId] as OperationHandler;
    chain.push(async (req, res) => handler(req, res));
    app[operation.method](operation.path, ...chain);
    methodsByPath.set(operation.path, [
      ...(methodsByPath.get(operation.path) ?? []),
      operation.method.toUpperCase(),
    ]);
  }

  for (const [path, methods] of methodsByPath) {
    const allow = methods.includes('GET') ? [...methods, 'HEAD'] : methods;
    app.all(path, markRoute(path), (req, res) => {
      res.setHeader('Allow', allow.join(', '));
      sendError(
        res,
        new ServiceError(
          'METHOD_NOT_ALLOWED',
          `${req.method} is not allowed here; use ${allow.join(' or ')}`,
        ),
      );
    });
  }
  app.use((_req, res) => {
    sendError(res, new ServiceError('NOT_FOUND', 'no such route; see /openapi.yaml'));
  });
  app.use(errorHandler(logger));
  app.listen = listenWithStableShapes(app);
  return app;
}

/** An express app with this service's settings (also what the fast paths' tests compare against). */
export function configuredExpress(trustProxy: AppDeps['trustProxy']): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', false);
  // Exact paths only: /metrics/ or /METRICS must not slip past a proxy rule written for /metrics.
  app.set('case sensitive routing', true);
  app.set('strict routing', true);
  app.set('trust proxy', trustProxy);
  return app;
}

/** Names the route for logs and metrics (also when a later check refuses the request). */
function markRoute(path: string): RequestHandler {
  return (_req, res, next) => {
    res.locals.route = path;
    next();
  };
}

const CHARSET = /;\s*charset\s*=\s*"?([^";\s]+)/i;

function hasBody(req: Request): boolean {
  return req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
}

const JSON_MEDIA_TYPE = /^application\/json(?:; ?charset=utf-8)?$/i;
const DECIMAL = /^[0-9]{1,9}$/;

/**
 * Requires a JSON body where the spec does, reads it (at most `limit` bytes), parses it and
 * validates it against the operation's schema, leaving it in `req.body`.
 *
 * The common request (`Content-Type: application/json`, optionally `; charset=utf-8`, a
 * `Content-Length` within the limit, no `Content-Encoding`) is read here directly. Everything else
 * goes through `express.json`, which also defines what the direct path does: UTF-8 with a leading
 * byte order mark dropped, `JSON.parse` (not strict), and the same error types (`entity.parse.failed`,
 * `request.aborted`) for the error middleware.
 */
function readValidatedJsonBody(operation: ContractOperation, limit: number): RequestHandler {
  // inflate: false refuses compressed bodies (415): a few bytes must not expand past the limit.
  const parseJson = express.json({ limit, strict: false, type: 'application/json', inflate: false });
  const validate = operation.validateBody;
  const validated = (req: Request, next: NextFunction) => {
    try {
      if (req.body !== undefined && validate) validate(req.body);
    } catch (error) {
      next(error);
      return;
    }
    next();
  };
  return (req, res, next) => {
    const type = req.headers['content-type'];
    const plainJson = type !== undefined && JSON_MEDIA_TYPE.test(type);
    if (!hasBody(req)) {
      if (operation.bodyRequired)
        throw new ServiceError('INVALID_REQUEST', 'a JSON request body is required');
    } else if (!plainJson) {
      if (!req.is('application/json')) {
        throw new ServiceError(
          'UNSUPPORTED_MEDIA_TYPE',
          'send the request body as Content-Type: application/json',
        );
      }
      const charset = CHARSET.exec(type ?? '')?.[1]?.toLowerCase();
      if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
        throw new ServiceError('UNSUPPORTED_MEDIA_TYPE', 'the request body must be UTF-8 JSON');
      }
    }
    const length = req.headers['content-length'];
    if (
      plainJson &&
      length !== undefined &&
      DECIMAL.test(length) &&
      Number(length) > 0 &&
      Number(length) <= limit &&
      req.headers['content-encoding'] === undefined &&
      req.headers['transfer-encoding'] === undefined &&
      !req.readableEnded
    ) {
      readDeclaredLengthJson(req, Number(length), (error) => (error ? next(error) : validated(req, next)));
      return;
    }
    parseJson(req, res, (error?: unknown) => (error ? next(error) : validated(req, next)));
  };
}
