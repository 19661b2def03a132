import type { Request, Response } from 'express';
import { ServiceError } from '../../domain/errors.js';
import type {
  TokenInspection,
  TokenInspectionRequest,
  TokenInspector,
} from '../../services/token-inspector.js';
import type { OperationHandler } from '../create-app.js';
import type { ServiceMetrics } from '../metrics.js';

const iso = (date: Date | undefined) => date?.toISOString();

export function inspectionRoutes(deps: {
  readonly inspector: TokenInspector;
  readonly metrics: Pick<ServiceMetrics, 'countInspection'>;
}): Record<'inspectPlaybackToken', OperationHandler> {
  return {
    async inspectPlaybackToken(req: Request, res: Response) {
      const body = req.body as TokenInspectionRequest;
      if ((body.token === undefined) === (body.url === undefined)) {
        throw new ServiceError(
          'INVALID_REQUEST',
          body.token === undefined
            ? 'give the token as "token", or the whole playback URL as "url"'
            : 'give either "token" or "url", not both (a URL carries its own token)',
          { details: { field: 'body' } },
        );
      }
      const inspection = await deps.inspector.inspect(body);
      deps.metrics.countInspection(inspection.verdict);
      // What was pasted is a live credential: the answer describes it, never repeats it, and is
      // not kept by caches.
      res.setHeader('Cache-Control', 'no-store');
      res.json(inspectionBody(inspection));
    },
  };
}

/** The response of POST /v1/playback-tokens/inspect (`TokenInspection` in openapi.yaml). */
export function inspectionBody(inspection: TokenInspection) {
  const { key, channel, token, url } = inspection;
  return withoutUndefined({
    verdict: inspection.verdict,
    summary: inspection.summary,
    findings: inspection.findings.map(({ code, severity, message }) => ({ code, severity, message })),
    inspectedAt: inspection.inspectedAt.toISOString(),
    source: inspection.source,
    url,
    token:
      token && withoutUndefined({ ...token, expiry: token.expiry && withoutUndefined({ ...token.expiry }) }),
    key: withoutUndefined({
      status: key.status,
      keyId: key.keyId,
      state: key.state,
      activatedAt: iso(key.activatedAt),
      deactivatedAt: iso(key.deactivatedAt),
      drainEndsAt: iso(key.drainEndsAt),
      retiredAt: iso(key.retiredAt),
      regions: key.regions.map((entry) =>
        withoutUndefined({ region: entry.region, holds: entry.holds, checkedAt: iso(entry.checkedAt) }),
      ),
    }),
    channel: channel && withoutUndefined({ ...channel }),
    policies: inspection.policies?.map(({ source, name }) => ({ source, name })),
  });
}

function withoutUndefined<T extends Record<string, unknown>>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as Partial<T>;
}
