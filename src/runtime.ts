import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { IvsClient } from '@aws-sdk/client-ivs';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { IvsChannelDirectory } from './adapters/aws/ivs-channel-directory.js';
import { IvsPlaybackKeyRegistry } from './adapters/aws/ivs-playback-key-registry.js';
import { IvsViewerSessionRevoker } from './adapters/aws/ivs-viewer-session-revoker.js';
import { SecretsManagerKeyStore } from './adapters/aws/secrets-manager-key-store.js';
import { chooseSigningBackend } from './adapters/crypto/choose-signing-backend.js';
import { FileApiKeyStore } from './adapters/file/file-api-key-store.js';
import { FileKeyStore } from './adapters/file/file-key-store.js';
import { FileRotationLock } from './adapters/file/file-rotation-lock.js';
import { OfflinePlaybackKeyRegistry } from './adapters/file/offline-playback-key-registry.js';
import { OfflineViewerSessionRevoker } from './adapters/file/offline-viewer-session-revoker.js';
import { StaticChannelDirectory } from './adapters/file/static-channel-directory.js';
import type { Config } from './config.js';
import type { DrainPolicy } from './domain/key-lifecycle.js';
import type {
  ApiKeyStore,
  ChannelDirectory,
  Clock,
  KeyStore,
  Logger,
  PlaybackKeyRegistry,
  RotationLock,
  SigningBackend,
  ViewerSessionRevoker,
} from './domain/ports.js';
import { type ApiKeyAuthenticator, createApiKeyAuthenticator } from './services/api-key-authenticator.js';
import { InProcessRotationLock } from './services/in-process-rotation-lock.js';
import { createKeyCache, type KeyCache } from './services/key-cache.js';
import { type KeyInventory, listKeyInventory } from './services/key-inventory.js';
import { createKeyRotator, type KeyRotator } from './services/key-rotator.js';
import { generateSigningKey } from './services/signing-key-factory.js';
import { createTokenIssuer, type TokenIssuer, type TokenOutcome } from './services/token-issuer.js';
import { createTokenReuse } from './services/token-reuse.js';
import { StartupError } from './startup-failure.js';

/** Bounds the memory of TOKEN_REUSE_SECONDS: distinct channel-wide claims remembered at once. */
const TOKEN_REUSE_MAX_ENTRIES = 10_000;

/** Everything the server and the CLI share, wired from the configuration. */
export interface Runtime {
  readonly config: Config;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly store: KeyStore;
  readonly registry: PlaybackKeyRegistry;
  readonly apiKeyStore: ApiKeyStore;
  readonly channels: ChannelDirectory;
  readonly revoker: ViewerSessionRevoker;
  readonly keyCache: KeyCache;
  /** The signature implementation SIGNER chose. */
  readonly signing: SigningBackend;
  readonly rotator: KeyRotator;
  readonly authenticator: ApiKeyAuthenticator;
  readonly drainPolicy: DrainPolicy;
  inventory(): Promise<KeyInventory>;
  /** The token issuer with the configured TTL policy and channel check. */
  tokenIssuer(onOutcome?: (outcome: TokenOutcome) => void): TokenIssuer;
}

/**
 * The composition root's wiring, shared by `main.ts` (the server) and the CLI: picks the adapters
 * the configuration names and hands them to the services.
 */
export async function createRuntime(
  config: Config,
  deps: { readonly logger: Logger; readonly clock?: Clock },
): Promise<Runtime> {
  const { logger } = deps;
  const clock = deps.clock ?? (() => new Date());
  // One client per AWS service, shared by every adapter. Region, credentials and endpoints come
  // from the SDK's standard chain (AWS_REGION, AWS_ENDPOINT_URL_IVS, …). Timeouts keep a hung
  // AWS call from stalling a request; throttling and 5xx are retried (3 attempts).
  const awsClientConfig = {
    maxAttempts: 3,
    requestHandler: { connectionTimeout: 2000, requestTimeout: 5000 },
  };
  const ivs = config.registry === 'ivs' ? new IvsClient(awsClientConfig) : undefined;

  let store: KeyStore;
  let lock: RotationLock;
  let publicKeyPath: (keyId: string) => string;
  if (config.keyStore.kind === 'file') {
    const fileStore = new FileKeyStore(config.keyStore.dir);
    store = fileStore;
    lock = new FileRotationLock({ path: join(config.keysDir, 'rotation.lock'), clock });
    publicKeyPath = (keyId) => fileStore.publicKeyPath(keyId);
  } else {
    store = new SecretsManagerKeyStore({
      client: new SecretsManagerClient(awsClientConfig),
      secretId: config.keyStore.secretId,
    });
    lock = new InProcessRotationLock();
    publicKeyPath = (keyId) => join(config.keysDir, `${keyId}.public.pem`);
  }
  const registry: PlaybackKeyRegistry = ivs
    ? new IvsPlaybackKeyRegistry({ client: ivs, logger })
    : new OfflinePlaybackKeyRegistry({
        path: join(config.keysDir, 'offline-registry.json'),
        publicKeyPath,
        logger,
        clock,
      });
  const channels: ChannelDirectory = ivs
    ? new IvsChannelDirectory({ client: ivs, logger, clock, ttlSeconds: config.channelCacheSeconds })
    : config.channelsFile
      ? await loadChannelsFile(config.channelsFile)
      : StaticChannelDirectory.empty();
  const revoker: ViewerSessionRevoker = ivs
    ? new IvsViewerSessionRevoker({ client: ivs, logger })
    : new OfflineViewerSessionRevoker();
  const apiKeyStore = new FileApiKeyStore(config.apiKeysFile ?? join(config.keysDir, 'api-keys.json'));
  const drainPolicy: DrainPolicy = {
    maxTtlSeconds: config.maxTtlSeconds,
    clockSkewSeconds: config.clockSkewSeconds,
    maxSigningStalenessSeconds: config.keyMaxStalenessSeconds,
  };
  const signing = await chooseSigningBackend(config.signer, logger).catch((error: unknown) => {
    // Only SIGNER=nettle refuses; auto falls back to OpenSSL instead of throwing.
    throw new StartupError(
      'SIGNER',
      `${error instanceof Error ? error.message : String(error)}; or set SIGNER=auto to sign with OpenSSL instead`,
      { cause: error },
    );
  });
  const keyCache = createKeyCache({
    store,
    clock,
    logger,
    maxStalenessSeconds: config.keyMaxStalenessSeconds,
    signing,
  });
  const rotator = createKeyRotator({
    store,
    registry,
    lock,
    clock,
    logger,
    drainPolicy,
    generateKey: generateSigningKey,
    owner: `${hostname()}:${process.pid}:${randomUUID()}`,
    // The lock file serialises local rotations across processes; Secrets Manager replicas rely on
    // the store's token collision and on not taking over a fresh pending key of another replica.
    foreignPendingGraceSeconds: config.keyStore.kind === 'file' ? 0 : config.rotationTakeoverSeconds,
    onKeysChanged: () => keyCache.refresh(),
  });
  const authenticator = createApiKeyAuthenticator({ store: apiKeyStore, logger });
  return {
    config,
    logger,
    clock,
    store,
    registry,
    apiKeyStore,
    channels,
    revoker,
    keyCache,
    signing,
    rotator,
    authenticator,
    drainPolicy,
    inventory: () => listKeyInventory({ store, registry, drainPolicy }),
    tokenIssuer: (onOutcome) =>
      createTokenIssuer({
        keys: keyCache,
        channels,
        policy: { defaultTtlSeconds: config.defaultTtlSeconds, maxTtlSeconds: config.maxTtlSeconds },
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
        ...(onOutcome ? { onOutcome } : {}),
      }),
  };
}

/** CHANNELS_FILE, read once at start; anything wrong with it stops the start with one clear line. */
async function loadChannelsFile(path: string): Promise<StaticChannelDirectory> {
  try {
    return await StaticChannelDirectory.fromFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const problem =
      code === 'ENOENT'
        ? 'does not exist'
        : code === 'EACCES'
          ? 'cannot be read (permission denied)'
          : code === 'EISDIR'
            ? 'is a folder, not a file'
            : error instanceof SyntaxError
              ? 'is not valid JSON'
              : error instanceof Error
                ? error.message
                : String(error);
    throw new StartupError(
      'CHANNELS_FILE',
      `${path} ${problem}; it must be a JSON object mapping channel ARNs to https playback URLs, or unset CHANNELS_FILE`,
      { cause: error },
    );
  }
}
