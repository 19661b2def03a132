import { randomUUID } from 'node:crypto';
import type { Express } from 'express';
import { SCOPES, type Scope } from '../../src/domain/api-keys.js';
import type { DrainPolicy } from '../../src/domain/key-lifecycle.js';
import type { ViewerSessionRevoker } from '../../src/domain/ports.js';
import { createApp } from '../../src/http/create-app.js';
import { createMetrics, type ServiceMetrics } from '../../src/http/metrics.js';
import { loadOpenApiContract } from '../../src/http/openapi-contract.js';
import { allRoutes } from '../../src/http/routes/all-routes.js';
import { createApiKeyAuthenticator } from '../../src/services/api-key-authenticator.js';
import { createApiKey } from '../../src/services/api-key-factory.js';
import { createKeyCache, type KeyCache } from '../../src/services/key-cache.js';
import { listKeyInventory } from '../../src/services/key-inventory.js';
import { createKeyRotator, type KeyRotator } from '../../src/services/key-rotator.js';
import { createFailedAttemptLimit, createRequestRateLimit } from '../../src/services/request-limits.js';
import { generateSigningKey } from '../../src/services/signing-key-factory.js';
import { createTokenIssuer } from '../../src/services/token-issuer.js';
import { createTokenReuse } from '../../src/services/token-reuse.js';
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
  readonly registry: InMemoryPlaybackKeyRegistry;
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
  readonly maxTtlSeconds?: number;
  readonly defaultTtlSeconds?: number;
  readonly bodyLimitBytes?: number;
  readonly revoker?: ViewerSessionRevoker;
  readonly rateLimitPerSecond?: number;
  readonly authFailureLimit?: number;
  readonly trustProxy?: boolean;
  /** TOKEN_REUSE_SECONDS (absent = off, as by default). */
  readonly tokenReuseSeconds?: number;
}

/** The whole app, built fresh per test, on in-memory adapters, real crypto and the real contract. */
export async function buildTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const clock = new ManualClock(new Date().toISOString());
  const store = new InMemoryKeyStore();
  const registry = new InMemoryPlaybackKeyRegistry();
  const logger = new RecordingLogger();
  const apiKeyStore = new InMemoryApiKeyStore();
  const maxTtlSeconds = options.maxTtlSeconds ?? 3600;
  const drainPolicy: DrainPolicy = { maxTtlSeconds, clockSkewSeconds: 60, maxSigningStalenessSeconds: 300 };
  const keyCache = createKeyCache({
    store,
    clock: clock.now,
    logger,
    maxStalenessSeconds: 300,
    signing: signingBackend,
  });
  const rotator = createKeyRotator({
    store,
    registry,
    lock: new InMemoryRotationLock(),
    clock: clock.now,
    logger,
    drainPolicy,
    generateKey: generateSigningKey,
    owner: 'test',
    onKeysChanged: () => keyCache.refresh(),
  });
  if (options.withKey ?? true) await rotator.ensureCurrentKey();
  await keyCache.refresh();

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
  const authenticator = createApiKeyAuthenticator({ store: apiKeyStore, logger });
  await authenticator.reload();

  const contract = loadOpenApiContract();
  const metrics = createMetrics({
    keyStatus: () => keyCache.status(),
    clock: clock.now,
    signer: signingBackend.name,
  });
  const issuer = createTokenIssuer({
    keys: keyCache,
    channels: new MapChannelDirectory(new Map([[CHANNEL_ARN, PLAYBACK_URL]])),
    policy: { defaultTtlSeconds: options.defaultTtlSeconds ?? 600, maxTtlSeconds },
    clock: clock.now,
    newUuid: randomUUID,
    onOutcome: metrics.countToken,
    reuse:
      options.tokenReuseSeconds === undefined
        ? undefined
        : createTokenReuse({ bucketSeconds: options.tokenReuseSeconds, maxTtlSeconds, maxEntries: 1000 }),
  });
  let shuttingDown = false;
  const app = createApp({
    contract,
    handlers: allRoutes({
      contract,
      issuer,
      rotator,
      inventory: () => listKeyInventory({ store, registry, drainPolicy }),
      revoker: options.revoker ?? new RecordingViewerSessionRevoker(),
      keys: keyCache,
      metrics,
      isShuttingDown: () => shuttingDown,
    }),
    authenticator,
    metrics,
    logger,
    bodyLimitBytes: options.bodyLimitBytes ?? 16_384,
    batchBodyLimitBytes: 262_144,
    limits: {
      requests: createRequestRateLimit({
        ratePerSecond: options.rateLimitPerSecond ?? 1_000_000,
        burst: options.rateLimitPerSecond ?? 1_000_000,
        clock: clock.now,
      }),
      failedAttempts: createFailedAttemptLimit({
        limit: options.authFailureLimit ?? 1_000_000,
        windowSeconds: 300,
        clock: clock.now,
      }),
    },
    trustProxy: options.trustProxy ?? false,
  });
  return {
    app: recordResponses(app),
    clock,
    store,
    registry,
    logger,
    keyCache,
    rotator,
    metrics,
    apiKeys,
    shutDown: () => {
      shuttingDown = true;
    },
  };
}
