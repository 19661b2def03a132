import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { Verdict } from '../domain/inspection-findings.js';
import type { SignerName } from '../domain/ports.js';
import type { KeyCacheStatus } from '../services/key-cache.js';
import type { RegionHealth } from '../services/region-coverage.js';
import type { TokenOutcome } from '../services/token-issuer.js';

export interface ServiceMetrics {
  readonly registry: Registry;
  observeRequest(route: string, method: string, status: number, seconds: number): void;
  countToken(outcome: TokenOutcome): void;
  /** One inspection (POST /v1/playback-tokens/inspect), by its verdict. */
  countInspection(verdict: Verdict): void;
  /** A current or draining key missing from a region was imported there again. */
  countRepair(region: string | undefined): void;
}

/**
 * Prometheus metrics in their own registry (not prom-client's global one), so every app built in a
 * test starts from zero. Key age and staleness are read when scraped, not on the request path.
 */
export function createMetrics(deps: {
  readonly keyStatus: () => KeyCacheStatus;
  readonly clock: () => Date;
  /** The signature implementation in use, exported as `signer_info{signer}`. */
  readonly signer: SignerName;
  /** Every served region and whether it holds the current key. */
  readonly regions: () => readonly RegionHealth[];
}): ServiceMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests by route, method and status.',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency by route and method.',
    labelNames: ['route', 'method'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const tokens = new Counter({
    name: 'playback_tokens_issued_total',
    help: 'Token requests that reached the signer, by outcome: issued (signed), reused (an identical token signed earlier, TOKEN_REUSE_SECONDS), rejected (a claim rule or channel restriction refused it) or failed (no signing key, or IVS could not confirm the channel). Bodies refused by the schema count only in http_requests_total.',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  for (const outcome of ['issued', 'reused', 'rejected', 'failed'] as const) tokens.inc({ outcome }, 0);
  const inspections = new Counter({
    name: 'playback_token_inspections_total',
    help: 'Tokens and playback URLs inspected ("why won\'t it play?"), by verdict: plays, will-not-play or cannot-tell.',
    labelNames: ['verdict'] as const,
    registers: [registry],
  });
  for (const verdict of ['plays', 'will-not-play', 'cannot-tell'] as const) inspections.inc({ verdict }, 0);

  new Gauge({
    name: 'signer_info',
    help: 'Always 1; the label names the library that signs tokens: nettle, or openssl (node:crypto, several times the CPU a token).',
    labelNames: ['signer'] as const,
    registers: [registry],
  }).set({ signer: deps.signer }, 1);
  new Gauge({
    name: 'signing_key_age_seconds',
    help: 'Age of the current signing key since it was created.',
    registers: [registry],
    collect() {
      const createdAt = deps.keyStatus().currentKeyCreatedAt;
      this.set(createdAt ? (deps.clock().getTime() - createdAt.getTime()) / 1000 : Number.NaN);
    },
  });
  new Gauge({
    name: 'signing_key_staleness_seconds',
    help: 'Seconds since the keys were last read successfully from the key store.',
    registers: [registry],
    collect() {
      this.set(deps.keyStatus().stalenessSeconds ?? Number.NaN);
    },
  });
  new Gauge({
    name: 'signing_key_refresh_failing',
    help: '1 while the last attempt to re-read the key store failed (signing continues with cached keys).',
    registers: [registry],
    collect() {
      this.set(deps.keyStatus().lastRefreshFailed ? 1 : 0);
    },
  });
  new Gauge({
    name: 'signing_key_ready',
    help: '1 while a current key is loaded and fresh enough to sign with.',
    registers: [registry],
    collect() {
      this.set(deps.keyStatus().ready ? 1 : 0);
    },
  });

  const regionLabel = (region: string | undefined) => region ?? 'any';
  /** A gauge with one sample per served region, read when scraped. */
  const regionGauge = (name: string, help: string, value: (health: RegionHealth) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['region'] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const health of deps.regions()) this.set({ region: regionLabel(health.region) }, value(health));
      },
    });
  regionGauge(
    'ivs_region_serving',
    '1 while the region holds the current signing key, so tokens for its channels play; 0 while it does not or has not been read yet (its channels get 503 KEY_NOT_IN_REGION).',
    (health) => (health.currentKey === 'held' ? 1 : 0),
  );
  regionGauge(
    'ivs_region_check_failing',
    "1 while the last attempt to read a served region's key pairs failed (what was known is kept).",
    (health) => (health.failure ? 1 : 0),
  );
  const repairs = new Counter({
    name: 'playback_key_repairs_total',
    help: 'Keys that had to be imported again into a served region (a region added, a key pair deleted by hand).',
    labelNames: ['region'] as const,
    registers: [registry],
  });

  return {
    registry,
    observeRequest(route, method, status, seconds) {
      requests.inc({ route, method, status });
      duration.observe({ route, method }, seconds);
    },
    countToken: (outcome) => tokens.inc({ outcome }),
    countInspection: (verdict) => inspections.inc({ verdict }),
    countRepair: (region) => repairs.inc({ region: regionLabel(region) }),
  };
}
