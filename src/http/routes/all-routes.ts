import type { ViewerSessionRevoker } from '../../domain/ports.js';
import type { KeyCache } from '../../services/key-cache.js';
import type { KeyInventory } from '../../services/key-inventory.js';
import type { KeyRotator } from '../../services/key-rotator.js';
import type { RegionHealth } from '../../services/region-coverage.js';
import type { TokenInspector } from '../../services/token-inspector.js';
import type { TokenIssuer } from '../../services/token-issuer.js';
import type { OperationHandler } from '../create-app.js';
import type { ServiceMetrics } from '../metrics.js';
import type { OpenApiContract } from '../openapi-contract.js';
import { consoleRoutes } from './console-routes.js';
import { inspectionRoutes } from './inspection-routes.js';
import { type AdoptKey, keyRoutes } from './key-routes.js';
import { operationalRoutes } from './operational-routes.js';
import { sessionRoutes } from './session-routes.js';
import { tokenRoutes } from './token-routes.js';

/** One handler per operation of openapi.yaml, from the services they adapt. */
export function allRoutes(deps: {
  readonly contract: OpenApiContract;
  readonly issuer: TokenIssuer;
  readonly inspector: TokenInspector;
  readonly rotator: KeyRotator;
  readonly inventory: () => Promise<KeyInventory>;
  readonly adoptKey: AdoptKey;
  readonly revoker: ViewerSessionRevoker;
  readonly keys: KeyCache;
  readonly metrics: ServiceMetrics;
  readonly regions: () => readonly RegionHealth[];
  readonly isShuttingDown: () => boolean;
}): Record<string, OperationHandler> {
  const { contract } = deps;
  return {
    ...tokenRoutes({ issuer: deps.issuer, validateItem: contract.schemaValidator('PlaybackTokenRequest') }),
    ...keyRoutes({ rotator: deps.rotator, inventory: deps.inventory, adoptKey: deps.adoptKey }),
    ...inspectionRoutes({ inspector: deps.inspector, metrics: deps.metrics }),
    ...sessionRoutes({
      revoker: deps.revoker,
      validateItem: contract.schemaValidator('ViewerSessionRevocation'),
    }),
    ...operationalRoutes({
      keys: deps.keys,
      metrics: deps.metrics,
      regions: deps.regions,
      openApiText: contract.text,
      isShuttingDown: deps.isShuttingDown,
    }),
    ...consoleRoutes(),
  };
}
