import type { Express } from 'express';
import type { Config } from '../config.js';
import type { Clock, Logger, ViewerSessionRevoker } from '../domain/ports.js';
import type { ApiKeyAuthenticator } from '../services/api-key-authenticator.js';
import type { KeyCache } from '../services/key-cache.js';
import type { KeyInventory } from '../services/key-inventory.js';
import type { KeyRotator } from '../services/key-rotator.js';
import type { RegionHealth } from '../services/region-coverage.js';
import {
  createFailedAttemptLimit,
  createRequestRateLimit,
  isLoopbackAddress,
} from '../services/request-limits.js';
import type { TokenInspector } from '../services/token-inspector.js';
import type { TokenIssuer } from '../services/token-issuer.js';
import { createApp } from './create-app.js';
import type { ServiceMetrics } from './metrics.js';
import { loadOpenApiContract } from './openapi-contract.js';
import type { RequestTracer } from './request-tracing.js';
import { allRoutes } from './routes/all-routes.js';
import type { AdoptKey } from './routes/key-routes.js';

/** What the HTTP layer adapts: the services of a runtime (the server's, or a test's on fakes). */
export interface HttpServices {
  readonly config: Pick<
    Config,
    | 'bodyLimitBytes'
    | 'batchBodyLimitBytes'
    | 'apiKeyRateLimitPerSecond'
    | 'authFailureLimit'
    | 'authFailureWindowSeconds'
    | 'trustProxy'
    | 'mode'
  >;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly tokenIssuer: TokenIssuer;
  readonly tokenInspector: TokenInspector;
  readonly rotator: KeyRotator;
  readonly revoker: ViewerSessionRevoker;
  readonly keyCache: KeyCache;
  readonly authenticator: ApiKeyAuthenticator;
  readonly metrics: ServiceMetrics;
  inventory(): Promise<KeyInventory>;
  adoptKey: AdoptKey;
  regions(): readonly RegionHealth[];
}

/**
 * The whole HTTP app over a runtime's services: routes from openapi.yaml, authentication, the
 * per-key rate limit and the failed-attempt bound. The server and the tests both build it here.
 * Does not listen.
 */
export function buildHttpApp(
  services: HttpServices,
  options: {
    readonly isShuttingDown: () => boolean;
    /** A span per request (OpenTelemetry, when OTEL_* configures it). */
    readonly tracer?: RequestTracer | undefined;
  },
): Express {
  const { config, clock, metrics } = services;
  const contract = loadOpenApiContract();
  return createApp({
    contract,
    handlers: allRoutes({
      contract,
      issuer: services.tokenIssuer,
      inspector: services.tokenInspector,
      rotator: services.rotator,
      inventory: () => services.inventory(),
      adoptKey: (privateKey, options) => services.adoptKey(privateKey, options),
      revoker: services.revoker,
      keys: services.keyCache,
      metrics,
      regions: () => services.regions(),
      isShuttingDown: options.isShuttingDown,
    }),
    authenticator: services.authenticator,
    metrics,
    logger: services.logger,
    bodyLimitBytes: config.bodyLimitBytes,
    batchBodyLimitBytes: config.batchBodyLimitBytes,
    limits: {
      requests: createRequestRateLimit({
        ratePerSecond: config.apiKeyRateLimitPerSecond,
        burst: config.apiKeyRateLimitPerSecond * 2,
        clock,
      }),
      failedAttempts: createFailedAttemptLimit({
        limit: config.authFailureLimit,
        windowSeconds: config.authFailureWindowSeconds,
        clock,
        // Local mode: someone experimenting on this machine is never locked out of their own
        // service (it can read the keys folder anyway). Not behind a proxy, whose forwarded
        // addresses a client could choose.
        ...(config.mode === 'local' && config.trustProxy === false ? { exempt: isLoopbackAddress } : {}),
      }),
    },
    trustProxy: config.trustProxy,
    tracer: options.tracer,
  });
}
