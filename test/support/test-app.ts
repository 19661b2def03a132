import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Express } from 'express';
import { stringify } from 'yaml';
import {
  bundledCountryDatabasePath,
  openCountryDatabase,
} from '../../src/adapters/geo/mmdb-country-lookup.js';
import { PoliciesFile } from '../../src/adapters/local/policies-file.js';
import { loadConfig } from '../../src/config.js';
import { SCOPES, type Scope } from '../../src/domain/api-keys.js';
import type {
  ChannelDirectory,
  CountryLookup,
  RestrictionPolicyDirectory,
  ViewerSessionRevoker,
} from '../../src/domain/ports.js';
import { buildHttpApp } from '../../src/http/build-http-app.js';
import type { ServiceMetrics } from '../../src/http/metrics.js';
import { assembleRuntime, type Runtime } from '../../src/runtime.js';
import { createApiKey } from '../../src/services/api-key-factory.js';
import type { KeyCache } from '../../src/services/key-cache.js';
import type { KeyRotator } from '../../src/services/key-rotator.js';
import {
  InMemoryApiKeyStore,
  InMemoryKeyStore,
  InMemoryPlaybackKeyRegistry,
  InMemoryRotationLock,
  ManualClock,
  MapChannelDirectory,
  MapRestrictionPolicyDirectory,
  RecordingLogger,
  RecordingViewerSessionRevoker,
} from './fakes.js';
import { recordResponses } from './leak-scan.js';
import { signingBackend } from './signing.js';

export const CHANNEL_ARN = 'arn:aws:ivs:us-west-2:123456789012:channel/AbCdEf123456';
export const OTHER_CHANNEL_ARN = 'arn:aws:ivs:eu-west-1:123456789012:channel/Other0000001';
export const PLAYBACK_URL =
  'https://abc123.us-west-2.playback.live-video.net/api/video/v1/us-west-2.123456789012.channel.AbCdEf123456.m3u8';

export interface TestApp {
  readonly app: Express;
  readonly clock: ManualClock;
  readonly store: InMemoryKeyStore;
  /** The registry of the first served region (the only one unless `regions` is given). */
  readonly registry: InMemoryPlaybackKeyRegistry;
  /** One registry per served region, in order. */
  readonly registries: readonly InMemoryPlaybackKeyRegistry[];
  readonly runtime: Runtime;
  readonly logger: RecordingLogger;
  readonly keyCache: KeyCache;
  readonly rotator: KeyRotator;
  readonly metrics: ServiceMetrics;
  readonly channels: MapChannelDirectory;
  /** IVS playback restriction policies (consulted only with `restrictionPolicies: 'enforce'`). */
  readonly restrictionPolicies: MapRestrictionPolicyDirectory;
  /** The policies file written for `policies`, when given. */
  readonly policiesFile: string | undefined;
  /** API keys by role: `all` has every scope; `limited` (tokens:issue, sessions:revoke) may only act on CHANNEL_ARN. */
  readonly apiKeys: Record<'all' | 'issuer' | 'revoker' | 'admin' | 'limited', string>;
  shutDown(): void;
}

export interface TestAppOptions {
  readonly withKey?: boolean;
  /** IVS_REGIONS: one in-memory registry each (absent: one registry, any region served). */
  readonly regions?: readonly string[];
  readonly maxTtlSeconds?: number;
  readonly defaultTtlSeconds?: number;
  readonly bodyLimitBytes?: number;
  readonly revoker?: ViewerSessionRevoker;
  readonly rateLimitPerSecond?: number;
  readonly authFailureLimit?: number;
  readonly trustProxy?: boolean;
  /** TOKEN_REUSE_SECONDS (absent = off, as by default). */
  readonly tokenReuseSeconds?: number;
  /** POLICIES_FILE: the document (written as YAML) or the file's text, in a fresh temporary file. */
  readonly policies?: object | string;
  /** RESTRICTION_POLICIES=enforce: channels' IVS restriction policies from `restrictionPolicies`. */
  readonly restrictionPolicies?: 'enforce';
  /** UNKNOWN_COUNTRY (absent = allow, as by default). */
  readonly unknownCountry?: 'allow' | 'deny';
  /** The country database; default: the bundled one, as the server uses without GEOIP_DATABASE. */
  readonly countries?: CountryLookup;
  /** Replaces the in-memory channel directory (absent: CHANNEL_ARN alone, private, at PLAYBACK_URL; e.g. IVS through the AWS stand-in). */
  readonly channelDirectory?: ChannelDirectory;
  /** Replaces the in-memory restriction policy directory (with `restrictionPolicies: 'enforce'`). */
  readonly restrictionPolicyDirectory?: RestrictionPolicyDirectory;
}

/**
 * The whole app, built fresh per test through the server's own wiring (`assembleRuntime` and
 * `buildHttpApp`, as `startService` calls them), on in-memory adapters, real crypto and the real
 * contract. Options are the environment variables of the same name, so tests configure what users do.
 */
export async function buildTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const clock = new ManualClock(new Date().toISOString());
  const store = new InMemoryKeyStore();
  const registries = (options.regions ?? [undefined]).map(
    (region) => new InMemoryPlaybackKeyRegistry(region),
  );
  const registry = registries[0] as InMemoryPlaybackKeyRegistry;
  const logger = new RecordingLogger();
  const apiKeyStore = new InMemoryApiKeyStore();
  const env: Record<string, string> = {
    TOKEN_MAX_TTL_SECONDS: String(options.maxTtlSeconds ?? 3600),
    TOKEN_DEFAULT_TTL_SECONDS: String(options.defaultTtlSeconds ?? 600),
    KEY_MAX_STALENESS_SECONDS: '300',
    BODY_LIMIT_BYTES: String(options.bodyLimitBytes ?? 16_384),
    API_KEY_RATE_LIMIT_PER_SECOND: String(options.rateLimitPerSecond ?? 1_000_000),
    AUTH_FAILURE_LIMIT: String(options.authFailureLimit ?? 1_000_000),
    TRUST_PROXY: String(options.trustProxy ?? false),
    ...(options.tokenReuseSeconds === undefined
      ? {}
      : { TOKEN_REUSE_SECONDS: String(options.tokenReuseSeconds) }),
    ...(options.unknownCountry === undefined ? {} : { UNKNOWN_COUNTRY: options.unknownCountry }),
  };
  const channels = new MapChannelDirectory(new Map([[CHANNEL_ARN, PLAYBACK_URL]]));
  const restrictionPolicies = new MapRestrictionPolicyDirectory();
  const policiesFile = options.policies === undefined ? undefined : writePoliciesFile(options.policies);
  const policiesSource = policiesFile === undefined ? undefined : new PoliciesFile(policiesFile);
  const policyRules = await policiesSource?.loadIfChanged();
  const usesPolicies = policiesSource !== undefined || options.restrictionPolicies === 'enforce';
  const runtime = assembleRuntime(
    loadConfig(env),
    {
      store,
      registries,
      servedRegions: options.regions,
      lock: new InMemoryRotationLock(),
      apiKeyStore,
      channels: options.channelDirectory ?? channels,
      revoker: options.revoker ?? new RecordingViewerSessionRevoker(),
      signing: signingBackend,
      ...(policiesSource && policyRules
        ? { policiesFile: { source: policiesSource, rules: policyRules } }
        : {}),
      ...(options.restrictionPolicies === 'enforce'
        ? { restrictionPolicies: options.restrictionPolicyDirectory ?? restrictionPolicies }
        : {}),
      ...(usesPolicies ? { countries: options.countries ?? (await bundledCountries()) } : {}),
    },
    { logger, clock: clock.now },
  );
  const { keyCache, rotator } = runtime;
  if (options.withKey ?? true) await rotator.ensureCurrentKey();
  await keyCache.refresh();
  await runtime.coverage.refresh();

  const make = async (scopes: readonly Scope[], channels?: string[]) =>
    (await createApiKey({ store: apiKeyStore, clock: clock.now }, { scopes, channels })).key;
  const apiKeys = {
    all: await make(SCOPES),
    issuer: await make(['tokens:issue']),
    revoker: await make(['sessions:revoke']),
    admin: await make(['keys:admin']),
    limited: await make(
      ['tokens:issue', 'sessions:revoke'],
      ['arn:aws:ivs:us-west-2:123456789012:channel/AbCdEf*'],
    ),
  };
  await runtime.authenticator.reload();

  let shuttingDown = false;
  const app = buildHttpApp(runtime, { isShuttingDown: () => shuttingDown });
  return {
    app: recordResponses(app),
    clock,
    store,
    registry,
    registries,
    runtime,
    logger,
    keyCache,
    rotator,
    metrics: runtime.metrics,
    channels,
    restrictionPolicies,
    policiesFile,
    apiKeys,
    shutDown: () => {
      shuttingDown = true;
    },
  };
}

function writePoliciesFile(policies: object | string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'ivs-policies-')), 'policies.yaml');
  writeFileSync(path, typeof policies === 'string' ? policies : stringify(policies));
  return path;
}

let bundled: Promise<CountryLookup> | undefined;

/** The bundled country database, opened once per test file (it is read into memory). */
export function bundledCountries(): Promise<CountryLookup> {
  bundled ??= openCountryDatabase(bundledCountryDatabasePath(), new RecordingLogger()).then((database) => {
    database.close();
    return database;
  });
  return bundled;
}
