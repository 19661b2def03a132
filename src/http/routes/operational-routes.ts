import type { Request, Response } from 'express';
import type { KeyCache } from '../../services/key-cache.js';
import type { RegionHealth } from '../../services/region-coverage.js';
import type { OperationHandler } from '../create-app.js';
import type { ServiceMetrics } from '../metrics.js';

export function operationalRoutes(deps: {
  readonly keys: KeyCache;
  readonly metrics: ServiceMetrics;
  /** Every served region and whether it holds the current key. */
  readonly regions: () => readonly RegionHealth[];
  readonly openApiText: string;
  /** True once shutdown has begun: readiness turns false first, so load balancers drain us. */
  readonly isShuttingDown: () => boolean;
}): Record<'getJwks' | 'getHealth' | 'getReadiness' | 'getMetrics' | 'getOpenApi', OperationHandler> {
  return {
    getJwks(_req: Request, res: Response) {
      res.setHeader('Cache-Control', 'public, max-age=60');
      res.json(deps.keys.jwks());
    },

    getHealth(_req: Request, res: Response) {
      res.json({ status: 'ok' });
    },

    getReadiness(_req: Request, res: Response) {
      const status = deps.keys.status();
      const regions = deps.regions();
      const failure = status.lastFailure;
      const reason = deps.isShuttingDown()
        ? 'shutting down'
        : !status.currentKeyId
          ? `no signing key loaded yet${failure ? `: ${failure.message}` : ''}`
          : !status.ready
            ? 'the signing key has not been re-read from the key store for too long'
            : !regions.some((health) => health.currentKey === 'held')
              ? 'no served region is confirmed yet to hold the signing key (IVS not read yet, or it lacks the key everywhere)'
              : undefined;
      res.setHeader('Cache-Control', 'no-store');
      res.status(reason ? 503 : 200).json({
        status: reason ? 'not-ready' : 'ready',
        ...(reason ? { reason } : {}),
        ...(status.currentKeyId ? { currentKeyId: status.currentKeyId } : {}),
        keyStore: {
          ...(status.lastRefreshAt ? { lastRefreshAt: status.lastRefreshAt.toISOString() } : {}),
          lastRefreshFailed: status.lastRefreshFailed,
          ...(failure ? { lastFailure: { ...failure, at: failure.at.toISOString() } } : {}),
          ...(status.stalenessSeconds === undefined ? {} : { stalenessSeconds: status.stalenessSeconds }),
        },
        // Readiness needs the current key in at least one region, not in every region: one region
        // down must not take the replica out of the load balancer for the others, so degraded
        // regions are named instead.
        regions: regions.map((health) => ({
          ...(health.region === undefined ? {} : { region: health.region }),
          currentKey: health.currentKey,
          ...(health.lastCheckedAt ? { lastCheckedAt: health.lastCheckedAt.toISOString() } : {}),
          ...(health.failure ? { failure: health.failure } : {}),
        })),
        degradedRegions: regions
          .filter((health) => health.currentKey !== 'held' || health.failure !== undefined)
          .map((health) => health.region ?? 'any'),
      });
    },

    async getMetrics(_req: Request, res: Response) {
      res.setHeader('Content-Type', deps.metrics.registry.contentType);
      res.send(await deps.metrics.registry.metrics());
    },

    getOpenApi(_req: Request, res: Response) {
      res.setHeader('Content-Type', 'application/yaml; charset=utf-8');
      res.send(deps.openApiText);
    },
  };
}
