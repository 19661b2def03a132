import { randomUUID } from 'node:crypto';
import { secretsManagerError } from './error-catalog.js';
import {
  AWSCURRENT,
  requireOneValue,
  type SecretsStore,
  type SecretTag,
  type SecretValue,
  type StoredSecret,
  versionIdsToStages,
} from './secrets-state.js';
import type { SecretsManagerOperationName } from './validation-table.js';

// Input types describe requests that already passed `validateInput` against the table.
type ValueInput = { SecretString?: string; SecretBinary?: string };
type CreateSecretInput = ValueInput & {
  Name: string;
  ClientRequestToken?: string;
  Description?: string;
  KmsKeyId?: string;
  Tags?: Partial<SecretTag>[];
};
type SecretIdInput = { SecretId: string };
type GetSecretValueInput = SecretIdInput & { VersionId?: string; VersionStage?: string };
type PutSecretValueInput = SecretIdInput &
  ValueInput & { ClientRequestToken?: string; VersionStages?: string[] };
type UpdateSecretVersionStageInput = SecretIdInput & {
  VersionStage: string;
  RemoveFromVersionId?: string;
  MoveToVersionId?: string;
};
type ListSecretVersionIdsInput = SecretIdInput & {
  MaxResults?: number;
  NextToken?: string;
  IncludeDeprecated?: boolean;
};
type TagResourceInput = SecretIdInput & { Tags: Partial<SecretTag>[] };
type UntagResourceInput = SecretIdInput & { TagKeys: string[] };
type DeleteSecretInput = SecretIdInput & {
  RecoveryWindowInDays?: number;
  ForceDeleteWithoutRecovery?: boolean;
};

export type SecretsManagerOperationHandler = (input: Readonly<Record<string, unknown>>) => unknown;

const defaultRecoveryWindowDays = 30;
const dayMs = 24 * 60 * 60 * 1000;

/** awsJson1_1 carries timestamps as epoch seconds. */
function epochSeconds(date: Date): number {
  return date.getTime() / 1000;
}

function secretValueOf(input: ValueInput): SecretValue {
  return requireOneValue({
    ...(input.SecretString === undefined ? {} : { secretString: input.SecretString }),
    ...(input.SecretBinary === undefined ? {} : { secretBinary: input.SecretBinary }),
  });
}

function hasValue(input: ValueInput): boolean {
  return input.SecretString !== undefined || input.SecretBinary !== undefined;
}

/** The model leaves Key optional, but a tag without one is meaningless and AWS refuses it. */
function completeTags(tags: readonly Partial<SecretTag>[]): SecretTag[] {
  return tags.map((tag) => {
    if (tag.Key === undefined)
      throw secretsManagerError('InvalidParameterException', 'Every tag needs a Key');
    return { Key: tag.Key, Value: tag.Value ?? '' };
  });
}

function identity(secret: StoredSecret) {
  return { ARN: secret.arn, Name: secret.name };
}

function encodeVersionToken(versionId: string): string {
  return Buffer.from(`after:${versionId}`).toString('base64url');
}

function decodeVersionToken(token: string): string {
  const match = /^after:(.+)$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
  if (!match?.[1])
    throw secretsManagerError(
      'InvalidNextTokenException',
      `NextToken ${token} is not a token this API issued`,
    );
  return match[1];
}

/** The Secrets Manager operations the stand-in implements, each from validated input to the response body. */
export function createSecretsManagerOperations(
  store: SecretsStore,
  clock: () => Date,
): Record<SecretsManagerOperationName, SecretsManagerOperationHandler> {
  return {
    CreateSecret(input) {
      const request = input as CreateSecretInput;
      const { secret, versionId } = store.createSecret({
        name: request.Name,
        ...(hasValue(request) ? { value: secretValueOf(request) } : {}),
        versionId: request.ClientRequestToken ?? randomUUID(),
        ...(request.Description === undefined ? {} : { description: request.Description }),
        ...(request.KmsKeyId === undefined ? {} : { kmsKeyId: request.KmsKeyId }),
        tags: completeTags(request.Tags ?? []),
      });
      return versionId === undefined ? identity(secret) : { ...identity(secret), VersionId: versionId };
    },
    DescribeSecret(input) {
      const secret = store.resolve((input as SecretIdInput).SecretId);
      return {
        ...identity(secret),
        ...(secret.description === undefined ? {} : { Description: secret.description }),
        ...(secret.kmsKeyId === undefined ? {} : { KmsKeyId: secret.kmsKeyId }),
        RotationEnabled: false,
        CreatedDate: epochSeconds(secret.createdDate),
        LastChangedDate: epochSeconds(secret.lastChangedDate),
        ...(secret.deletedDate === undefined ? {} : { DeletedDate: epochSeconds(secret.deletedDate) }),
        Tags: secret.tags,
        VersionIdsToStages: versionIdsToStages(secret),
      };
    },
    GetSecretValue(input) {
      const { SecretId, VersionId, VersionStage } = input as GetSecretValueInput;
      const secret = store.resolveLive(SecretId);
      const stage = VersionId === undefined ? (VersionStage ?? AWSCURRENT) : VersionStage;
      const version = store
        .versionsOf(secret, true)
        .find(
          (candidate) =>
            (VersionId === undefined || candidate.versionId === VersionId) &&
            (stage === undefined || candidate.stages.includes(stage)),
        );
      if (!version) {
        throw secretsManagerError(
          'ResourceNotFoundException',
          `Secrets Manager can't find the specified secret value for ${[
            VersionId === undefined ? '' : `VersionId: ${VersionId}`,
            stage === undefined ? '' : `staging label: ${stage}`,
          ]
            .filter(Boolean)
            .join(' and ')}`,
        );
      }
      return {
        ...identity(secret),
        VersionId: version.versionId,
        ...(version.secretString === undefined ? {} : { SecretString: version.secretString }),
        ...(version.secretBinary === undefined ? {} : { SecretBinary: version.secretBinary }),
        VersionStages: version.stages,
        CreatedDate: epochSeconds(version.createdDate),
      };
    },
    PutSecretValue(input) {
      const request = input as PutSecretValueInput;
      const secret = store.resolveLive(request.SecretId);
      const { versionId, stages } = store.putValue(secret, {
        versionId: request.ClientRequestToken ?? randomUUID(),
        value: secretValueOf(request),
        ...(request.VersionStages === undefined ? {} : { stages: request.VersionStages }),
      });
      return { ...identity(secret), VersionId: versionId, VersionStages: stages };
    },
    UpdateSecretVersionStage(input) {
      const request = input as UpdateSecretVersionStageInput;
      const secret = store.resolveLive(request.SecretId);
      store.updateVersionStage(secret, {
        stage: request.VersionStage,
        ...(request.MoveToVersionId === undefined ? {} : { moveToVersionId: request.MoveToVersionId }),
        ...(request.RemoveFromVersionId === undefined
          ? {}
          : { removeFromVersionId: request.RemoveFromVersionId }),
      });
      return identity(secret);
    },
    ListSecretVersionIds(input) {
      const request = input as ListSecretVersionIdsInput;
      const secret = store.resolve(request.SecretId);
      const versions = store.versionsOf(secret, request.IncludeDeprecated ?? false);
      let start = 0;
      if (request.NextToken !== undefined) {
        const after = decodeVersionToken(request.NextToken);
        const index = versions.findIndex((version) => version.versionId === after);
        if (index === -1)
          throw secretsManagerError(
            'InvalidNextTokenException',
            `NextToken refers to a version that is gone: ${after}`,
          );
        start = index + 1;
      }
      const page = versions.slice(start, start + (request.MaxResults ?? 100));
      const last = page.at(-1);
      const more = start + page.length < versions.length;
      return {
        ...identity(secret),
        Versions: page.map((version) => ({
          VersionId: version.versionId,
          VersionStages: version.stages,
          CreatedDate: epochSeconds(version.createdDate),
        })),
        ...(more && last ? { NextToken: encodeVersionToken(last.versionId) } : {}),
      };
    },
    TagResource(input) {
      const { SecretId, Tags } = input as TagResourceInput;
      store.tag(store.resolveLive(SecretId), completeTags(Tags));
      return {};
    },
    UntagResource(input) {
      const { SecretId, TagKeys } = input as UntagResourceInput;
      store.untag(store.resolveLive(SecretId), TagKeys);
      return {};
    },
    DeleteSecret(input) {
      const { SecretId, RecoveryWindowInDays, ForceDeleteWithoutRecovery } = input as DeleteSecretInput;
      if (RecoveryWindowInDays !== undefined && ForceDeleteWithoutRecovery) {
        throw secretsManagerError(
          'InvalidParameterException',
          "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays",
        );
      }
      if (RecoveryWindowInDays !== undefined && (RecoveryWindowInDays < 7 || RecoveryWindowInDays > 30)) {
        throw secretsManagerError(
          'InvalidParameterException',
          'RecoveryWindowInDays must be between 7 and 30 days',
        );
      }
      const secret = store.resolveLive(SecretId);
      const force = ForceDeleteWithoutRecovery ?? false;
      store.delete(secret, force);
      const windowMs = force ? 0 : (RecoveryWindowInDays ?? defaultRecoveryWindowDays) * dayMs;
      return { ...identity(secret), DeletionDate: epochSeconds(new Date(clock().getTime() + windowMs)) };
    },
  };
}
