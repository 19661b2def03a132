import { resolve } from 'node:path';
import { ServiceError } from '../../domain/errors.js';
import { keyPairTags } from '../../domain/key-pair-tags.js';
import type { Clock, Logger, PlaybackKeyRegistry, RegisteredKeyPair } from '../../domain/ports.js';
import { isAdoptedKeyId, KEY_ID_PATTERN } from '../../domain/signing-key.js';
import { readJsonDocument, writeFileAtomic } from './atomic-file.js';
import { shapeCheck, versionedList } from './json-shape.js';

interface OfflineEntry {
  readonly keyId: string;
  /** The IVS region the key was "published" in; absent when no IVS_REGIONS are set. */
  readonly region?: string;
  readonly publishedAt: string;
}

/**
 * Local mode: no IVS calls. "Publishing" a key records it in `<KEYS_DIR>/offline-registry.json` and
 * logs the exact `aws ivs` command that imports it, so a developer can use the tokens against a
 * real channel. It keeps the IVS limit of 3 key pairs, so local rotation behaves like production.
 * With IVS_REGIONS there is one instance per region, sharing the file: each sees its own entries and
 * prints commands for its own region.
 */
export class OfflinePlaybackKeyRegistry implements PlaybackKeyRegistry {
  readonly kind = 'offline';
  readonly slotLimit = 3;
  readonly region: string | undefined;
  readonly #path: string;
  readonly #publicKeyPath: (keyId: string) => string;
  readonly #logger: Logger;
  readonly #clock: Clock;

  constructor(options: {
    path: string;
    publicKeyPath: (keyId: string) => string;
    logger: Logger;
    clock: Clock;
    /** The served region this instance stands for; undefined when no IVS_REGIONS are set. */
    region?: string | undefined;
  }) {
    this.region = options.region;
    this.#path = options.path;
    this.#publicKeyPath = options.publicKeyPath;
    this.#logger = options.logger;
    this.#clock = options.clock;
  }

  async list(): Promise<readonly RegisteredKeyPair[]> {
    return (await this.#read()).filter((entry) => this.#mine(entry)).map(toPair);
  }

  async importKey(key: { keyId: string; publicKeyPem: string }): Promise<RegisteredKeyPair> {
    const entries = await this.#read();
    const existing = entries.find((entry) => this.#mine(entry) && entry.keyId === key.keyId);
    if (existing) return toPair(existing);
    const publicKeyFile = resolve(this.#publicKeyPath(key.keyId));
    await writeFileAtomic(publicKeyFile, key.publicKeyPem, 0o644);
    const entry: OfflineEntry = {
      keyId: key.keyId,
      ...(this.region === undefined ? {} : { region: this.region }),
      publishedAt: this.#clock().toISOString(),
    };
    await this.#write([...entries, entry]);
    this.#logger.info(
      {
        keyId: key.keyId,
        region: this.region,
        publicKeyFile,
        importCommand: importCommand(key.keyId, publicKeyFile, this.region),
        // An adopted key is usually in IVS already (imported by hand): then its pair is tagged instead.
        ...(isAdoptedKeyId(key.keyId) ? { tagCommand: tagCommand(key.keyId, this.region) } : {}),
      },
      isAdoptedKeyId(key.keyId)
        ? 'local mode does not call IVS: if IVS already holds this adopted key, tag its key pair (tagCommand); otherwise import it (importCommand)'
        : 'local mode does not call IVS: import this public key into IVS to play private channels with these tokens',
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
    const gone = (entry: OfflineEntry) => this.#mine(entry) && entry.keyId === pair.keyId;
    if (!entries.some(gone)) return;
    await this.#write(entries.filter((entry) => !gone(entry)));
    this.#logger.info(
      {
        keyId: pair.keyId,
        region: this.region,
        deleteCommand: `aws ivs delete-playback-key-pair${regionOption(this.region)} --arn <the ARN of key pair ${pair.keyId}>`,
      },
      'local mode does not call IVS: if you imported this key pair, delete it from IVS now',
    );
  }

  /** Local mode keeps no fingerprints: its entries are all this service's own keys. */
  async fingerprintOf(): Promise<string | undefined> {
    return undefined;
  }

  /** Local mode lists no foreign key pairs, so there is never one to claim. */
  async claimKeyPair(pair: RegisteredKeyPair): Promise<RegisteredKeyPair> {
    throw new ServiceError(
      'INTERNAL',
      `local mode lists no key pairs it did not make, so it cannot take over ${pair.name}`,
    );
  }

  #mine(entry: OfflineEntry): boolean {
    return entry.region === this.region;
  }

  async #read(): Promise<OfflineEntry[]> {
    const entries = await readJsonDocument(
      this.#path,
      'offline registry',
      (document) => checkOfflineRegistry(document).keyPairs,
    );
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

const checkOfflineRegistry = shapeCheck<{ version: 1; keyPairs: OfflineEntry[] }>(
  versionedList('keyPairs', {
    type: 'object',
    required: ['keyId', 'publishedAt'],
    properties: {
      keyId: { type: 'string', pattern: KEY_ID_PATTERN },
      region: { type: 'string' },
      publishedAt: { type: 'string', format: 'date-time' },
    },
  }),
);

function toPair(entry: OfflineEntry): RegisteredKeyPair {
  return {
    region: entry.region,
    arn: undefined,
    name: entry.keyId,
    keyId: entry.keyId,
    fingerprint: undefined,
  };
}

function regionOption(region: string | undefined): string {
  return region === undefined ? '' : ` --region ${region}`;
}

/**
 * The `aws` command that imports the key as the service would: same name, same tags. The tags use
 * the CLI's shorthand (`key=value,…`; tag keys may hold `:`), which needs no quotes, so the command
 * still works when copied out of a JSON log line, where quotes would arrive escaped.
 */
function importCommand(keyId: string, publicKeyFile: string, region: string | undefined): string {
  const tags = Object.entries(keyPairTags(keyId))
    .map(([key, value]) => `${key}=${value}`)
    .join(',');
  return `aws ivs import-playback-key-pair${regionOption(region)} --name ${keyId} --public-key-material file://${publicKeyFile} --tags ${tags}`;
}

/** The `aws` command that tags the key pair already holding an adopted key, as `keys adopt` does in IVS. */
function tagCommand(keyId: string, region: string | undefined): string {
  const tags = Object.entries(keyPairTags(keyId))
    .map(([key, value]) => `${key}=${value}`)
    .join(',');
  return `aws ivs tag-resource${regionOption(region)} --resource-arn <the ARN of the key pair you imported> --tags ${tags}`;
}
