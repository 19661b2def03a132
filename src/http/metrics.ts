import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { Verdict } from '../domain/inspection-findings.js';
import { type DrainPolicy, drainEndsAt } from '../domain/key-lifecycle.js';
import type { SignerChoice, SignerName } from '../domain/ports.js';
import type { KeyCacheStatus } from '../services/key-cache.js';
import type { RegionHealth } from '../services/region-coverage.js';
import type { TokenOutcome } from '../services/token-issuer.js';

/** One AWS SDK call, as it ended after the SDK's own retries. */
export interface AwsCallRecord {
  /** `ivs` or `secretsmanager`. */
  readonly service: string;
  /** The API operation, e.g. `DescribeSecret`. */
  readonly operation: string;
  readonly region: string;
  /** Absent when the call succeeded. */
  readonly error?: {
    /** The AWS error's name or network code (never the SDK's text). */
    readonly name: string;
    /** `unavailable` (waiting may fix it), `refused` (IAM, credentials, region: a person must), `other`. */
    readonly kind: string;
  };
}

/** How a rotation asked of this replica (admin route or CLI) ended; `code` is absent when it completed. */
export interface RotationRecord {
  readonly emergency: boolean;
  readonly code?: string;
}

export interface ServiceMetrics {
  readonly registry: Registry;
  observeRequest(route: string, method: string, status: number, seconds: number): void;
  /** A token request's outcome; `code` names the rule or failure of a rejected or failed one. */
  countToken(outcome: TokenOutcome, code?: string): void;
  /** A current or draining key missing from a region was imported again. */
  /** One inspection (POST /v1/playback-tokens/inspect), by its verdict. */
  countInspection(verdict: Verdict): void;
  countRepair(region: string | undefined): void;
  countRotation(rotation: RotationRecord): void;
  /** A request refused because its API key was missing, malformed or unknown (401). */
  countAuthenticationFailure(): void;
  countAwsCall(call: AwsCallRecord): void;
}

export interface MetricsDeps {
  readonly keyStatus: () => KeyCacheStatus;
  readonly clock: () => Date;
  /** The signature implementation in use, exported as `signer_info{signer}`. */
  readonly signer: SignerName;
  /** SIGNER as configured: with `auto`, OpenSSL signs only when Nettle could not (a fallback). */
  readonly signerChoice: SignerChoice;
  /** The drain period, to tell how long a previous key has outstayed it. */
  readonly drainPolicy: DrainPolicy;
  /** Every served region and whether it holds the current key. */
  readonly regions: () => readonly RegionHealth[];
}

/** What a rotation can end with, so each failure series exists (at 0) before its first increase. */
const ROTATION_FAILURE_CODES = [
  'ROTATION_IN_PROGRESS',
  'PREVIOUS_KEY_DRAINING',
  'NO_FREE_KEY_SLOT',
  'DEPENDENCY_UNAVAILABLE',
  'KEY_VERIFICATION_FAILED',
  'KEY_STORE_CORRUPT',
  'INTERNAL',
] as const;

/**
 * Prometheus metrics in their own registry (not prom-client's global one), so every app built in a
 * test starts from zero. Key ages and staleness are read when scraped, not on the request path.
 * Alerting rules and the Grafana dashboard over these names live in deploy/prometheus and
 * deploy/grafana; a test checks that every name they use is exported here.
 */
export function createMetrics(deps: MetricsDeps): ServiceMetrics {
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
  const refusals = new Counter({
    name: 'playback_token_refusals_total',
    help: 'Token requests (single or batch items) refused after the schema check, by error code: a claim rule (INVALID_TTL, …), an access policy (VIEWER_COUNTRY_NOT_ALLOWED, ORIGIN_NOT_ALLOWED_BY_POLICY, …), a channel restriction, or a failure (DEPENDENCY_UNAVAILABLE, INTERNAL).',
    labelNames: ['code'] as const,
    registers: [registry],
  });
  const inspections = new Counter({
    name: 'playback_token_inspections_total',
    help: 'Tokens and playback URLs inspected ("why won\'t it play?"), by verdict: plays, will-not-play or cannot-tell.',
    labelNames: ['verdict'] as const,
    registers: [registry],
  });
  for (const verdict of ['plays', 'will-not-play', 'cannot-tell'] as const) inspections.inc({ verdict }, 0);

  registerSignerMetrics(registry, deps);
  registerKeyMetrics(registry, deps);
  const rotations = registerRotationMetrics(registry);

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

  const authenticationFailures = new Counter({
    name: 'api_key_authentication_failures_total',
    help: 'Requests refused with 401 UNAUTHENTICATED: no API key, a malformed one, or one this service does not know.',
    registers: [registry],
  });
  const aws = registerAwsMetrics(registry);

  return {
    registry,
    observeRequest(route, method, status, seconds) {
      requests.inc({ route, method, status });
      duration.observe({ route, method }, seconds);
    },
    countToken(outcome, code) {
      tokens.inc({ outcome });
      if (outcome === 'rejected' || outcome === 'failed') refusals.inc({ code: code ?? 'INTERNAL' });
    },
    countInspection: (verdict) => inspections.inc({ verdict }),
    countRepair: (region) => repairs.inc({ region: regionLabel(region) }),
    countRotation: rotations,
    countAuthenticationFailure: () => authenticationFailures.inc(),
    countAwsCall: aws,
  };
}

function registerSignerMetrics(registry: Registry, deps: MetricsDeps): void {
  new Gauge({
    name: 'signer_info',
    help: 'Always 1; the label names the library that signs tokens: nettle, or openssl (node:crypto, several times the CPU a token).',
    labelNames: ['signer'] as const,
    registers: [registry],
  }).set({ signer: deps.signer }, 1);
  new Gauge({
    name: 'signer_openssl_fallback',
    help: '1 when SIGNER=auto signs with OpenSSL because the Nettle signer is not built or failed its self-test at start; 0 when the signer is the one asked for.',
    registers: [registry],
  }).set(deps.signerChoice === 'auto' && deps.signer === 'openssl' ? 1 : 0);
}

/** The signing keys as this replica last read them from the key store. */
function registerKeyMetrics(registry: Registry, deps: MetricsDeps): void {
  const secondsSince = (date: Date | undefined) =>
    date === undefined ? Number.NaN : (deps.clock().getTime() - date.getTime()) / 1000;
  new Gauge({
    name: 'signing_key_age_seconds',
    help: 'Age of the current signing key since it was created.',
    registers: [registry],
    collect() {
      this.set(secondsSince(deps.keyStatus().currentKeyCreatedAt));
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
  new Gauge({
    name: 'signing_key_pending_age_seconds',
    help: 'Age of the pending key (a rotation under way, or one that stopped before promoting it); NaN when there is none. A rotation takes seconds, so an old pending key is a stuck rotation.',
    registers: [registry],
    collect() {
      this.set(secondsSince(deps.keyStatus().pendingKeyCreatedAt));
    },
  });
  new Gauge({
    name: 'signing_key_previous_drain_overdue_seconds',
    help: 'Seconds since the previous key finished draining (0 while it still drains; NaN when there is no previous key or its drain start is not recorded). The janitor retires it within JANITOR_SECONDS of the drain end; it keeps one IVS key pair slot in every region until then.',
    registers: [registry],
    collect() {
      const deactivatedAt = deps.keyStatus().previousKeyDeactivatedAt;
      const drainEnd = drainEndsAt({ deactivatedAt }, deps.drainPolicy);
      this.set(drainEnd === undefined ? Number.NaN : Math.max(0, secondsSince(drainEnd)));
    },
  });
}

function registerRotationMetrics(registry: Registry): (rotation: RotationRecord) => void {
  const completed = new Counter({
    name: 'signing_key_rotations_total',
    help: 'Rotations this replica ran to completion (admin route or CLI), by whether they were emergency rotations. Rotations by the Secrets Manager rotation Lambda are not counted here: watch signing_key_age_seconds.',
    labelNames: ['emergency'] as const,
    registers: [registry],
  });
  const failed = new Counter({
    name: 'signing_key_rotation_failures_total',
    help: 'Rotations this replica was asked for that ended with an error, by its code: ROTATION_IN_PROGRESS and PREVIOUS_KEY_DRAINING change nothing; the others leave the current key serving and the rotation to be run again.',
    labelNames: ['emergency', 'code'] as const,
    registers: [registry],
  });
  for (const emergency of ['false', 'true'] as const) {
    completed.inc({ emergency }, 0);
    for (const code of ROTATION_FAILURE_CODES) failed.inc({ emergency, code }, 0);
  }
  return ({ emergency, code }) => {
    const labels = { emergency: String(emergency) };
    if (code === undefined) completed.inc(labels);
    else failed.inc({ ...labels, code });
  };
}

function registerAwsMetrics(registry: Registry): (call: AwsCallRecord) => void {
  const calls = new Counter({
    name: 'aws_api_calls_total',
    help: 'AWS API calls (IVS, Secrets Manager) by service, operation and region, counted once each after the SDK retried throttling and 5xx.',
    labelNames: ['service', 'operation', 'region'] as const,
    registers: [registry],
  });
  const failures = new Counter({
    name: 'aws_api_call_failures_total',
    help: 'AWS API calls that failed after the SDK retries, by the AWS error name and its kind: unavailable (throttling, 5xx, network, timeouts; requests meanwhile get 503 DEPENDENCY_UNAVAILABLE), refused (IAM, credentials, region settings: a person must act), other (any other AWS answer; some are expected, e.g. a key pair already deleted).',
    labelNames: ['service', 'operation', 'region', 'error', 'kind'] as const,
    registers: [registry],
  });
  return ({ service, operation, region, error }) => {
    calls.inc({ service, operation, region });
    if (error) failures.inc({ service, operation, region, error: error.name, kind: error.kind });
  };
}
