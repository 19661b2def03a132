import { createHash } from 'node:crypto';
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretVersionIdsCommand,
  PutSecretValueCommand,
  type SecretsManagerClient,
  TagResourceCommand,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { ServiceError } from '../../domain/errors.js';
import { MANAGED_BY_TAG, MANAGED_BY_VALUE } from '../../domain/key-pair-tags.js';
import type { KeySet, KeyStore } from '../../domain/ports.js';
import {
  type AdoptionRole,
  isValidKeyId,
  type KeyState,
  type NewSigningKey,
  PrivateKeyPem,
  type SigningKeyInfo,
  type StoredSigningKey,
  toKeyInfo,
} from '../../domain/signing-key.js';
import { isAwsError, translateAwsError } from './aws-error.js';

const AWSCURRENT = 'AWSCURRENT';
const AWSPREVIOUS = 'AWSPREVIOUS';
const AWSPENDING = 'AWSPENDING';
/** Secret tags (`<keyId>@<ISO time>`) carrying what a version's value cannot: when states changed. */
const CURRENT_SINCE_TAG = 'ivs-playback-auth:current-since';
const PREVIOUS_SINCE_TAG = 'ivs-playback-auth:previous-since';
/** The previous key's own `current-since`, carried over when it stops being current. */
const PREVIOUS_CURRENT_SINCE_TAG = 'ivs-playback-auth:previous-current-since';
/** Only the latest retirement is remembered; older retired keys list without a retiredAt. */
const RETIRED_TAG = 'ivs-playback-auth:last-retired';
/** The secret carries the same ownership tag as the key pairs (domain/key-pair-tags.ts). */
const SECRET_OWNER_TAG = { Key: MANAGED_BY_TAG, Value: MANAGED_BY_VALUE };
/** The `format` field of every secret value this service writes. */
export const SECRET_VALUE_FORMAT = 'ivs-playback-auth/signing-key';

/** The value of the secret's first version: holds no key, only keeps AWSCURRENT off real keys. */
const PLACEHOLDER = JSON.stringify({ format: SECRET_VALUE_FORMAT, version: 1, placeholder: true });

/** One secret version's value: see README, "Secrets Manager secret format". */
interface KeyValue {
  readonly placeholder?: false;
  readonly keyId: string;
  readonly fingerprint: string;
  readonly publicKeyPem: string;
  readonly privateKey: PrivateKeyPem;
  readonly createdAt: Date;
  readonly adoptedAt?: Date | undefined;
  readonly adoptedAs?: AdoptionRole | undefined;
}

type SecretValue = KeyValue | { readonly placeholder: true; readonly keyId?: undefined };

interface SecretState {
  /** versionId → staging labels */
  readonly stages: ReadonlyMap<string, readonly string[]>;
  readonly tags: ReadonlyMap<string, string>;
}

type Client = Pick<SecretsManagerClient, 'send'>;

/**
 * Production key custody: one secret (`SECRET_ID`) whose versions hold the keys, with Secrets
 * Manager's staging labels as their states: AWSCURRENT = current, AWSPREVIOUS = previous,
 * AWSPENDING (on another version) = pending; unlabelled versions are retired keys.
 *
 * - Versions are immutable, so each value is fetched once and cached: a refresh costs one
 *   DescribeSecret.
 * - A pending key is staged with a ClientRequestToken derived from the current key, so two
 *   replicas that both try to start a rotation from the same key collide in Secrets Manager and
 *   exactly one wins (the other gets ROTATION_IN_PROGRESS).
 * - Secrets Manager labels a secret's first version AWSCURRENT whatever was asked, so the first
 *   start creates the secret with a placeholder value ("no key yet") and then stages the first key
 *   as pending: even the first key is never AWSCURRENT before it is imported into IVS.
 */
export class SecretsManagerKeyStore implements KeyStore {
  readonly kind = 'secrets-manager';
  readonly #client: Client;
  readonly #secretId: string;
  readonly #values = new Map<string, SecretValue>();

  constructor(options: { client: Client; secretId: string }) {
    this.#client = options.client;
    this.#secretId = options.secretId;
  }

  async readKeys(): Promise<KeySet> {
    const state = await this.#describe();
    if (!state) return {};
    const current = versionWith(state, AWSCURRENT);
    const previous = versionWith(state, AWSPREVIOUS);
    const pending = versionWith(state, AWSPENDING);
    const [currentKey, previousKey, pendingKey] = await Promise.all([
      current ? this.#stored(current, 'current', state) : undefined,
      previous ? this.#stored(previous, 'previous', state) : undefined,
      // A version keeps AWSPENDING after its promotion (as AWS leaves it), or after it settled as
      // previous until the label is removed: it is pending only on a version in no other state.
      pending && pending !== current && pending !== previous
        ? this.#stored(pending, 'pending', state)
        : undefined,
    ]);
    return { current: currentKey, previous: previousKey, pending: pendingKey };
  }

  async stagePending(key: NewSigningKey, options: { requestToken?: string } = {}): Promise<void> {
    let state = await this.#describe();
    if (!state) {
      await this.#createEmptySecret();
      state = (await this.#describe()) ?? { stages: new Map(), tags: new Map() };
    }
    const current = versionWith(state, AWSCURRENT);
    const pending = versionWith(state, AWSPENDING);
    if (pending && pending !== current && pending !== versionWith(state, AWSPREVIOUS)) {
      const staged = await this.#value(pending);
      if (staged.keyId === key.keyId) return;
      throw new ServiceError('ROTATION_IN_PROGRESS', `key ${staged.keyId} is already pending`, {
        retryAfterSeconds: 5,
      });
    }
    const currentKeyId = (current ? (await this.#value(current)).keyId : undefined) ?? 'first-key';
    const token = options.requestToken ?? rotationToken(currentKeyId);
    try {
      await this.#client.send(
        new PutSecretValueCommand({
          SecretId: this.#secretId,
          ClientRequestToken: token,
          SecretString: serialize(key),
          VersionStages: [AWSPENDING],
        }),
      );
    } catch (error) {
      if (isAwsError(error, 'ResourceExistsException')) {
        throw new ServiceError(
          'ROTATION_IN_PROGRESS',
          `another replica has started a rotation from key ${currentKeyId}; try again when it has finished`,
          { retryAfterSeconds: 5, cause: error },
        );
      }
      throw translateAwsError(error, 'Secrets Manager PutSecretValue');
    }
  }

  async promotePending(keyId: string, at: Date): Promise<void> {
    const state = await this.#requireSecret();
    const current = versionWith(state, AWSCURRENT);
    const pending = versionWith(state, AWSPENDING);
    const previous = versionWith(state, AWSPREVIOUS);
    const currentKeyId = current ? (await this.#value(current)).keyId : undefined;
    const previousKeyId = previous ? (await this.#value(previous)).keyId : undefined;
    if (currentKeyId !== keyId) {
      if (!pending || (await this.#value(pending)).keyId !== keyId) {
        throw new ServiceError('KEY_STORE_CORRUPT', `key ${keyId} is not pending in ${this.#secretId}`);
      }
      // Moving AWSCURRENT makes Secrets Manager move AWSPREVIOUS to the version it left.
      await this.#moveStage(AWSCURRENT, pending, current);
      const wasCurrentSince = parseStamp(state.tags.get(CURRENT_SINCE_TAG));
      await this.#tag({
        [CURRENT_SINCE_TAG]: stamp(keyId, at),
        ...(currentKeyId ? { [PREVIOUS_SINCE_TAG]: stamp(currentKeyId, at) } : {}),
        ...(currentKeyId && wasCurrentSince?.keyId === currentKeyId
          ? { [PREVIOUS_CURRENT_SINCE_TAG]: stamp(currentKeyId, wasCurrentSince.at) }
          : {}),
        ...(previousKeyId ? { [RETIRED_TAG]: stamp(previousKeyId, at) } : {}),
      });
    }
    // A finished rotation leaves AWSPENDING on no version.
    const after = await this.#requireSecret();
    const stillPending = versionWith(after, AWSPENDING);
    if (stillPending) await this.#moveStage(AWSPENDING, undefined, stillPending);
  }

  async settlePendingAsPrevious(keyId: string, at: Date): Promise<void> {
    const state = await this.#requireSecret();
    const previous = versionWith(state, AWSPREVIOUS);
    const pending = versionWith(state, AWSPENDING);
    const previousKeyId = previous ? (await this.#value(previous)).keyId : undefined;
    if (previousKeyId !== keyId) {
      if (
        !pending ||
        pending === versionWith(state, AWSCURRENT) ||
        (await this.#value(pending)).keyId !== keyId
      ) {
        throw new ServiceError('KEY_STORE_CORRUPT', `key ${keyId} is not pending in ${this.#secretId}`);
      }
      if (previousKeyId !== undefined) {
        throw new ServiceError(
          'KEY_STORE_CORRUPT',
          `key ${keyId} cannot become previous: ${previousKeyId} is previous in ${this.#secretId}`,
        );
      }
      // The drain start first: a crash before the label moves leaves a tag naming a pending key,
      // which nothing reads; the other order would leave a previous key without a drain start.
      await this.#tag({ [PREVIOUS_SINCE_TAG]: stamp(keyId, at) });
      // AWSPREVIOUS may sit on the placeholder (the first key's promotion put it there).
      await this.#moveStage(AWSPREVIOUS, pending, previous);
    }
    const after = await this.#requireSecret();
    const stillPending = versionWith(after, AWSPENDING);
    if (stillPending) await this.#moveStage(AWSPENDING, undefined, stillPending);
  }

  async retirePrevious(keyId: string, at: Date): Promise<void> {
    const state = await this.#requireSecret();
    const previous = versionWith(state, AWSPREVIOUS);
    if (!previous || (await this.#value(previous)).keyId !== keyId) return;
    await this.#moveStage(AWSPREVIOUS, undefined, previous);
    await this.#tag({ [RETIRED_TAG]: stamp(keyId, at) });
  }

  async markDeactivated(keyId: string, at: Date): Promise<void> {
    const state = await this.#requireSecret();
    if (parseStamp(state.tags.get(PREVIOUS_SINCE_TAG))?.keyId === keyId) return;
    await this.#tag({ [PREVIOUS_SINCE_TAG]: stamp(keyId, at) });
  }

  async listHistory(): Promise<readonly SigningKeyInfo[]> {
    const state = await this.#describe();
    if (!state) return [];
    const versionIds: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.#call('ListSecretVersionIds', () =>
        this.#client.send(
          new ListSecretVersionIdsCommand({
            SecretId: this.#secretId,
            IncludeDeprecated: true,
            NextToken: nextToken,
          }),
        ),
      );
      versionIds.push(
        ...(page.Versions ?? []).flatMap((version) => (version.VersionId ? [version.VersionId] : [])),
      );
      nextToken = page.NextToken;
    } while (nextToken);
    const keys = await Promise.all(
      versionIds.map(async (versionId) => {
        const labels = state.stages.get(versionId) ?? [];
        const stateOf: KeyState = labels.includes(AWSCURRENT)
          ? 'current'
          : labels.includes(AWSPREVIOUS)
            ? 'previous'
            : labels.includes(AWSPENDING)
              ? 'pending'
              : 'retired';
        const stored = await this.#stored(versionId, stateOf, state);
        if (!stored) return [];
        return [toKeyInfo(stored)];
      }),
    );
    return keys.flat();
  }

  /** The key in that version, or undefined for the placeholder. */
  async #stored(
    versionId: string,
    state: KeyState,
    secret: SecretState,
  ): Promise<StoredSigningKey | undefined> {
    const value = await this.#value(versionId);
    if (value.placeholder) return undefined;
    const currentSince = parseStamp(secret.tags.get(CURRENT_SINCE_TAG));
    const previousCurrentSince = parseStamp(secret.tags.get(PREVIOUS_CURRENT_SINCE_TAG));
    const previousSince = parseStamp(secret.tags.get(PREVIOUS_SINCE_TAG));
    const retired = parseStamp(secret.tags.get(RETIRED_TAG));
    return {
      keyId: value.keyId,
      state,
      fingerprint: value.fingerprint,
      publicKeyPem: value.publicKeyPem,
      privateKey: value.privateKey,
      createdAt: value.createdAt,
      adoptedAt: value.adoptedAt,
      adoptedAs: value.adoptedAs,
      activatedAt:
        currentSince?.keyId === value.keyId
          ? currentSince.at
          : previousCurrentSince?.keyId === value.keyId
            ? previousCurrentSince.at
            : undefined,
      deactivatedAt: previousSince?.keyId === value.keyId ? previousSince.at : undefined,
      retiredAt: state === 'retired' && retired?.keyId === value.keyId ? retired.at : undefined,
    };
  }

  async #value(versionId: string): Promise<SecretValue> {
    const cached = this.#values.get(versionId);
    if (cached) return cached;
    const response = await this.#call('GetSecretValue', () =>
      this.#client.send(new GetSecretValueCommand({ SecretId: this.#secretId, VersionId: versionId })),
    );
    const value = parseValue(response.SecretString, `${this.#secretId} version ${versionId}`);
    this.#values.set(versionId, value);
    return value;
  }

  async #describe(): Promise<SecretState | undefined> {
    try {
      const response = await this.#client.send(new DescribeSecretCommand({ SecretId: this.#secretId }));
      return {
        stages: new Map(Object.entries(response.VersionIdsToStages ?? {})),
        tags: new Map(
          (response.Tags ?? []).flatMap((tag) => (tag.Key ? [[tag.Key, tag.Value ?? ''] as const] : [])),
        ),
      };
    } catch (error) {
      if (isAwsError(error, 'ResourceNotFoundException')) return undefined;
      throw translateAwsError(error, 'Secrets Manager DescribeSecret');
    }
  }

  async #requireSecret(): Promise<SecretState> {
    const state = await this.#describe();
    if (!state) throw new ServiceError('KEY_STORE_CORRUPT', `the secret ${this.#secretId} does not exist`);
    return state;
  }

  async #createEmptySecret(): Promise<void> {
    try {
      await this.#client.send(
        new CreateSecretCommand({
          Name: this.#secretId,
          Description:
            'ECDSA P-384 playback signing keys of ivs-playback-auth (managed; do not edit by hand)',
          SecretString: PLACEHOLDER,
          Tags: [SECRET_OWNER_TAG],
        }),
      );
    } catch (error) {
      // Another replica created it first: fine, both go on with the same secret.
      if (!isAwsError(error, 'ResourceExistsException'))
        throw translateAwsError(error, 'Secrets Manager CreateSecret');
    }
  }

  /**
   * Moves or removes a staging label. If the reply to an earlier attempt was lost, the SDK's retry
   * finds the label already moved and Secrets Manager refuses it; when the secret is already as
   * asked, that counts as success, so promotion and retirement stay safe to repeat.
   */
  async #moveStage(stage: string, to: string | undefined, from: string | undefined): Promise<void> {
    try {
      await this.#client.send(
        new UpdateSecretVersionStageCommand({
          SecretId: this.#secretId,
          VersionStage: stage,
          ...(to ? { MoveToVersionId: to } : {}),
          ...(from ? { RemoveFromVersionId: from } : {}),
        }),
      );
    } catch (error) {
      if (isAwsError(error, 'InvalidParameterException', 'InvalidRequestException')) {
        const state = await this.#describe();
        const holder = state ? versionWith(state, stage) : undefined;
        if (to ? holder === to : holder !== from) return;
      }
      throw translateAwsError(error, 'Secrets Manager UpdateSecretVersionStage');
    }
  }

  async #tag(tags: Record<string, string>): Promise<void> {
    await this.#call('TagResource', () =>
      this.#client.send(
        new TagResourceCommand({
          SecretId: this.#secretId,
          Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
        }),
      ),
    );
  }

  async #call<T>(operation: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      throw translateAwsError(error, `Secrets Manager ${operation}`);
    }
  }
}

function versionWith(state: SecretState, stage: string): string | undefined {
  for (const [versionId, stages] of state.stages) if (stages.includes(stage)) return versionId;
  return undefined;
}

/** 32–64 characters, the same for every replica rotating away from the same key. */
function rotationToken(fromKeyId: string): string {
  return `rotate-${createHash('sha256').update(fromKeyId).digest('hex').slice(0, 48)}`;
}

function stamp(keyId: string, at: Date): string {
  return `${keyId}@${at.toISOString()}`;
}

function parseStamp(value: string | undefined): { keyId: string; at: Date } | undefined {
  const match = value === undefined ? null : /^([a-zA-Z0-9-]+)@(.+)$/.exec(value);
  const at = match?.[2] === undefined ? Number.NaN : Date.parse(match[2]);
  return match?.[1] && !Number.isNaN(at) ? { keyId: match[1], at: new Date(at) } : undefined;
}

export function serialize(key: NewSigningKey): string {
  return JSON.stringify({
    format: SECRET_VALUE_FORMAT,
    version: 1,
    keyId: key.keyId,
    algorithm: 'ES384',
    fingerprint: key.fingerprint,
    createdAt: key.createdAt.toISOString(),
    ...(key.adoptedAt ? { adoptedAt: key.adoptedAt.toISOString(), adoptedAs: key.adoptedAs } : {}),
    publicKeyPem: key.publicKeyPem,
    privateKeyPem: key.privateKey.reveal(),
  });
}

function parseValue(text: string | undefined, where: string): SecretValue {
  const corrupt = (why: string) =>
    new ServiceError(
      'KEY_STORE_CORRUPT',
      `${where} is not a signing key written by ivs-playback-auth: ${why}`,
    );
  let value: Record<string, unknown>;
  try {
    value = JSON.parse(text ?? '') as Record<string, unknown>;
  } catch {
    throw corrupt('not JSON');
  }
  if (value['format'] !== SECRET_VALUE_FORMAT || value['version'] !== 1)
    throw corrupt('unknown format or version');
  if (value['placeholder'] === true) return { placeholder: true };
  const { keyId, fingerprint, publicKeyPem, privateKeyPem, createdAt, adoptedAt, adoptedAs } = value;
  if (typeof keyId !== 'string' || !isValidKeyId(keyId)) throw corrupt('bad keyId');
  if (
    typeof fingerprint !== 'string' ||
    typeof publicKeyPem !== 'string' ||
    typeof privateKeyPem !== 'string'
  ) {
    throw corrupt('missing key material');
  }
  const created = typeof createdAt === 'string' ? new Date(createdAt) : new Date(Number.NaN);
  if (Number.isNaN(created.getTime())) throw corrupt('bad createdAt');
  // An adopted key (`keys adopt`) says when, and into which state; keys made here carry neither.
  const adopted = typeof adoptedAt === 'string' ? new Date(adoptedAt) : undefined;
  if (adoptedAt !== undefined && (adopted === undefined || Number.isNaN(adopted.getTime())))
    throw corrupt('bad adoptedAt');
  if (adoptedAs !== undefined && adoptedAs !== 'current' && adoptedAs !== 'previous')
    throw corrupt('bad adoptedAs');
  return {
    keyId,
    fingerprint,
    publicKeyPem,
    privateKey: new PrivateKeyPem(privateKeyPem),
    createdAt: created,
    adoptedAt: adopted,
    adoptedAs: adoptedAs as AdoptionRole | undefined,
  };
}
