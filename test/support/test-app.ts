import type { Express } from 'express';
import { loadConfig } from '../../src/config.js';
import { SCOPES, type Scope } from '../../src/domain/api-keys.js';
import type { ChannelDirectory, ViewerSessionRevoker } from '../../src/domain/ports.js';
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
  /** The channel lookups (absent: CHANNEL_ARN alone, private, at PLAYBACK_URL). */
  readonly channels?: ChannelDirectory;
  readonly rateLimitPerSecond?: number;
  readonly authFailureLimit?: number;
  readonly trustProxy?: boolean;
  /** TOKEN_REUSE_SECONDS (absent = off, as by default). */
  readonly tokenReuseSeconds?: number;
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
  };
  const runtime = assembleRuntime(
    loadConfig(env),
    {
      store,
      registries,
      servedRegions: options.regions,
      lock: new InMemoryRotationLock(),
      apiKeyStore,
      channels: options.channels ?? new MapChannelDirectory(new Map([[CHANNEL_ARN, PLAYBACK_URL]])),
      revoker: options.revoker ?? new RecordingViewerSessionRevoker(),
      signing: signingBackend,
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
    apiKeys,
    shutDown: () => {
      shuttingDown = true;
    },
  };
}
