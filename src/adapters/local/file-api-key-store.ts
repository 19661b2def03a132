import { type ApiKeyRecord, checkChannelPattern, SCOPES } from '../../domain/api-keys.js';
import type { ApiKeyStore } from '../../domain/ports.js';
import { readJsonDocument, writeFileAtomic } from './atomic-file.js';
import { shapeCheck, versionedList } from './json-shape.js';

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

const checkApiKeysFile = shapeCheck<{ version: 1; keys: ApiKeyRecord[] }>(
  versionedList('keys', {
    type: 'object',
    required: ['id', 'sha256', 'scopes', 'createdAt'],
    properties: {
      id: { type: 'string', pattern: '^[0-9a-f]{12}$' },
      name: { type: 'string' },
      sha256: { type: 'string', pattern: '^[0-9a-f]{64}$' },
      scopes: { type: 'array', items: { enum: [...SCOPES] } },
      channels: { type: 'array', items: { type: 'string' } },
      rateLimitPerSecond: { type: 'number', exclusiveMinimum: 0 },
      createdAt: { type: 'string', format: 'date-time' },
    },
  }),
);

function parseApiKeys(document: unknown): ApiKeyRecord[] {
  return checkApiKeysFile(document).keys.map(
    ({ id, name, sha256, scopes, channels, rateLimitPerSecond, createdAt }) => {
      for (const pattern of channels ?? []) checkChannelPattern(pattern);
      return { id, name, sha256, scopes, channels, rateLimitPerSecond, createdAt };
    },
  );
}
