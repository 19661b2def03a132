import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { FileApiKeyStore } from './adapters/file/file-api-key-store.js';
import { FileKeyStore } from './adapters/file/file-key-store.js';
import { FileRotationLock } from './adapters/file/file-rotation-lock.js';
import { OfflinePlaybackKeyRegistry } from './adapters/file/offline-playback-key-registry.js';
import { OfflineViewerSessionRevoker } from './adapters/file/offline-viewer-session-revoker.js';
import { StaticChannelDirectory } from './adapters/file/static-channel-directory.js';
import { type Config, ConfigError } from './config.js';
import type { DrainPolicy } from './domain/key-lifecycle.js';
import type {
  ApiKeyStore,
  ChannelDirectory,
  Clock,
  KeyStore,
  Logger,
  PlaybackKeyRegistry,
  ViewerSessionRevoker,
} from './domain/ports.js';
import { type ApiKeyAuthenticator, createApiKeyAuthenticator } from './services/api-key-authenticator.js';
import { createKeyCache, type KeyCache } from './services/key-cache.js';
import { type KeyInventory, listKeyInventory } from './services/key-inventory.js';
import { createKeyRotator, type KeyRotator } from './services/key-rotator.js';
import { generateSigningKey } from './services/signing-key-factory.js';

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
  readonly rotator: KeyRotator;
  readonly authenticator: ApiKeyAuthenticator;
  readonly drainPolicy: DrainPolicy;
  inventory(): Promise<KeyInventory>;
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
  if (config.keyStore.kind !== 'file' || config.registry !== 'offline') {
    throw new ConfigError([
      'KEY_STORE=secrets-manager and PLAYBACK_KEY_REGISTRY=ivs are not available in this version yet; use local mode (KEY_STORE=file, PLAYBACK_KEY_REGISTRY=offline)',
    ]);
  }
  const fileStore = new FileKeyStore(config.keyStore.dir);
  const store: KeyStore = fileStore;
  const registry: PlaybackKeyRegistry = new OfflinePlaybackKeyRegistry({
    path: join(config.keysDir, 'offline-registry.json'),
    publicKeyPath: (keyId) => fileStore.publicKeyPath(keyId),
    logger,
    clock,
  });
  const lock = new FileRotationLock({ path: join(config.keysDir, 'rotation.lock'), clock });
  const apiKeyStore = new FileApiKeyStore(config.apiKeysFile);
  const channels = config.channelsFile
    ? await StaticChannelDirectory.fromFile(config.channelsFile)
    : StaticChannelDirectory.empty();
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
    revoker: new OfflineViewerSessionRevoker(),
    keyCache,
    rotator,
    authenticator,
    drainPolicy,
    inventory: () => listKeyInventory({ store, registry, drainPolicy }),
  };
}
