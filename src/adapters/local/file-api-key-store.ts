import { type ApiKeyRecord, checkChannelPattern, isScope } from '../../domain/api-keys.js';
import type { ApiKeyStore } from '../../domain/ports.js';
import { readJsonDocument, writeFileAtomic } from './atomic-file.js';

/**
 * `API_KEYS_FILE`: `{"version": 1, "keys": [{id, name?, sha256, scopes, channels?, createdAt}]}`,
 * mode 0600, written atomically by the CLI and re-read by running servers.
 */
export class FileApiKeyStore implements ApiKeyStore {
  readonly #path: string;

  constructor(path: string) {
    this.#path = path;
  }

  async list(): Promise<readonly ApiKeyRecord[]> {
    return (await readJsonDocument(this.#path, 'API key file', parseApiKeys)) ?? [];
  }

  async add(record: ApiKeyRecord): Promise<void> {
    const records = await this.list();
    if (records.some((existing) => existing.id === record.id))
      throw new Error(`API key id ${record.id} exists`);
    await this.#write([...records, record]);
  }

  async remove(id: string): Promise<boolean> {
    const records = await this.list();
    const remaining = records.filter((record) => record.id !== id);
    if (remaining.length === records.length) return false;
    await this.#write(remaining);
    return true;
  }

  async #write(records: readonly ApiKeyRecord[]): Promise<void> {
    await writeFileAtomic(this.#path, `${JSON.stringify({ version: 1, keys: records }, null, 2)}\n`, 0o600);
  }
}

function parseApiKeys(document: unknown): ApiKeyRecord[] {
  const root = document as { version?: unknown; keys?: unknown };
  if (root?.version !== 1 || !Array.isArray(root.keys))
    throw new Error('expected {"version": 1, "keys": [...]}');
  return root.keys.map((entry: Record<string, unknown>, index: number): ApiKeyRecord => {
    const where = `keys[${index}]`;
    const { id, name, sha256, scopes, channels, rateLimitPerSecond, createdAt } = entry ?? {};
    if (typeof id !== 'string' || !/^[0-9a-f]{12}$/.test(id))
      throw new Error(`${where}.id must be 12 hex characters`);
    if (typeof sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(sha256))
      throw new Error(`${where}.sha256 must be 64 hex characters`);
    if (!Array.isArray(scopes) || !scopes.every((scope) => typeof scope === 'string' && isScope(scope))) {
      throw new Error(`${where}.scopes must list known scopes`);
    }
    if (
      channels !== undefined &&
      (!Array.isArray(channels) || !channels.every((c) => typeof c === 'string'))
    ) {
      throw new Error(`${where}.channels must be a list of channel ARN patterns`);
    }
    if (name !== undefined && typeof name !== 'string') throw new Error(`${where}.name must be a string`);
    if (typeof createdAt !== 'string') throw new Error(`${where}.createdAt must be an ISO date`);
    if (
      rateLimitPerSecond !== undefined &&
      !(typeof rateLimitPerSecond === 'number' && rateLimitPerSecond > 0)
    ) {
      throw new Error(`${where}.rateLimitPerSecond must be a positive number`);
    }
    channels?.forEach((pattern: string) => {
      checkChannelPattern(pattern);
    });
    return { id, name, sha256, scopes, channels, rateLimitPerSecond, createdAt };
  });
}
