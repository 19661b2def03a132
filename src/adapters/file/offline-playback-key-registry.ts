import { resolve } from 'node:path';
import { ServiceError } from '../../domain/errors.js';
import { keyPairTags } from '../../domain/key-pair-tags.js';
import type { Clock, Logger, PlaybackKeyRegistry, RegisteredKeyPair } from '../../domain/ports.js';
import { readJsonDocument, writeFileAtomic } from './atomic-file.js';

interface OfflineEntry {
  readonly keyId: string;
  readonly publishedAt: string;
}

/**
 * Local mode: no IVS calls. "Publishing" a key records it in `<KEYS_DIR>/offline-registry.json` and
 * logs the exact `aws ivs` command that imports it, so a developer can use the tokens against a
 * real channel. It keeps the IVS limit of 3 key pairs, so local rotation behaves like production.
 */
export class OfflinePlaybackKeyRegistry implements PlaybackKeyRegistry {
  readonly kind = 'offline';
  readonly slotLimit = 3;
  readonly #path: string;
  readonly #publicKeyPath: (keyId: string) => string;
  readonly #logger: Logger;
  readonly #clock: Clock;

  constructor(options: {
    path: string;
    publicKeyPath: (keyId: string) => string;
    logger: Logger;
    clock: Clock;
  }) {
    this.#path = options.path;
    this.#publicKeyPath = options.publicKeyPath;
    this.#logger = options.logger;
    this.#clock = options.clock;
  }

  async list(): Promise<readonly RegisteredKeyPair[]> {
    return (await this.#read()).map(toPair);
  }

  async importKey(key: { keyId: string; publicKeyPem: string }): Promise<RegisteredKeyPair> {
    const entries = await this.#read();
    const existing = entries.find((entry) => entry.keyId === key.keyId);
    if (existing) return toPair(existing);
    const publicKeyFile = resolve(this.#publicKeyPath(key.keyId));
    await writeFileAtomic(publicKeyFile, key.publicKeyPem, 0o644);
    const entry = { keyId: key.keyId, publishedAt: this.#clock().toISOString() };
    await this.#write([...entries, entry]);
    this.#logger.info(
      {
        keyId: key.keyId,
        publicKeyFile,
        importCommand: importCommand(key.keyId, publicKeyFile),
      },
      'local mode does not call IVS: import this public key into IVS to play private channels with these tokens',
    );
    return toPair(entry);
  }

  async deleteKeyPair(pair: RegisteredKeyPair): Promise<void> {
    if (pair.keyId === undefined) {
      throw new ServiceError(
        'INTERNAL',
        `refusing to delete key pair ${pair.name}: it is not managed by this service`,
      );
    }
    const entries = await this.#read();
    if (!entries.some((entry) => entry.keyId === pair.keyId)) return;
    await this.#write(entries.filter((entry) => entry.keyId !== pair.keyId));
    this.#logger.info(
      {
        keyId: pair.keyId,
        deleteCommand: `aws ivs delete-playback-key-pair --arn <the ARN of key pair ${pair.keyId}>`,
      },
      'local mode does not call IVS: if you imported this key pair, delete it from IVS now',
    );
  }

  async #read(): Promise<OfflineEntry[]> {
    const entries = await readJsonDocument(this.#path, 'offline registry', (document) => {
      const root = document as { version?: unknown; keyPairs?: unknown };
      if (root?.version !== 1 || !Array.isArray(root.keyPairs))
        throw new Error('expected {"version": 1, "keyPairs": [...]}');
      return root.keyPairs as OfflineEntry[];
    });
    return entries ?? [];
  }

  async #write(entries: readonly OfflineEntry[]): Promise<void> {
    await writeFileAtomic(
      this.#path,
      `${JSON.stringify({ version: 1, keyPairs: entries }, null, 2)}\n`,
      0o644,
    );
  }
}

function toPair(entry: OfflineEntry): RegisteredKeyPair {
  return { arn: undefined, name: entry.keyId, keyId: entry.keyId, fingerprint: undefined };
}

/**
 * The `aws` command that imports the key as the service would: same name, same tags. The tags use
 * the CLI's shorthand (`key=value,…`; tag keys may hold `:`), which needs no quotes, so the command
 * still works when copied out of a JSON log line, where quotes would arrive escaped.
 */
function importCommand(keyId: string, publicKeyFile: string): string {
  const tags = Object.entries(keyPairTags(keyId))
    .map(([key, value]) => `${key}=${value}`)
    .join(',');
  return `aws ivs import-playback-key-pair --name ${keyId} --public-key-material file://${publicKeyFile} --tags ${tags}`;
}
