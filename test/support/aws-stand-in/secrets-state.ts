import { randomUUID } from 'node:crypto';
import type { AwsError } from './aws-error.js';
import { secretsManagerError } from './error-catalog.js';
import { randomAlphanumeric } from './ids.js';

export const AWSCURRENT = 'AWSCURRENT';
export const AWSPREVIOUS = 'AWSPREVIOUS';
export const AWSPENDING = 'AWSPENDING';

/**
 * Secrets Manager keeps the 100 most recent versions of a secret but never drops a version that
 * still has a label or that is younger than 24 hours. The stand-in prunes unlabelled versions older
 * than that when a new version needs room, and answers LimitExceededException when none can go.
 */
export const versionsKeptPerSecret = 100;
const versionMinimumAgeMs = 24 * 60 * 60 * 1000;

export interface SecretTag {
  readonly Key: string;
  readonly Value: string;
}

/** A secret value: exactly one of the two is set. */
export interface SecretValue {
  readonly secretString?: string;
  /** Base64, as it travels in awsJson1_1. */
  readonly secretBinary?: string;
}

export interface SecretVersionRecord extends SecretValue {
  readonly versionId: string;
  /** Staging labels on this version; empty for a deprecated version. */
  readonly stages: readonly string[];
  readonly createdDate: Date;
}

export interface SecretRecord {
  readonly arn: string;
  readonly name: string;
  readonly description?: string;
  readonly kmsKeyId?: string;
  readonly tags: readonly SecretTag[];
  readonly createdDate: Date;
  readonly lastChangedDate: Date;
  /** Set once DeleteSecret scheduled the deletion. */
  readonly deletedDate?: Date;
  /** Every kept version, oldest first, labelled or not. */
  readonly versions: readonly SecretVersionRecord[];
}

/**
 * One change to a secret, in order. `label-moved` records every label change: `fromVersionId`
 * absent means the label was newly attached, `toVersionId` absent means it was removed.
 */
export type SecretHistoryEntry = {
  readonly at: Date;
  readonly secretName: string;
} & (
  | { readonly event: 'secret-created' | 'secret-deleted' }
  | { readonly event: 'version-created' | 'version-pruned'; readonly versionId: string }
  | {
      readonly event: 'label-moved';
      readonly label: string;
      readonly fromVersionId?: string;
      readonly toVersionId?: string;
    }
);

export interface SecretInit {
  readonly name: string;
  readonly secretString?: string;
  readonly secretBinary?: string;
  /** The first version's id; a random UUID when absent. */
  readonly versionId?: string;
  readonly description?: string;
  readonly tags?: readonly SecretTag[];
}

export interface SecretVersionInit {
  readonly secretString?: string;
  readonly secretBinary?: string;
  readonly versionId?: string;
  /** As PutSecretValue's VersionStages: AWSCURRENT when absent. */
  readonly stages?: readonly string[];
}

/** What a test can inspect and seed of the stand-in's Secrets Manager account. Reads return copies. */
export interface SecretsState {
  readonly secrets: readonly SecretRecord[];
  /** Every change to every secret, oldest first. */
  readonly history: readonly SecretHistoryEntry[];
  /** Finds a secret by name, full ARN or partial ARN (without the random suffix). */
  secret(secretId: string): SecretRecord | undefined;
  /** Labelled versions and their labels, as DescribeSecret reports them. */
  versionIdsToStages(secretId: string): Record<string, string[]>;
  /** Creates a secret as CreateSecret would (AWSCURRENT on the first version if a value is given). */
  addSecret(init: SecretInit): SecretRecord;
  /** Adds a version as PutSecretValue would, with the same label moves. */
  addVersion(secretId: string, init: SecretVersionInit): SecretVersionRecord;
}

interface StoredVersion {
  readonly versionId: string;
  readonly value: SecretValue;
  readonly stages: Set<string>;
  readonly createdDate: Date;
}

export interface StoredSecret {
  readonly arn: string;
  readonly name: string;
  readonly description?: string;
  readonly kmsKeyId?: string;
  tags: SecretTag[];
  readonly createdDate: Date;
  lastChangedDate: Date;
  deletedDate?: Date;
  readonly versions: Map<string, StoredVersion>;
}

/** Secrets Manager's documented tag quota per secret (the API model does not state it). */
const maxTagsPerSecret = 50;
const secretNamePattern = /^[A-Za-z0-9/_+=.@-]+$/;

function sameValue(a: SecretValue, b: SecretValue): boolean {
  return a.secretString === b.secretString && a.secretBinary === b.secretBinary;
}

/** Exactly one of SecretString and SecretBinary, as both CreateSecret and PutSecretValue demand. */
export function requireOneValue(value: SecretValue): SecretValue {
  const { secretString, secretBinary } = value;
  if (secretString !== undefined && secretBinary !== undefined) {
    throw secretsManagerError(
      'InvalidParameterException',
      'You can specify SecretString or SecretBinary, but not both',
    );
  }
  if (secretString !== undefined) return { secretString };
  if (secretBinary !== undefined) return { secretBinary };
  throw secretsManagerError(
    'InvalidParameterException',
    'You must provide either SecretString or SecretBinary',
  );
}

function notFound(secretId: string): AwsError {
  return secretsManagerError(
    'ResourceNotFoundException',
    `Secrets Manager can't find the specified secret: ${secretId}`,
  );
}

/** The stand-in's Secrets Manager account in one region, with AWS's version and label rules. */
export class SecretsStore implements SecretsState {
  private readonly stored = new Map<string, StoredSecret>();
  private readonly historyLog: SecretHistoryEntry[] = [];

  constructor(
    private readonly region: string,
    private readonly accountId: string,
    private readonly clock: () => Date,
  ) {}

  get secrets(): readonly SecretRecord[] {
    return [...this.stored.values()].map(snapshotSecret);
  }

  get history(): readonly SecretHistoryEntry[] {
    return this.historyLog.map((entry) => ({ ...entry, at: new Date(entry.at) }));
  }

  secret(secretId: string): SecretRecord | undefined {
    const secret = this.find(secretId);
    return secret && snapshotSecret(secret);
  }

  versionIdsToStages(secretId: string): Record<string, string[]> {
    return versionIdsToStages(this.resolve(secretId));
  }

  addSecret(init: SecretInit): SecretRecord {
    const value =
      init.secretString === undefined && init.secretBinary === undefined
        ? undefined
        : requireOneValue({
            ...(init.secretString === undefined ? {} : { secretString: init.secretString }),
            ...(init.secretBinary === undefined ? {} : { secretBinary: init.secretBinary }),
          });
    const { secret } = this.createSecret({
      name: init.name,
      ...(value === undefined ? {} : { value }),
      versionId: init.versionId ?? randomUUID(),
      ...(init.description === undefined ? {} : { description: init.description }),
      tags: init.tags ?? [],
    });
    return snapshotSecret(secret);
  }

  addVersion(secretId: string, init: SecretVersionInit): SecretVersionRecord {
    const secret = this.resolveLive(secretId);
    const value = requireOneValue(init);
    const { versionId } = this.putValue(secret, {
      versionId: init.versionId ?? randomUUID(),
      value,
      ...(init.stages === undefined ? {} : { stages: init.stages }),
    });
    const version = secret.versions.get(versionId);
    if (!version) throw new Error(`aws-stand-in: version ${versionId} vanished`);
    return snapshotVersion(version);
  }

  /** The secret named by a SecretId, deleted or not; ResourceNotFoundException otherwise. */
  resolve(secretId: string): StoredSecret {
    const secret = this.find(secretId);
    if (!secret) throw notFound(secretId);
    return secret;
  }

  /** As `resolve`, but a secret scheduled for deletion is refused as most operations refuse it. */
  resolveLive(secretId: string): StoredSecret {
    const secret = this.resolve(secretId);
    if (secret.deletedDate) {
      throw secretsManagerError(
        'InvalidRequestException',
        `You can't perform this operation on the secret because it was marked for deletion: ${secret.name}`,
      );
    }
    return secret;
  }

  createSecret(request: {
    name: string;
    value?: SecretValue;
    versionId: string;
    description?: string;
    kmsKeyId?: string;
    tags: readonly SecretTag[];
  }): { secret: StoredSecret; versionId?: string } {
    if (!secretNamePattern.test(request.name)) {
      throw secretsManagerError(
        'InvalidParameterException',
        'Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!',
      );
    }
    const existing = this.findByName(request.name);
    if (existing) return this.repeatCreate(existing, request);
    const tags = mergeTags([], request.tags);
    if (tags.length > maxTagsPerSecret) {
      throw secretsManagerError(
        'InvalidParameterException',
        `A secret can have at most ${maxTagsPerSecret} tags`,
      );
    }
    const now = this.clock();
    const arn = `arn:aws:secretsmanager:${this.region}:${this.accountId}:secret:${request.name}-${randomAlphanumeric(6)}`;
    const secret: StoredSecret = {
      arn,
      name: request.name,
      ...(request.description === undefined ? {} : { description: request.description }),
      ...(request.kmsKeyId === undefined ? {} : { kmsKeyId: request.kmsKeyId }),
      tags,
      createdDate: now,
      lastChangedDate: now,
      versions: new Map(),
    };
    this.stored.set(arn, secret);
    this.log(secret, { event: 'secret-created' });
    if (!request.value) return { secret };
    const { versionId } = this.putValue(secret, { versionId: request.versionId, value: request.value });
    return { secret, versionId };
  }

  /**
   * PutSecretValue's rules. A repeated token with the same value is a no-op (the SDK reuses the
   * token when it retries); with another value it is ResourceExistsException. Each requested label
   * moves to the new version; moving AWSCURRENT moves AWSPREVIOUS to the version it left; the first
   * version of a secret always gets AWSCURRENT.
   */
  putValue(
    secret: StoredSecret,
    request: { versionId: string; value: SecretValue; stages?: readonly string[] },
  ): { versionId: string; stages: string[] } {
    const existing = secret.versions.get(request.versionId);
    if (existing) {
      if (!sameValue(existing.value, request.value)) {
        throw secretsManagerError(
          'ResourceExistsException',
          `A version with VersionId ${request.versionId} already exists with a different value; versions cannot be changed`,
        );
      }
      return { versionId: existing.versionId, stages: [...existing.stages] };
    }
    this.makeRoomForVersion(secret);
    const version: StoredVersion = {
      versionId: request.versionId,
      value: request.value,
      stages: new Set(),
      createdDate: this.clock(),
    };
    const isFirstVersion = secret.versions.size === 0;
    secret.versions.set(version.versionId, version);
    this.log(secret, { event: 'version-created', versionId: version.versionId });
    const stages = new Set(request.stages ?? [AWSCURRENT]);
    if (isFirstVersion) stages.add(AWSCURRENT);
    for (const stage of stages) this.moveLabel(secret, stage, version.versionId);
    secret.lastChangedDate = this.clock();
    return { versionId: version.versionId, stages: [...version.stages] };
  }

  /**
   * UpdateSecretVersionStage's rules: a label already on another version moves only when the
   * caller names that version in RemoveFromVersionId; AWSCURRENT can be moved but not removed.
   */
  updateVersionStage(
    secret: StoredSecret,
    request: { stage: string; moveToVersionId?: string; removeFromVersionId?: string },
  ): void {
    const { stage, moveToVersionId, removeFromVersionId } = request;
    if (moveToVersionId === undefined && removeFromVersionId === undefined) {
      throw secretsManagerError(
        'InvalidParameterException',
        'Specify MoveToVersionId, RemoveFromVersionId, or both',
      );
    }
    for (const versionId of [moveToVersionId, removeFromVersionId]) {
      if (versionId !== undefined && !secret.versions.has(versionId)) {
        throw secretsManagerError(
          'ResourceNotFoundException',
          `Secrets Manager can't find the specified secret version: ${versionId}`,
        );
      }
    }
    const holder = this.labelHolder(secret, stage);
    if (removeFromVersionId !== undefined && removeFromVersionId !== holder) {
      throw secretsManagerError(
        'InvalidParameterException',
        `The staging label ${stage} is not attached to version ${removeFromVersionId}` +
          (holder === undefined ? '' : `; it is attached to ${holder}`),
        // Another replica may have moved the label a moment earlier: state, not a malformed request.
        null,
      );
    }
    if (moveToVersionId === undefined) {
      if (stage === AWSCURRENT) {
        throw secretsManagerError(
          'InvalidParameterException',
          'AWSCURRENT cannot be removed from a version; move it to another version with MoveToVersionId',
        );
      }
      this.moveLabel(secret, stage, undefined);
    } else {
      if (holder !== undefined && holder !== moveToVersionId && removeFromVersionId === undefined) {
        throw secretsManagerError(
          'InvalidParameterException',
          `The staging label ${stage} is currently attached to version ${holder}; to move it, specify that version in RemoveFromVersionId`,
        );
      }
      this.moveLabel(secret, stage, moveToVersionId);
    }
    secret.lastChangedDate = this.clock();
  }

  /** Versions for ListSecretVersionIds, oldest first; unlabelled ones only on request. */
  versionsOf(secret: StoredSecret, includeDeprecated: boolean): SecretVersionRecord[] {
    return [...secret.versions.values()]
      .filter((version) => includeDeprecated || version.stages.size > 0)
      .map(snapshotVersion);
  }

  tag(secret: StoredSecret, tags: readonly SecretTag[]): void {
    const merged = mergeTags(secret.tags, tags);
    if (merged.length > maxTagsPerSecret) {
      throw secretsManagerError(
        'InvalidParameterException',
        `Secret ${secret.name} would have more than ${maxTagsPerSecret} tags`,
      );
    }
    secret.tags = merged;
    secret.lastChangedDate = this.clock();
  }

  untag(secret: StoredSecret, tagKeys: readonly string[]): void {
    secret.tags = secret.tags.filter((tag) => !tagKeys.includes(tag.Key));
    secret.lastChangedDate = this.clock();
  }

  /** Schedules the deletion, or deletes at once when `force` (ForceDeleteWithoutRecovery). */
  delete(secret: StoredSecret, force: boolean): void {
    if (force) this.stored.delete(secret.arn);
    else secret.deletedDate = this.clock();
    this.log(secret, { event: 'secret-deleted' });
  }

  reset(): void {
    this.stored.clear();
    this.historyLog.length = 0;
  }

  private find(secretId: string): StoredSecret | undefined {
    if (!secretId.startsWith('arn:')) return this.findByName(secretId);
    const exact = this.stored.get(secretId);
    if (exact) return exact;
    // A partial ARN leaves out the "-xxxxxx" suffix Secrets Manager appends to the name.
    return [...this.stored.values()].find((secret) => secret.arn.slice(0, -7) === secretId);
  }

  private findByName(name: string): StoredSecret | undefined {
    return [...this.stored.values()].find((secret) => secret.name === name);
  }

  /**
   * CreateSecret on an existing name. AWS documents the token as idempotent ("the request is
   * ignored" when the version exists with the same value), so a retried create succeeds; anything
   * else is ResourceExistsException, or InvalidRequestException while the old secret awaits deletion.
   */
  private repeatCreate(
    existing: StoredSecret,
    request: { name: string; value?: SecretValue; versionId: string },
  ): { secret: StoredSecret; versionId?: string } {
    if (existing.deletedDate) {
      throw secretsManagerError(
        'InvalidRequestException',
        `You can't create this secret because a secret with this name is already scheduled for deletion: ${request.name}`,
      );
    }
    const version = existing.versions.get(request.versionId);
    if (request.value && version && sameValue(version.value, request.value)) {
      return { secret: existing, versionId: version.versionId };
    }
    throw secretsManagerError(
      'ResourceExistsException',
      `The operation failed because the secret ${request.name} already exists`,
    );
  }

  private labelHolder(secret: StoredSecret, label: string): string | undefined {
    for (const version of secret.versions.values()) if (version.stages.has(label)) return version.versionId;
    return undefined;
  }

  /** Puts `label` on one version (or none), keeping each label on at most one version. */
  private moveLabel(secret: StoredSecret, label: string, toVersionId: string | undefined): void {
    const fromVersionId = this.labelHolder(secret, label);
    if (fromVersionId === toVersionId) return;
    if (fromVersionId !== undefined) secret.versions.get(fromVersionId)?.stages.delete(label);
    if (toVersionId !== undefined) secret.versions.get(toVersionId)?.stages.add(label);
    this.log(secret, {
      event: 'label-moved',
      label,
      ...(fromVersionId === undefined ? {} : { fromVersionId }),
      ...(toVersionId === undefined ? {} : { toVersionId }),
    });
    if (label === AWSCURRENT && fromVersionId !== undefined && toVersionId !== undefined) {
      this.moveLabel(secret, AWSPREVIOUS, fromVersionId);
    }
  }

  private makeRoomForVersion(secret: StoredSecret): void {
    const now = this.clock().getTime();
    while (secret.versions.size >= versionsKeptPerSecret) {
      const prunable = [...secret.versions.values()].find(
        (version) => version.stages.size === 0 && now - version.createdDate.getTime() >= versionMinimumAgeMs,
      );
      if (!prunable) {
        throw secretsManagerError(
          'LimitExceededException',
          `Secret ${secret.name} already has ${secret.versions.size} versions and none is old enough (24 h) and unlabelled to be removed`,
        );
      }
      secret.versions.delete(prunable.versionId);
      this.log(secret, { event: 'version-pruned', versionId: prunable.versionId });
    }
  }

  private log(secret: StoredSecret, entry: DistributiveOmit<SecretHistoryEntry, 'at' | 'secretName'>): void {
    this.historyLog.push({ ...entry, at: this.clock(), secretName: secret.name } as SecretHistoryEntry);
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

function mergeTags(current: readonly SecretTag[], added: readonly SecretTag[]): SecretTag[] {
  const byKey = new Map(current.map((tag) => [tag.Key, tag.Value]));
  for (const tag of added) byKey.set(tag.Key, tag.Value);
  return [...byKey].map(([Key, Value]) => ({ Key, Value }));
}

export function versionIdsToStages(secret: StoredSecret): Record<string, string[]> {
  const result: Record<string, string[]> = {};
  for (const version of secret.versions.values()) {
    if (version.stages.size > 0) result[version.versionId] = [...version.stages];
  }
  return result;
}

function snapshotVersion(version: StoredVersion): SecretVersionRecord {
  return {
    versionId: version.versionId,
    ...version.value,
    stages: [...version.stages],
    createdDate: new Date(version.createdDate),
  };
}

function snapshotSecret(secret: StoredSecret): SecretRecord {
  return {
    arn: secret.arn,
    name: secret.name,
    ...(secret.description === undefined ? {} : { description: secret.description }),
    ...(secret.kmsKeyId === undefined ? {} : { kmsKeyId: secret.kmsKeyId }),
    tags: secret.tags.map((tag) => ({ ...tag })),
    createdDate: new Date(secret.createdDate),
    lastChangedDate: new Date(secret.lastChangedDate),
    ...(secret.deletedDate === undefined ? {} : { deletedDate: new Date(secret.deletedDate) }),
    versions: [...secret.versions.values()].map(snapshotVersion),
  };
}
