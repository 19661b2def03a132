import { FileApiKeyStore } from '../../src/adapters/local/file-api-key-store.js';
import { SCOPES, type Scope } from '../../src/domain/api-keys.js';
import { createApiKey } from '../../src/services/api-key-factory.js';
import type { AwsStandIn } from './aws-stand-in/index.js';

/** Where a production-mode replica finds its state. */
export interface ProductionFiles {
  /** The Secrets Manager secret holding the signing keys. */
  readonly secretId: string;
  /** The API keys file (`API_KEYS_FILE`). */
  readonly apiKeysFile: string;
  /** `KEYS_DIR`. */
  readonly keysDir: string;
}

/**
 * The environment for `startService` in production mode against the stand-in: signing keys in
 * Secrets Manager, IVS and Secrets Manager reached at the stand-in with its credentials, listening
 * on a free loopback port. Everything else is the service's default; spread this and add the
 * settings a test tunes.
 */
export function productionEnv(standIn: AwsStandIn, files: ProductionFiles): Record<string, string> {
  return {
    ...standIn.env(),
    KEY_STORE: 'secrets-manager',
    SECRET_ID: files.secretId,
    API_KEYS_FILE: files.apiKeysFile,
    KEYS_DIR: files.keysDir,
    HOST: '127.0.0.1',
    PORT: '0',
  };
}

/** Writes an API key into `apiKeysFile` (as `api-keys create` does) and returns the key. */
export async function writeApiKey(apiKeysFile: string, scopes: readonly Scope[] = SCOPES): Promise<string> {
  const created = await createApiKey(
    { store: new FileApiKeyStore(apiKeysFile), clock: () => new Date() },
    { scopes },
  );
  return created.key;
}
