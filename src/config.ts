import { join } from 'node:path';
import type { SignerChoice } from './domain/ports.js';
import { readTracingConfig, type TracingConfig } from './tracing-config.js';

export type KeyStoreConfig =
  | { readonly kind: 'file'; readonly dir: string }
  | { readonly kind: 'secrets-manager'; readonly secretId: string };

export interface Config {
  /** `local` when keys live in files (the default); `production` with Secrets Manager. */
  readonly mode: 'local' | 'production';
  readonly host: string;
  readonly port: number;
  readonly keyStore: KeyStoreConfig;
  /** Folder for local-mode files (keys, API keys, offline registry, lock). */
  readonly keysDir: string;
  readonly registry: 'offline' | 'ivs';
  /**
   * IVS_REGIONS: the AWS regions whose channels are served, in order. Undefined = the SDK's region
   * in production, and no region restriction in local mode.
   */
  readonly ivsRegions: readonly string[] | undefined;
  /**
   * Hashed API keys. Always set for the server (loadConfig refuses production mode without it);
   * undefined only where no API key is checked (the rotation function, a production CLI without it).
   */
  readonly apiKeysFile: string | undefined;
  readonly apiKeysReloadSeconds: number;
  readonly defaultTtlSeconds: number;
  readonly maxTtlSeconds: number;
  /** 0 = off; else identical channel-wide tokens are shared within expiry buckets this wide. */
  readonly tokenReuseSeconds: number;
  readonly clockSkewSeconds: number;
  readonly keyRefreshSeconds: number;
  readonly keyMaxStalenessSeconds: number;
  /** How often each replica reads what every served region's IVS holds. */
  readonly regionCheckSeconds: number;
  readonly bodyLimitBytes: number;
  readonly batchBodyLimitBytes: number;
  readonly shutdownTimeoutSeconds: number;
  readonly shutdownDelaySeconds: number;
  readonly channelsFile: string | undefined;
  readonly channelCheck: 'none' | 'exists' | 'authorized';
  readonly channelCacheSeconds: number;
  /** Access policies by channel pattern (YAML or JSON); undefined = none. */
  readonly policiesFile: string | undefined;
  /** How often a running server checks POLICIES_FILE for changes. */
  readonly policiesReloadSeconds: number;
  /** The operator's MMDB country database; undefined = the bundled freely licensed one. */
  readonly geoipDatabase: string | undefined;
  /** Whether a viewer whose country cannot be told passes a policy that limits countries. */
  readonly unknownCountry: 'allow' | 'deny';
  /** `enforce`: a channel's IVS playback restriction policy is applied at issuance. */
  readonly restrictionPolicies: 'ignore' | 'enforce';
  /** How long an IVS playback restriction policy is served from memory. */
  readonly restrictionPolicyCacheSeconds: number;
  readonly rotationTakeoverSeconds: number;
  readonly janitorSeconds: number;
  readonly apiKeyRateLimitPerSecond: number;
  readonly authFailureLimit: number;
  readonly authFailureWindowSeconds: number;
  readonly trustProxy: boolean | number | string;
  /** Which library signs: Nettle when available (auto), Nettle or fail (nettle), or OpenSSL. */
  readonly signer: SignerChoice;
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error';
  /**
   * OpenTelemetry tracing from the standard OTEL_* variables (see tracing-config.ts); undefined when
   * off, and always for the command line and the rotation function, which are not traced.
   */
  readonly tracing: TracingConfig | undefined;
}

function trustProxy(raw: string | undefined): boolean | number | string {
  if (raw === undefined || raw === 'false') return false;
  if (raw === 'true') return true;
  return /^\d+$/.test(raw) ? Number(raw) : raw;
}

/** An AWS region name as IVS uses them: `us-west-2`, `ap-northeast-1`, `us-gov-west-1`. */
const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d+$/;

function regionList(raw: string | undefined, problems: string[]): readonly string[] | undefined {
  if (raw === undefined) return undefined;
  const regions = raw.split(',').map((region) => region.trim());
  const bad = regions.filter((region) => !REGION.test(region));
  if (bad.length > 0) {
    problems.push(
      `IVS_REGIONS must list AWS regions separated by commas, such as us-west-2,eu-west-1; not a region: ${bad.map((region) => `"${region}"`).join(', ')}`,
    );
    return undefined;
  }
  const repeated = regions.filter((region, index) => regions.indexOf(region) !== index);
  if (repeated.length > 0) {
    problems.push(`IVS_REGIONS names ${[...new Set(repeated)].join(', ')} more than once`);
    return undefined;
  }
  return regions;
}

/** Thrown by loadConfig with every problem found, one per line. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.problems = problems;
  }
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * What is being started: the HTTP server (needs API keys), the command line (needs them only for
 * `api-keys` commands, which say so), or the Secrets Manager rotation function (never checks one).
 */
export type Role = 'server' | 'cli' | 'rotation-function';

/**
 * Reads the configuration from environment variables (the names are a contract: see README,
 * "Configuration"). Pure: tests pass a literal object. Reports every problem at once.
 */
export function loadConfig(env: Env, role: Role = 'server'): Config {
  const problems: string[] = [];
  const read = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === '' ? undefined : value;
  };
  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const raw = read(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!/^\d+$/.test(raw) || value < min || value > max) {
      problems.push(`${name} must be a whole number from ${min} to ${max}; got "${raw}"`);
      return fallback;
    }
    return value;
  };
  const oneOf = <T extends string>(name: string, allowed: readonly T[], fallback: T): T => {
    const raw = read(name);
    if (raw === undefined) return fallback;
    if (!(allowed as readonly string[]).includes(raw)) {
      problems.push(`${name} must be one of ${allowed.join(', ')}; got "${raw}"`);
      return fallback;
    }
    return raw as T;
  };

  // KEY_STORE: where the private signing key lives.
  const keyStoreKind = oneOf('KEY_STORE', ['file', 'secrets-manager'], 'file');
  const mode = keyStoreKind === 'file' ? 'local' : 'production';
  // KEYS_DIR: the file key store's folder, also home of local-mode API keys and lock.
  const keysDir = read('KEYS_DIR') ?? './keys';
  // SECRET_ID: the Secrets Manager secret holding the signing key (production).
  const secretId = read('SECRET_ID');
  if (keyStoreKind === 'secrets-manager' && secretId === undefined) {
    problems.push('SECRET_ID is required with KEY_STORE=secrets-manager');
  }
  // PLAYBACK_KEY_REGISTRY: where public keys are published (IVS, or offline in local mode).
  const registry = oneOf('PLAYBACK_KEY_REGISTRY', ['offline', 'ivs'], mode === 'local' ? 'offline' : 'ivs');
  // IVS_REGIONS: comma-separated AWS regions whose channels are served; the key is published in each.
  const ivsRegions = regionList(read('IVS_REGIONS'), problems);
  // API_KEYS_FILE: hashed API keys and their scopes; the server refuses to start without keys.
  const apiKeysFile =
    read('API_KEYS_FILE') ?? (mode === 'local' ? join(keysDir, 'api-keys.json') : undefined);
  if (role === 'server' && apiKeysFile === undefined) {
    problems.push(
      'API_KEYS_FILE is required with KEY_STORE=secrets-manager: create keys with `ivs-playback-auth api-keys create` and mount the file',
    );
  }

  const config: Config = {
    mode,
    // HOST / PORT: where to listen; loopback by default in local mode.
    host: read('HOST') ?? (mode === 'local' ? '127.0.0.1' : '0.0.0.0'),
    port: integer('PORT', 8080, 0, 65_535),
    keyStore:
      keyStoreKind === 'file'
        ? { kind: 'file', dir: keysDir }
        : { kind: 'secrets-manager', secretId: secretId ?? '' },
    keysDir,
    registry,
    ivsRegions,
    apiKeysFile,
    // API_KEYS_RELOAD_SECONDS: how often servers re-read API_KEYS_FILE.
    apiKeysReloadSeconds: integer('API_KEYS_RELOAD_SECONDS', 2, 1, 3600),
    // TOKEN_DEFAULT_TTL_SECONDS / TOKEN_MAX_TTL_SECONDS: token lifetime when unspecified / at most.
    defaultTtlSeconds: integer('TOKEN_DEFAULT_TTL_SECONDS', 600, 1, 86_400),
    maxTtlSeconds: integer('TOKEN_MAX_TTL_SECONDS', 3600, 1, 7 * 86_400),
    // TOKEN_REUSE_SECONDS: 0 (off) or the expiry bucket within which identical tokens without
    // viewerId or singleUse are signed once and handed out again (exp rounded up to the bucket).
    tokenReuseSeconds: integer('TOKEN_REUSE_SECONDS', 0, 0, 3600),
    // CLOCK_SKEW_SECONDS: allowance for clock differences with IVS, part of the drain period.
    clockSkewSeconds: integer('CLOCK_SKEW_SECONDS', 60, 0, 3600),
    // KEY_REFRESH_SECONDS: how often each replica re-reads its keys from the store. It bounds how
    // long a replica may sign with a key an emergency rotation deleted elsewhere: one DescribeSecret
    // a time (versions are immutable and read once).
    keyRefreshSeconds: integer('KEY_REFRESH_SECONDS', 5, 1, 3600),
    // KEY_MAX_STALENESS_SECONDS: how long a replica signs with keys it cannot re-read.
    keyMaxStalenessSeconds: integer('KEY_MAX_STALENESS_SECONDS', 900, 1, 86_400),
    // REGION_CHECK_SECONDS: how often each replica lists the key pairs of every served region.
    regionCheckSeconds: integer('REGION_CHECK_SECONDS', mode === 'local' ? 5 : 60, 1, 3600),
    // BODY_LIMIT_BYTES / BATCH_BODY_LIMIT_BYTES: largest accepted request bodies.
    bodyLimitBytes: integer('BODY_LIMIT_BYTES', 16_384, 256, 1_048_576),
    batchBodyLimitBytes: integer('BATCH_BODY_LIMIT_BYTES', 262_144, 1024, 4_194_304),
    // SHUTDOWN_TIMEOUT_SECONDS: how long in-flight requests may finish after SIGTERM.
    shutdownTimeoutSeconds: integer('SHUTDOWN_TIMEOUT_SECONDS', 10, 0, 300),
    // SHUTDOWN_DELAY_SECONDS: after SIGTERM, keep serving (not ready) this long before closing.
    shutdownDelaySeconds: integer('SHUTDOWN_DELAY_SECONDS', mode === 'local' ? 0 : 5, 0, 300),
    // CHANNELS_FILE: local mode's map of channel ARN → playback URL.
    channelsFile: read('CHANNELS_FILE'),
    // CHANNEL_CHECK: none, exists (404 for unknown channels) or authorized (also 409 for public ones).
    channelCheck: oneOf('CHANNEL_CHECK', ['none', 'exists', 'authorized'], 'none'),
    // CHANNEL_CACHE_SECONDS: how long a channel looked up in IVS is served from memory.
    channelCacheSeconds: integer('CHANNEL_CACHE_SECONDS', 300, 1, 86_400),
    // POLICIES_FILE: access policies matched by channel ARN pattern (YAML or JSON; docs/access-policies.md).
    policiesFile: read('POLICIES_FILE'),
    // POLICIES_RELOAD_SECONDS: how often a running server re-reads POLICIES_FILE when it changed.
    policiesReloadSeconds: integer('POLICIES_RELOAD_SECONDS', 5, 1, 3600),
    // GEOIP_DATABASE: an MMDB country database (e.g. MaxMind GeoLite2/GeoIP2 Country) for viewerIp.
    geoipDatabase: read('GEOIP_DATABASE'),
    // UNKNOWN_COUNTRY: allow or deny viewers whose country cannot be told, where a policy limits countries.
    unknownCountry: oneOf('UNKNOWN_COUNTRY', ['allow', 'deny'], 'allow'),
    // RESTRICTION_POLICIES: enforce applies each channel's IVS playback restriction policy at issuance.
    restrictionPolicies: oneOf('RESTRICTION_POLICIES', ['ignore', 'enforce'], 'ignore'),
    // RESTRICTION_POLICY_CACHE_SECONDS: how long a restriction policy read from IVS is served from memory.
    restrictionPolicyCacheSeconds: integer('RESTRICTION_POLICY_CACHE_SECONDS', 60, 1, 86_400),
    // ROTATION_TAKEOVER_SECONDS: a pending key younger than this belongs to a rotation under way elsewhere.
    rotationTakeoverSeconds: integer('ROTATION_TAKEOVER_SECONDS', 120, 0, 3600),
    // JANITOR_SECONDS: how often a server deletes a drained previous key from IVS; 0 = never.
    janitorSeconds: integer('JANITOR_SECONDS', 300, 0, 86_400),
    // API_KEY_RATE_LIMIT_PER_SECOND: requests a second per API key (bursts up to twice that); a key's own limit wins.
    apiKeyRateLimitPerSecond: integer('API_KEY_RATE_LIMIT_PER_SECOND', 5000, 1, 1_000_000),
    // AUTH_FAILURE_LIMIT / AUTH_FAILURE_WINDOW_SECONDS: bad credentials a client may send per window.
    authFailureLimit: integer('AUTH_FAILURE_LIMIT', 20, 1, 1_000_000),
    authFailureWindowSeconds: integer('AUTH_FAILURE_WINDOW_SECONDS', 300, 1, 86_400),
    // TRUST_PROXY: express `trust proxy` (false, true, a hop count, or addresses/subnets), so the
    // failed-attempt bound counts real clients behind a load balancer.
    trustProxy: trustProxy(read('TRUST_PROXY')),
    // SIGNER: auto (Nettle when built, else OpenSSL), nettle (refuse to start without it) or openssl.
    signer: oneOf('SIGNER', ['auto', 'nettle', 'openssl'], 'auto'),
    // LOG_LEVEL: debug, info, warn or error.
    logLevel: oneOf('LOG_LEVEL', ['debug', 'info', 'warn', 'error'], 'info'),
    // OTEL_*: OpenTelemetry tracing of the server (off unless an exporter or endpoint is named).
    tracing: role === 'server' ? readTracingConfig(env, problems) : undefined,
  };

  if (config.defaultTtlSeconds > config.maxTtlSeconds) {
    problems.push(
      `TOKEN_DEFAULT_TTL_SECONDS (${config.defaultTtlSeconds}) must not exceed TOKEN_MAX_TTL_SECONDS (${config.maxTtlSeconds})`,
    );
  }
  if (config.tokenReuseSeconds >= config.maxTtlSeconds) {
    problems.push(
      `TOKEN_REUSE_SECONDS (${config.tokenReuseSeconds}) must be less than TOKEN_MAX_TTL_SECONDS (${config.maxTtlSeconds}): a token may live up to that much longer than asked`,
    );
  }
  if (config.channelCheck !== 'none' && config.registry !== 'ivs') {
    problems.push(
      `CHANNEL_CHECK=${config.channelCheck} needs PLAYBACK_KEY_REGISTRY=ivs: only IVS knows which channels exist`,
    );
  }
  if (config.restrictionPolicies === 'enforce' && config.registry !== 'ivs') {
    problems.push(
      'RESTRICTION_POLICIES=enforce needs PLAYBACK_KEY_REGISTRY=ivs: only IVS knows which restriction policy a channel has',
    );
  }
  if (config.keyMaxStalenessSeconds < config.keyRefreshSeconds) {
    problems.push(
      `KEY_MAX_STALENESS_SECONDS (${config.keyMaxStalenessSeconds}) must be at least KEY_REFRESH_SECONDS (${config.keyRefreshSeconds})`,
    );
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
