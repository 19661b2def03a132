import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { requireScope } from '../domain/api-keys.js';
import { ServiceError } from '../domain/errors.js';
import type { Logger } from '../domain/ports.js';
import type { ApiKeyAuthenticator } from '../services/api-key-authenticator.js';
import { errorHandler, sendError } from './error-response.js';
import type { ServiceMetrics } from './metrics.js';
import type { ContractOperation, OpenApiContract } from './openapi-contract.js';
import { requestContext } from './request-context.js';
import { securityHeaders } from './security-headers.js';

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

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', false);
  app.use(requestContext({ logger, metrics }));
  app.use(securityHeaders());

  const methodsByPath = new Map<string, string[]>();
  for (const operation of contract.operations) {
    const chain: RequestHandler[] = [markRoute(operation.path)];
    if (operation.requiredScope) chain.push(authenticate(operation, authenticator));
    if (operation.hasBody) {
      const limit = operation.bodyLimit === 'batch' ? deps.batchBodyLimitBytes : deps.bodyLimitBytes;
      chain.push(
        requireJsonBody(operation),
        express.json({ limit, strict: false, type: 'application/json' }),
      );
      chain.push(validateBody(operation));
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
  return app;
}

function markRoute(path: string): RequestHandler {
  return (_req, res, next) => {
    res.locals['route'] = path;
    next();
  };
}

function authenticate(operation: ContractOperation, authenticator: ApiKeyAuthenticator): RequestHandler {
  const scope = operation.requiredScope;
  return (req: Request, res: Response, next: NextFunction) => {
    const caller = authenticator.authenticate(req.headers.authorization);
    res.locals['apiKeyId'] = caller.apiKeyId;
    if (scope) requireScope(caller, scope);
    res.locals['caller'] = caller;
    next();
  };
}

function hasBody(req: Request): boolean {
  return req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
}

function requireJsonBody(operation: ContractOperation): RequestHandler {
  return (req, _res, next) => {
    if (!hasBody(req)) {
      if (operation.bodyRequired)
        throw new ServiceError('INVALID_REQUEST', 'a JSON request body is required');
      next();
      return;
    }
    if (!req.is('application/json')) {
      throw new ServiceError(
        'UNSUPPORTED_MEDIA_TYPE',
        'send the request body as Content-Type: application/json',
      );
    }
    next();
  };
}

function validateBody(operation: ContractOperation): RequestHandler {
  const validate = operation.validateBody;
  return (req, _res, next) => {
    if (req.body !== undefined && validate) validate(req.body);
    next();
  };
}
