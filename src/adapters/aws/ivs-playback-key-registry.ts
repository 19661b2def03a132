import {
  DeletePlaybackKeyPairCommand,
  GetPlaybackKeyPairCommand,
  ImportPlaybackKeyPairCommand,
  type IvsClient,
  ListPlaybackKeyPairsCommand,
  type PlaybackKeyPairSummary,
  TagResourceCommand,
} from '@aws-sdk/client-ivs';
import { isServiceError, ServiceError } from '../../domain/errors.js';
import {
  KEY_ID_TAG,
  keyPairTags,
  MANAGED_BY_TAG,
  MANAGED_BY_VALUE,
  ownKeyId,
} from '../../domain/key-pair-tags.js';
import type { Logger, PlaybackKeyRegistry, RegisteredKeyPair } from '../../domain/ports.js';
import { isAwsError, translateAwsError } from './aws-error.js';

export { KEY_ID_TAG, MANAGED_BY_TAG, MANAGED_BY_VALUE } from '../../domain/key-pair-tags.js';

export interface IvsPlaybackKeyRegistryOptions {
  readonly client: Pick<IvsClient, 'send'>;
  readonly logger: Logger;
  /** The region `client` calls (one registry per served region); named in errors and listings. */
  readonly region?: string | undefined;
  /** ListPlaybackKeyPairs `maxResults` (1–100); default 100. Every page is always read. */
  readonly pageSize?: number;
}

type Tags = Readonly<Record<string, string>> | undefined;

/**
 * The production PlaybackKeyRegistry: IVS playback key pairs in the client's account and region.
 *
 * A key pair is ours when it carries `managed-by: ivs-playback-auth` and `ivs-playback-auth:key-id:
 * <keyId>`; only such pairs are ever deleted, and their tags are re-read from IVS just before. Import
 * is idempotent (the key id tag is looked up first, and a ConflictException after a lost reply is
 * resolved the same way). Fingerprints come from GetPlaybackKeyPair, which ListPlaybackKeyPairs
 * lacks; they are fetched for our pairs only and remembered per ARN, since a key pair can never
 * change, so listing costs one Get per pair per process lifetime at most (IVS allows 3 calls a
 * second per key-pair operation). Foreign pairs are listed without a fingerprint.
 */
export class IvsPlaybackKeyRegistry implements PlaybackKeyRegistry {
  readonly kind = 'ivs';
  readonly region: string | undefined;
  readonly slotLimit = 3;
  readonly #client: Pick<IvsClient, 'send'>;
  readonly #logger: Logger;
  readonly #pageSize: number;
  readonly #fingerprints = new Map<string, string>();

  constructor(options: IvsPlaybackKeyRegistryOptions) {
    const pageSize = options.pageSize ?? 100;
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 100) {
      throw new RangeError('pageSize must be an integer from 1 to 100');
    }
    this.region = options.region;
    this.#client = options.client;
    this.#logger = options.logger;
    this.#pageSize = pageSize;
  }

  async list(): Promise<readonly RegisteredKeyPair[]> {
    const summaries = await this.#listAll();
    return Promise.all(summaries.map((summary) => this.#toPair(summary)));
  }

  async importKey(key: {
    readonly keyId: string;
    readonly publicKeyPem: string;
  }): Promise<RegisteredKeyPair> {
    const existing = await this.#findOurs(key.keyId);
    if (existing) return existing;
    try {
      const { keyPair } = await this.#client.send(
        new ImportPlaybackKeyPairCommand({
          publicKeyMaterial: key.publicKeyPem,
          name: key.keyId,
          tags: { ...keyPairTags(key.keyId) },
        }),
      );
      if (keyPair?.arn === undefined) {
        throw new ServiceError(
          'DEPENDENCY_UNAVAILABLE',
          'IVS ImportPlaybackKeyPair answered without a key pair',
          {
            retryAfterSeconds: 5,
            details: { operation: 'IVS ImportPlaybackKeyPair' },
          },
        );
      }
      if (keyPair.fingerprint !== undefined) this.#fingerprints.set(keyPair.arn, keyPair.fingerprint);
      this.#logger.info(
        { keyId: key.keyId, arn: keyPair.arn, region: this.region },
        'playback key pair imported into IVS',
      );
      return {
        region: this.region,
        arn: keyPair.arn,
        name: keyPair.name ?? key.keyId,
        keyId: key.keyId,
        fingerprint: keyPair.fingerprint,
      };
    } catch (error) {
      if (isServiceError(error)) throw error;
      if (isAwsError(error, 'ConflictException')) return this.#resolveConflict(key.keyId, error);
      if (isAwsError(error, 'ServiceQuotaExceededException')) throw await this.#noFreeSlot(error);
      throw translateAwsError(error, 'IVS ImportPlaybackKeyPair', 5, this.region);
    }
  }

  async deleteKeyPair(pair: RegisteredKeyPair): Promise<void> {
    if (pair.keyId === undefined || pair.arn === undefined)
      throw notOurs(pair, 'it is not managed by this service');
    // The pair handed in may be stale or mislabelled: delete only what IVS itself tags as ours.
    let tags: Tags;
    try {
      const { keyPair } = await this.#client.send(new GetPlaybackKeyPairCommand({ arn: pair.arn }));
      tags = keyPair?.tags;
    } catch (error) {
      if (isAwsError(error, 'ResourceNotFoundException')) return;
      throw translateAwsError(error, 'IVS GetPlaybackKeyPair', 5, this.region);
    }
    if (ownKeyId(tags) !== pair.keyId) {
      throw notOurs(
        pair,
        `it is not managed by this service as key ${pair.keyId} (its IVS tags say otherwise)`,
      );
    }
    try {
      await this.#client.send(new DeletePlaybackKeyPairCommand({ arn: pair.arn }));
    } catch (error) {
      if (!isAwsError(error, 'ResourceNotFoundException')) {
        throw translateAwsError(error, 'IVS DeletePlaybackKeyPair', 5, this.region);
      }
    }
    this.#fingerprints.delete(pair.arn);
    this.#logger.info({ keyId: pair.keyId, arn: pair.arn }, 'playback key pair deleted from IVS');
  }

  async fingerprintOf(pair: RegisteredKeyPair): Promise<string | undefined> {
    if (pair.arn === undefined) return undefined;
    const known = this.#fingerprints.get(pair.arn);
    if (known !== undefined) return known;
    // Strict, unlike the listing's: adoption decides from it whether a pair holds a key.
    const keyPair = await this.#get(pair.arn);
    if (keyPair?.fingerprint !== undefined) this.#fingerprints.set(pair.arn, keyPair.fingerprint);
    return keyPair?.fingerprint;
  }

  async claimKeyPair(pair: RegisteredKeyPair, keyId: string): Promise<RegisteredKeyPair> {
    if (pair.arn === undefined) throw notOurs(pair, 'it has no ARN', 'tag');
    // Tag only what IVS itself says is not ours under another key (the pair handed in may be stale).
    const keyPair = await this.#get(pair.arn);
    if (!keyPair) {
      throw new ServiceError(
        'DEPENDENCY_UNAVAILABLE',
        `key pair ${pair.name || pair.arn} was deleted from IVS${this.region === undefined ? '' : ` in ${this.region}`} meanwhile; run the command again`,
        { retryAfterSeconds: 1, details: { arn: pair.arn, operation: 'IVS GetPlaybackKeyPair' } },
      );
    }
    const owner = ownKeyId(keyPair.tags);
    if (owner !== undefined && owner !== keyId) {
      throw notOurs(pair, `it is already managed by this service as key ${owner}`, 'tag');
    }
    if (owner === undefined) {
      try {
        await this.#client.send(
          new TagResourceCommand({ resourceArn: pair.arn, tags: { ...keyPairTags(keyId) } }),
        );
      } catch (error) {
        throw translateAwsError(error, 'IVS TagResource', 5, this.region);
      }
      this.#logger.info(
        { keyId, arn: pair.arn, name: pair.name, region: this.region },
        'existing playback key pair tagged as this service’s',
      );
    }
    if (keyPair.fingerprint !== undefined) this.#fingerprints.set(pair.arn, keyPair.fingerprint);
    return {
      region: this.region,
      arn: pair.arn,
      name: keyPair.name ?? pair.name,
      keyId,
      fingerprint: keyPair.fingerprint,
    };
  }

  /** GetPlaybackKeyPair; undefined when the pair does not exist. */
  async #get(
    arn: string,
  ): Promise<
    | { readonly name?: string | undefined; readonly fingerprint?: string | undefined; readonly tags?: Tags }
    | undefined
  > {
    try {
      const { keyPair } = await this.#client.send(new GetPlaybackKeyPairCommand({ arn }));
      return keyPair ?? undefined;
    } catch (error) {
      if (isAwsError(error, 'ResourceNotFoundException')) return undefined;
      throw translateAwsError(error, 'IVS GetPlaybackKeyPair', 5, this.region);
    }
  }

  async #listAll(): Promise<PlaybackKeyPairSummary[]> {
    const summaries: PlaybackKeyPairSummary[] = [];
    let nextToken: string | undefined;
    try {
      do {
        const page = await this.#client.send(
          new ListPlaybackKeyPairsCommand({
            maxResults: this.#pageSize,
            ...(nextToken === undefined ? {} : { nextToken }),
          }),
        );
        summaries.push(...(page.keyPairs ?? []));
        nextToken = page.nextToken === '' ? undefined : page.nextToken;
      } while (nextToken !== undefined);
    } catch (error) {
      throw translateAwsError(error, 'IVS ListPlaybackKeyPairs', 5, this.region);
    }
    return summaries;
  }

  async #findOurs(keyId: string): Promise<RegisteredKeyPair | undefined> {
    const summary = (await this.#listAll()).find((candidate) => ownKeyId(candidate.tags) === keyId);
    return summary && this.#toPair(summary);
  }

  async #toPair(summary: PlaybackKeyPairSummary): Promise<RegisteredKeyPair> {
    const keyId = ownKeyId(summary.tags);
    const arn = summary.arn;
    return {
      region: this.region,
      arn,
      name: summary.name ?? '',
      keyId,
      fingerprint: keyId === undefined || arn === undefined ? undefined : await this.#fingerprint(arn),
    };
  }

  /** Fingerprints are informative, so a failure to read one leaves it undefined rather than failing the listing. */
  async #fingerprint(arn: string): Promise<string | undefined> {
    const known = this.#fingerprints.get(arn);
    if (known !== undefined) return known;
    try {
      const { keyPair } = await this.#client.send(new GetPlaybackKeyPairCommand({ arn }));
      if (keyPair?.fingerprint !== undefined) this.#fingerprints.set(arn, keyPair.fingerprint);
      return keyPair?.fingerprint;
    } catch (error) {
      if (!isAwsError(error, 'ResourceNotFoundException')) {
        const failure = translateAwsError(error, 'IVS GetPlaybackKeyPair', 5, this.region);
        this.#logger.warn(
          { arn, ...failure.details },
          `listing key pairs without a fingerprint: ${failure.message}`,
        );
      }
      return undefined;
    }
  }

  /**
   * IVS reports a public key that is already imported as a conflict. After a lost reply (the SDK
   * retried an import that had taken effect) the pair is ours and the import succeeded; a pair
   * without our tags holding the same key is something an operator must sort out.
   */
  async #resolveConflict(keyId: string, cause: unknown): Promise<RegisteredKeyPair> {
    const ours = await this.#findOurs(keyId);
    if (ours) return ours;
    throw new ServiceError(
      'INTERNAL',
      `the public key of ${keyId} is already imported into IVS as a key pair this service does not manage; ` +
        `tag it ${MANAGED_BY_TAG}=${MANAGED_BY_VALUE} and ${KEY_ID_TAG}=${keyId}, or delete it, then rotate again`,
      { cause, details: { keyId } },
    );
  }

  async #noFreeSlot(cause: unknown): Promise<ServiceError> {
    // Naming the pairs in the way is the point of this error, but not worth hiding it behind a second failure.
    const pairs = await this.#listAll().catch(() => []);
    const inTheWay = pairs.map((pair) => ({
      name: pair.name ?? '',
      arn: pair.arn ?? null,
      managedByThisService: ownKeyId(pair.tags) !== undefined,
    }));
    const names = inTheWay.map(
      (pair) =>
        `${pair.name || pair.arn}${pair.managedByThisService ? '' : ' (not managed by this service)'}`,
    );
    const where = this.region === undefined ? '' : ` in ${this.region}`;
    return new ServiceError(
      'NO_FREE_KEY_SLOT',
      `IVS allows ${this.slotLimit} playback key pairs per account and region, and all are taken${where}` +
        `${names.length > 0 ? `: ${names.join(', ')}` : ''}. Delete a key pair this service does not use${where}, then rotate again`,
      {
        cause,
        details: {
          ...(this.region === undefined ? {} : { region: this.region }),
          keyPairs: inTheWay,
          slotLimit: this.slotLimit,
        },
      },
    );
  }
}

function notOurs(pair: RegisteredKeyPair, reason: string, action: 'delete' | 'tag' = 'delete'): ServiceError {
  return new ServiceError('INTERNAL', `refusing to ${action} key pair ${pair.name || pair.arn}: ${reason}`, {
    details: { arn: pair.arn ?? null, name: pair.name },
  });
}
