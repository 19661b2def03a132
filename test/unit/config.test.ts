import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

describe('loadConfig', () => {
  it('runs in local mode with nothing configured', () => {
    const config = loadConfig({});

    expect(config).toMatchObject({
      mode: 'local',
      host: '127.0.0.1',
      port: 8080,
      keyStore: { kind: 'file', dir: './keys' },
      registry: 'offline',
      apiKeysFile: 'keys/api-keys.json',
      defaultTtlSeconds: 600,
      maxTtlSeconds: 3600,
      tokenReuseSeconds: 0,
      bodyLimitBytes: 16_384,
      signer: 'auto',
    });
  });

  it('switches to production defaults with the Secrets Manager key store', () => {
    const config = loadConfig({
      KEY_STORE: 'secrets-manager',
      SECRET_ID: 'ivs/playback-key',
      API_KEYS_FILE: '/run/api-keys.json',
    });

    expect(config).toMatchObject({
      mode: 'production',
      host: '0.0.0.0',
      keyStore: { kind: 'secrets-manager', secretId: 'ivs/playback-key' },
      registry: 'ivs',
      apiKeysFile: '/run/api-keys.json',
    });
  });

  it('reads every documented variable', () => {
    const config = loadConfig({
      PORT: '9000',
      HOST: '0.0.0.0',
      KEYS_DIR: '/data/keys',
      TOKEN_DEFAULT_TTL_SECONDS: '120',
      TOKEN_MAX_TTL_SECONDS: '900',
      TOKEN_REUSE_SECONDS: '30',
      CLOCK_SKEW_SECONDS: '30',
      KEY_REFRESH_SECONDS: '10',
      KEY_MAX_STALENESS_SECONDS: '60',
      API_KEYS_RELOAD_SECONDS: '5',
      BODY_LIMIT_BYTES: '4096',
      BATCH_BODY_LIMIT_BYTES: '65536',
      SHUTDOWN_TIMEOUT_SECONDS: '3',
      CHANNELS_FILE: '/data/channels.json',
      SIGNER: 'openssl',
      LOG_LEVEL: 'warn',
    });

    expect(config).toMatchObject({
      port: 9000,
      host: '0.0.0.0',
      keysDir: '/data/keys',
      apiKeysFile: '/data/keys/api-keys.json',
      defaultTtlSeconds: 120,
      maxTtlSeconds: 900,
      tokenReuseSeconds: 30,
      clockSkewSeconds: 30,
      keyRefreshSeconds: 10,
      keyMaxStalenessSeconds: 60,
      apiKeysReloadSeconds: 5,
      bodyLimitBytes: 4096,
      batchBodyLimitBytes: 65_536,
      shutdownTimeoutSeconds: 3,
      channelsFile: '/data/channels.json',
      signer: 'openssl',
      logLevel: 'warn',
    });
  });

  it('reports every problem at once', () => {
    const load = () =>
      loadConfig({
        PORT: 'eighty',
        KEY_STORE: 'secrets-manager',
        TOKEN_DEFAULT_TTL_SECONDS: '7200',
        LOG_LEVEL: 'loud',
        PLAYBACK_KEY_REGISTRY: 'cloud',
      });

    expect(load).toThrow(ConfigError);
    try {
      load();
    } catch (error) {
      expect((error as ConfigError).problems).toEqual([
        'SECRET_ID is required with KEY_STORE=secrets-manager',
        'PLAYBACK_KEY_REGISTRY must be one of offline, ivs; got "cloud"',
        'API_KEYS_FILE is required with KEY_STORE=secrets-manager: create keys with `ivs-playback-auth api-keys create` and mount the file',
        'PORT must be a whole number from 0 to 65535; got "eighty"',
        'LOG_LEVEL must be one of debug, info, warn, error; got "loud"',
        'TOKEN_DEFAULT_TTL_SECONDS (7200) must not exceed TOKEN_MAX_TTL_SECONDS (3600)',
      ]);
    }
  });

  it.each([
    ['PORT', '65536'],
    ['PORT', '-1'],
    ['TOKEN_MAX_TTL_SECONDS', '0'],
    ['TOKEN_MAX_TTL_SECONDS', '1.5'],
    ['KEY_STORE', 'dynamo'],
    ['TOKEN_REUSE_SECONDS', '-1'],
    ['TOKEN_REUSE_SECONDS', '3601'],
    ['SIGNER', 'boringssl'],
    ['UNKNOWN_COUNTRY', 'block'],
    ['RESTRICTION_POLICIES', 'on'],
    ['RESTRICTION_POLICY_CACHE_SECONDS', '0'],
    ['POLICIES_RELOAD_SECONDS', '0'],
  ])('refuses %s=%s', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(name));
  });

  it('requires API_KEYS_FILE in production mode for the server only, with one default path in local mode', () => {
    const production = { KEY_STORE: 'secrets-manager', SECRET_ID: 'ivs/playback-key' };

    expect(() => loadConfig(production)).toThrow(/API_KEYS_FILE is required with KEY_STORE=secrets-manager/);
    expect(() => loadConfig(production, 'server')).toThrow(/API_KEYS_FILE is required/);
    expect(loadConfig(production, 'rotation-function').apiKeysFile).toBeUndefined();
    expect(loadConfig(production, 'cli').apiKeysFile).toBeUndefined();
    expect(loadConfig({ KEYS_DIR: '/srv/keys' }, 'cli').apiKeysFile).toBe('/srv/keys/api-keys.json');
  });

  it('reads the access policy settings, with their defaults', () => {
    expect(loadConfig({})).toMatchObject({
      policiesFile: undefined,
      policiesReloadSeconds: 5,
      geoipDatabase: undefined,
      unknownCountry: 'allow',
      restrictionPolicies: 'ignore',
      restrictionPolicyCacheSeconds: 60,
    });
    expect(
      loadConfig({
        KEY_STORE: 'secrets-manager',
        SECRET_ID: 's',
        API_KEYS_FILE: '/k.json',
        POLICIES_FILE: '/etc/policies.yaml',
        POLICIES_RELOAD_SECONDS: '30',
        GEOIP_DATABASE: '/geo/GeoLite2-Country.mmdb',
        UNKNOWN_COUNTRY: 'deny',
        RESTRICTION_POLICIES: 'enforce',
        RESTRICTION_POLICY_CACHE_SECONDS: '10',
      }),
    ).toMatchObject({
      policiesFile: '/etc/policies.yaml',
      policiesReloadSeconds: 30,
      geoipDatabase: '/geo/GeoLite2-Country.mmdb',
      unknownCountry: 'deny',
      restrictionPolicies: 'enforce',
      restrictionPolicyCacheSeconds: 10,
    });
  });

  it('refuses RESTRICTION_POLICIES=enforce without IVS', () => {
    expect(() => loadConfig({ RESTRICTION_POLICIES: 'enforce' })).toThrow(
      /RESTRICTION_POLICIES=enforce needs PLAYBACK_KEY_REGISTRY=ivs/,
    );
  });

  it('refuses a staleness bound shorter than the refresh interval', () => {
    expect(() => loadConfig({ KEY_REFRESH_SECONDS: '60', KEY_MAX_STALENESS_SECONDS: '30' })).toThrow(
      /KEY_MAX_STALENESS_SECONDS \(30\) must be at least KEY_REFRESH_SECONDS \(60\)/,
    );
  });

  it('refuses a token reuse bucket as long as the maximum TTL', () => {
    expect(() => loadConfig({ TOKEN_MAX_TTL_SECONDS: '600', TOKEN_REUSE_SECONDS: '600' })).toThrow(
      /TOKEN_REUSE_SECONDS \(600\) must be less than TOKEN_MAX_TTL_SECONDS \(600\)/,
    );
  });

  it('treats empty values as unset', () => {
    expect(loadConfig({ PORT: '', HOST: '  ' })).toMatchObject({ port: 8080, host: '127.0.0.1' });
  });
});
