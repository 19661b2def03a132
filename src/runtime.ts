import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { es384Verifier, generateSigningKey, parseAdoptablePrivateKey } from './adapters/crypto/p384-keys.js';
import type { Tracing } from './adapters/telemetry/open-telemetry.js';
import { createAdaptersForConfig } from './adapters-for-config.js';
import type { Config } from './config.js';
import type { DrainPolicy } from './domain/key-lifecycle.js';
import type { PolicyRules } from './domain/policy-rules.js';
import type {
  ApiKeyStore,
  ChannelDirectory,
  Clock,
  CountryLookup,
  KeyStore,
  Logger,
  PlaybackKeyRegistry,
  PolicySource,
  RestrictionPolicyDirectory,
  RotationLock,
  SigningBackend,
  ViewerSessionRevoker,
} from './domain/ports.js';
import type { AdoptionRole, PrivateKeyPem } from './domain/signing-key.js';
import { createMetrics, type ServiceMetrics } from './http/metrics.js';
import { type AccessPolicies, createAccessPolicies } from './services/access-policies.js';
import { type ApiKeyAuthenticator, createApiKeyAuthenticator } from './services/api-key-authenticator.js';
import { createKeyCache, type KeyCache } from './services/key-cache.js';
import { type KeyInventory, listKeyInventory } from './services/key-inventory.js';
import { type AdoptionResult, createKeyRotator, type KeyRotator } from './services/key-rotator.js';
import {
  createRegionCoverage,
  type RegionCoverage,
  type RegionHealth,
  regionHealth,
} from './services/region-coverage.js';
import { createTokenInspector, type TokenInspector } from './services/token-inspector.js';
import { createTokenIssuer, type TokenIssuer } from './services/token-issuer.js';
import { createTokenReuse } from './services/token-reuse.js';

/** Bounds the memory of TOKEN_REUSE_SECONDS: distinct channel-wide claims remembered at once. */
const TOKEN_REUSE_MAX_ENTRIES = 10_000;

/** One implementation of each port: files in local mode, AWS in production, fakes in tests. */
export interface Adapters {
  readonly store: KeyStore;
  /** One per served region, in IVS_REGIONS order (local mode without IVS_REGIONS: one, regionless). */
  readonly registries: readonly PlaybackKeyRegistry[];
  /** The regions whose channels get tokens; undefined = any (local mode without IVS_REGIONS). */
  readonly servedRegions: readonly string[] | undefined;
  readonly lock: RotationLock;
  readonly apiKeyStore: ApiKeyStore;
  readonly channels: ChannelDirectory;
  readonly revoker: ViewerSessionRevoker;
  /** The signature implementation SIGNER chose. */
  readonly signing: SigningBackend;
  /** POLICIES_FILE and its rules as read at start; absent without a policies file. */
  readonly policiesFile?: { readonly source: PolicySource; readonly rules: PolicyRules } | undefined;
  /** RESTRICTION_POLICIES=enforce: each channel's IVS playback restriction policy, in its region. */
  readonly restrictionPolicies?: RestrictionPolicyDirectory | undefined;
  /** The country database for `viewerIp`; absent when no access policy is configured. */
  readonly countries?: (CountryLookup & { close?(): void }) | undefined;
}

/** Everything the server, the CLI and the rotation function share, wired from the configuration. */
export interface Runtime extends Adapters {
  readonly config: Config;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly keyCache: KeyCache;
  readonly rotator: KeyRotator;
  readonly authenticator: ApiKeyAuthenticator;
  readonly drainPolicy: DrainPolicy;
  /** What every served region's IVS holds, read on a timer and after every rotation step. */
  readonly coverage: RegionCoverage;
  /** Every served region and whether it holds the current key (`/readyz`, `/metrics`). */
  regions(): readonly RegionHealth[];
  /** Counts every token outcome; served at /metrics by the server. */
  readonly metrics: ServiceMetrics;
  /** The token issuer with the configured TTL policy, channel check and token reuse. */
  readonly tokenIssuer: TokenIssuer;
  /** Access policies (POLICIES_FILE, IVS restriction policies); undefined when none is configured. */
  readonly access: AccessPolicies | undefined;
  /** "Why won't it play?": a token or playback URL against IVS's rules and this service's keys. */
  readonly tokenInspector: TokenInspector;
  inventory(): Promise<KeyInventory>;
  /** `keys adopt`: checks a private key made elsewhere (P-384, halves match) and adopts it. */
  adoptKey(
    privateKey: PrivateKeyPem,
    options: { readonly as?: AdoptionRole | undefined },
  ): Promise<AdoptionResult>;
}

export interface RuntimeDeps {
  readonly logger: Logger;
  readonly clock?: Clock;
}

/** The composition root: the adapters the configuration names, with the services over them. */
export async function createRuntime(
  config: Config,
  deps: RuntimeDeps & { readonly tracing?: Tracing | undefined },
): Promise<Runtime> {
  const clock = deps.clock ?? (() => new Date());
  // The adapters are made before the metrics (which read the services over them): AWS calls are
  // counted from the moment the runtime exists, and no adapter calls AWS while being made.
  let metrics: ServiceMetrics | undefined;
  const adapters = await createAdaptersForConfig(config, {
    logger: deps.logger,
    clock,
    onAwsCall: (call) => metrics?.countAwsCall(call),
    tracing: deps.tracing,
  });
  const runtime = assembleRuntime(config, adapters, { logger: deps.logger, clock });
  metrics = runtime.metrics;
  return runtime;
}

/**
 * The services over a given set of adapters, configured by `config`. The server and the CLI get
 * theirs through `createRuntime`; tests call this with in-memory adapters, so both run one wiring.
 */
export function assembleRuntime(config: Config, adapters: Adapters, deps: RuntimeDeps): Runtime {
  const { logger } = deps;
  const clock = deps.clock ?? (() => new Date());
  const { store, registries, lock, apiKeyStore, channels, signing } = adapters;
  const drainPolicy: DrainPolicy = {
    maxTtlSeconds: config.maxTtlSeconds,
    clockSkewSeconds: config.clockSkewSeconds,
    maxSigningStalenessSeconds: config.keyMaxStalenessSeconds,
  };
  const keyCache = createKeyCache({
    store,
    clock,
    logger,
    maxStalenessSeconds: config.keyMaxStalenessSeconds,
    signing,
  });
  const coverage = createRegionCoverage({ registries, clock, logger });
  const regions = () => {
    const status = keyCache.status();
    return regionHealth(coverage, { keyId: status.currentKeyId, loadedAt: status.currentKeyLoadedAt });
  };
  const metrics = createMetrics({
    keyStatus: () => keyCache.status(),
    clock,
    signer: signing.name,
    signerChoice: config.signer,
    drainPolicy,
    regions,
  });
  const rotator = createKeyRotator({
    store,
    registries,
    onRegions: (states, listedAt) => coverage.record(states, listedAt),
    onRepair: (region) => metrics.countRepair(region),
    onRotation: (rotation) => metrics.countRotation(rotation),
    lock,
    clock,
    logger,
    drainPolicy,
    generateKey: generateSigningKey,
    signing,
    owner: `${hostname()}:${process.pid}:${randomUUID()}`,
    // Local mode's lock file serialises rotations across processes; Secrets Manager replicas rely
    // on the store's token collision and on not taking over a fresh pending key of another replica.
    foreignPendingGraceSeconds: config.keyStore.kind === 'file' ? 0 : config.rotationTakeoverSeconds,
    onKeysChanged: () => keyCache.refresh(),
  });
  const tokenPolicy = { defaultTtlSeconds: config.defaultTtlSeconds, maxTtlSeconds: config.maxTtlSeconds };
  const access =
    adapters.policiesFile || adapters.restrictionPolicies
      ? createAccessPolicies({
          logger,
          file: adapters.policiesFile,
          restrictionPolicies: adapters.restrictionPolicies,
          countries: adapters.countries,
          unknownCountry: config.unknownCountry,
        })
      : undefined;
  const tokenIssuer = createTokenIssuer({
    keys: keyCache,
    channels,
    policy: tokenPolicy,
    clock,
    newUuid: randomUUID,
    channelCheck: config.channelCheck,
    reuse:
      config.tokenReuseSeconds > 0
        ? createTokenReuse({
            bucketSeconds: config.tokenReuseSeconds,
            maxTtlSeconds: config.maxTtlSeconds,
            maxEntries: TOKEN_REUSE_MAX_ENTRIES,
          })
        : undefined,
    onOutcome: metrics.countToken,
    access,
    regions: { served: adapters.servedRegions, coverage },
  });
  const tokenInspector = createTokenInspector({
    store,
    keys: keyCache,
    coverage,
    servedRegions: adapters.servedRegions,
    channels,
    verifier: es384Verifier,
    drainPolicy,
    clock,
    historySeconds: config.keyRefreshSeconds,
    access,
    tokenPolicy,
  });
  return {
    ...adapters,
    config,
    logger,
    clock,
    keyCache,
    rotator,
    authenticator: createApiKeyAuthenticator({
      store: apiKeyStore,
      logger,
      onFailure: () => metrics.countAuthenticationFailure(),
    }),
    drainPolicy,
    coverage,
    regions,
    metrics,
    tokenIssuer,
    access,
    tokenInspector,
    inventory: () => listKeyInventory({ store, registries, drainPolicy }),
    adoptKey: async (privateKey, options) =>
      rotator.adopt(await parseAdoptablePrivateKey(privateKey), options),
  };
}
