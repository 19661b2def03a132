import { join } from 'node:path';
import { IvsClient } from '@aws-sdk/client-ivs';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { type AwsCall, recordAwsCalls } from './adapters/aws/aws-call-recording.js';
import { IvsChannelDirectory } from './adapters/aws/ivs-channel-directory.js';
import { IvsPlaybackKeyRegistry } from './adapters/aws/ivs-playback-key-registry.js';
import { IvsRestrictionPolicyDirectory } from './adapters/aws/ivs-restriction-policy-directory.js';
import { IvsViewerSessionRevoker } from './adapters/aws/ivs-viewer-session-revoker.js';
import { SecretsManagerKeyStore } from './adapters/aws/secrets-manager-key-store.js';
import { chooseSigningBackend } from './adapters/crypto/choose-signing-backend.js';
import { bundledCountryDatabasePath, openCountryDatabase } from './adapters/geo/mmdb-country-lookup.js';
import { FileApiKeyStore } from './adapters/local/file-api-key-store.js';
import { FileKeyStore } from './adapters/local/file-key-store.js';
import { FileRotationLock } from './adapters/local/file-rotation-lock.js';
import { OfflinePlaybackKeyRegistry } from './adapters/local/offline-playback-key-registry.js';
import { OfflineViewerSessionRevoker } from './adapters/local/offline-viewer-session-revoker.js';
import { PoliciesFile } from './adapters/local/policies-file.js';
import { StaticChannelDirectory } from './adapters/local/static-channel-directory.js';
import { InProcessRotationLock } from './adapters/process/in-process-rotation-lock.js';
import type { Tracing } from './adapters/telemetry/open-telemetry.js';
import { type Config, ConfigError } from './config.js';
import type { ApiKeyStore, Clock, Logger, PlaybackKeyRegistry } from './domain/ports.js';
import { fileProblem } from './file-problem.js';
import type { Adapters } from './runtime.js';
import {
  type RegionalAdapters,
  regionalChannelDirectory,
  regionalRestrictionPolicyDirectory,
  regionalViewerSessionRevoker,
} from './services/regional-routing.js';
import { StartupError } from './startup-failure.js';

/**
 * The composition root's one decision: which adapter implements each port, from the configuration.
 * Local mode gets files and no AWS; production mode gets one SDK client per AWS service, shared by
 * every adapter that talks to it. With tracing on, every AWS client and the signer make spans.
 */
export async function createAdaptersForConfig(
  config: Config,
  deps: {
    readonly logger: Logger;
    readonly clock: Clock;
    /** Hears every AWS call once it has ended (metrics). */
    readonly onAwsCall?: (call: AwsCall) => void;
    /** OpenTelemetry, when configured: a client span for every AWS call. */
    readonly tracing?: Tracing | undefined;
  },
): Promise<Adapters> {
  const { logger, clock, tracing } = deps;
  const onAwsCall = deps.onAwsCall ?? (() => {});
  // Region, credentials and endpoints come from the SDK's standard chain (AWS_REGION,
  // AWS_ENDPOINT_URL_IVS, …). Timeouts keep a hung AWS call from stalling a request; throttling
  // and 5xx are retried (3 attempts).
  const awsClientConfig = {
    maxAttempts: 3,
    requestHandler: { connectionTimeout: 2000, requestTimeout: 5000 },
  };
  // IVS is regional: one client per served region (IVS_REGIONS, else the SDK's own region; when
  // even that is unknown, one client whose calls fail saying so).
  const ivsRegions =
    config.registry === 'ivs' ? (config.ivsRegions ?? [await sdkRegion(awsClientConfig)]) : undefined;
  const ivsClients = ivsRegions?.map((region) => {
    const client = new IvsClient(region === undefined ? awsClientConfig : { ...awsClientConfig, region });
    recordAwsCalls(client, 'ivs', onAwsCall);
    tracing?.instrumentAwsClient(client, 'IVS');
    return [region, client] as const;
  });
  const secretsManagerClient = () => {
    const client = recordedSecretsManagerClient(awsClientConfig, onAwsCall);
    tracing?.instrumentAwsClient(client, 'SecretsManager');
    return client;
  };

  const fileStore = config.keyStore.kind === 'file' ? new FileKeyStore(config.keyStore.dir) : undefined;
  const store =
    fileStore ??
    new SecretsManagerKeyStore({
      client: secretsManagerClient(),
      secretId: config.keyStore.kind === 'secrets-manager' ? config.keyStore.secretId : '',
    });
  // The lock file serialises local rotations across processes; Secrets Manager replicas rely on
  // the store's token collision and on not taking over a fresh pending key of another replica.
  const lock = fileStore
    ? new FileRotationLock({ path: join(config.keysDir, 'rotation.lock'), clock })
    : new InProcessRotationLock();
  const registries: PlaybackKeyRegistry[] = ivsClients
    ? ivsClients.map(([region, client]) => new IvsPlaybackKeyRegistry({ client, logger, region }))
    : (config.ivsRegions ?? [undefined]).map(
        (region) =>
          new OfflinePlaybackKeyRegistry({
            path: join(config.keysDir, 'offline-registry.json'),
            publicKeyPath: (keyId) =>
              fileStore?.publicKeyPath(keyId) ?? join(config.keysDir, `${keyId}.public.pem`),
            logger,
            clock,
            region,
          }),
      );
  const byRegion = <T>(make: (client: IvsClient) => T): RegionalAdapters<T> => {
    const clients = ivsClients ?? [];
    // A client without a known region answers for every channel, and its calls fail saying why.
    const regionless = clients.find(([region]) => region === undefined);
    return {
      byRegion: new Map(
        clients.flatMap(([region, client]) =>
          region === undefined ? [] : [[region, make(client)] as const],
        ),
      ),
      ...(regionless ? { fallback: make(regionless[1]) } : {}),
    };
  };
  const policiesFile =
    config.policiesFile === undefined ? undefined : await loadPoliciesFile(config.policiesFile);
  const restrictionPolicies =
    ivsClients && config.restrictionPolicies === 'enforce'
      ? regionalRestrictionPolicyDirectory(
          byRegion(
            (client) =>
              new IvsRestrictionPolicyDirectory({
                client,
                logger,
                clock,
                ttlSeconds: config.restrictionPolicyCacheSeconds,
              }),
          ),
        )
      : undefined;
  // Read only where a policy can use it (or the operator named one), so a service without
  // policies spends neither the memory nor the start-up time.
  const countries =
    policiesFile || restrictionPolicies || config.geoipDatabase !== undefined
      ? await loadCountryDatabase(config.geoipDatabase, logger, clock)
      : undefined;
  return {
    policiesFile,
    restrictionPolicies,
    countries,
    store,
    lock,
    registries,
    servedRegions: servedRegions(ivsRegions, config.ivsRegions),
    channels: ivsClients
      ? regionalChannelDirectory(
          byRegion(
            (client) =>
              new IvsChannelDirectory({ client, logger, clock, ttlSeconds: config.channelCacheSeconds }),
          ),
        )
      : config.channelsFile
        ? await loadChannelsFile(config.channelsFile)
        : StaticChannelDirectory.empty(),
    revoker: ivsClients
      ? regionalViewerSessionRevoker(byRegion((client) => new IvsViewerSessionRevoker({ client, logger })))
      : new OfflineViewerSessionRevoker(),
    apiKeyStore:
      config.apiKeysFile === undefined ? withoutApiKeysFile() : new FileApiKeyStore(config.apiKeysFile),
    signing: await chooseSigningBackend(config.signer, logger).then(
      (signing) => tracing?.traceSigning(signing) ?? signing,
      (error: unknown) => {
        // Only SIGNER=nettle refuses; auto falls back to OpenSSL instead of throwing.
        throw new StartupError(
          'SIGNER',
          `${error instanceof Error ? error.message : String(error)}; or set SIGNER=auto to sign with OpenSSL instead`,
          { cause: error },
        );
      },
    ),
  };
}

/** CHANNELS_FILE, read once at start; anything wrong with it stops the start with one clear line. */
async function loadChannelsFile(path: string): Promise<StaticChannelDirectory> {
  try {
    return await StaticChannelDirectory.fromFile(path);
  } catch (error) {
    const problem =
      fileProblem(error) ??
      (error instanceof SyntaxError
        ? 'is not valid JSON'
        : error instanceof Error
          ? error.message
          : String(error));
    throw new StartupError(
      'CHANNELS_FILE',
      `${path} ${problem}; it must be a JSON object mapping channel ARNs to https playback URLs, or unset CHANNELS_FILE`,
      { cause: error },
    );
  }
}

/** POLICIES_FILE, read at start; a file with problems stops the start listing every one. */
async function loadPoliciesFile(path: string) {
  const source = new PoliciesFile(path);
  try {
    const rules = await source.loadIfChanged();
    if (!rules) throw new Error('was not read');
    return { source, rules };
  } catch (error) {
    const problems = (error as { problems?: readonly string[] }).problems;
    const code = (error as NodeJS.ErrnoException).code;
    const what = problems
      ? `${path} has ${problems.length === 1 ? 'a problem' : `${problems.length} problems`}:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`
      : code === 'ENOENT'
        ? `${path} does not exist`
        : code === 'EACCES'
          ? `${path} cannot be read (permission denied)`
          : code === 'EISDIR'
            ? `${path} is a folder, not a file`
            : `${path} could not be read: ${error instanceof Error ? error.message : String(error)}`;
    throw new StartupError(
      'POLICIES_FILE',
      `${what}\nfix the file (see docs/access-policies.md), or unset POLICIES_FILE`,
      { cause: error },
    );
  }
}

/** Older than this, the country database in use is reported at start (README, "The country database"). */
const COUNTRY_DATABASE_MAX_AGE_DAYS = 90;

/** GEOIP_DATABASE, or the bundled country database; one that cannot be read stops the start. */
async function loadCountryDatabase(configured: string | undefined, logger: Logger, clock: Clock) {
  let path = configured ?? 'the bundled database';
  try {
    path = configured ?? bundledCountryDatabasePath();
    const database = await openCountryDatabase(path, logger);
    const ageDays = Math.floor((clock().getTime() - database.builtAt.getTime()) / 86_400_000);
    if (ageDays > COUNTRY_DATABASE_MAX_AGE_DAYS) {
      // Addresses move between networks and countries: an old database refuses or admits the wrong viewers.
      logger.warn(
        { geoipDatabase: path, database: database.description, ageDays },
        `the country database was built ${ageDays} days ago; set GEOIP_DATABASE to a maintained one (see the README, "The country database")`,
      );
    }
    return database;
  } catch (error) {
    const problem =
      fileProblem(error) ??
      ((error as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND'
        ? 'is not installed'
        : error instanceof Error
          ? error.message
          : String(error));
    throw new StartupError(
      'GEOIP_DATABASE',
      configured === undefined
        ? `the bundled country database ${path} ${problem}; reinstall the package, or set GEOIP_DATABASE to an MMDB country database`
        : `${path} ${problem}; set GEOIP_DATABASE to an MMDB country database (e.g. MaxMind GeoLite2-Country.mmdb), or unset it to use the bundled one`,
      { cause: error },
    );
  }
}

/**
 * The regions whose channels get tokens: the IVS clients' regions in production (none known: any,
 * and the calls say what is missing), IVS_REGIONS in local mode (unset: any).
 */
function servedRegions(
  ivsRegions: readonly (string | undefined)[] | undefined,
  configured: readonly string[] | undefined,
): readonly string[] | undefined {
  if (ivsRegions === undefined) return configured;
  const known = ivsRegions.filter((region): region is string => region !== undefined);
  return known.length === ivsRegions.length ? known : undefined;
}

function recordedSecretsManagerClient(
  clientConfig: object,
  onAwsCall: (call: AwsCall) => void,
): SecretsManagerClient {
  const client = new SecretsManagerClient(clientConfig);
  recordAwsCalls(client, 'secretsmanager', onAwsCall);
  return client;
}

/** The region the SDK's standard chain names (AWS_REGION, the profile), or undefined when none does. */
async function sdkRegion(clientConfig: object): Promise<string | undefined> {
  try {
    return await new IvsClient(clientConfig).config.region();
  } catch {
    return undefined;
  }
}

/** Production mode's command line without API_KEYS_FILE: `api-keys` commands say what is missing. */
function withoutApiKeysFile(): ApiKeyStore {
  const missing = () =>
    Promise.reject(
      new ConfigError([
        'API_KEYS_FILE is required for API keys with KEY_STORE=secrets-manager: set it to the file the servers read',
      ]),
    );
  return { list: missing, add: missing, remove: missing };
}
