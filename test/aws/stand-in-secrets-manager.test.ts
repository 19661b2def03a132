import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretVersionIdsCommand,
  PutSecretValueCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { beforeEach, describe, expect, it } from 'vitest';
import { sdkErrorOf } from '../support/aws-stand-in/index.js';
import { useStandIn } from '../support/aws-stand-in/use-stand-in.js';

const token = (n: number) => `${String(n).padStart(8, '0')}-0000-4000-8000-000000000000`;
let now = new Date('2030-01-01T00:00:00.000Z');
const { standIn, secretsManagerClient: sm } = useStandIn({
  standIn: { clock: () => now },
  secretsManagerClient: { maxAttempts: 1 },
});

beforeEach(() => {
  now = new Date('2030-01-01T00:00:00.000Z');
});

async function stages(secretId: string): Promise<Record<string, string[]>> {
  return (await sm().send(new DescribeSecretCommand({ SecretId: secretId }))).VersionIdsToStages ?? {};
}

async function createKeySecret(): Promise<string> {
  await sm().send(
    new CreateSecretCommand({ Name: 'playback/key', SecretString: 'v1', ClientRequestToken: token(1) }),
  );
  return 'playback/key';
}

describe('CreateSecret', () => {
  it('creates the first version from ClientRequestToken with AWSCURRENT', async () => {
    const created = await sm().send(
      new CreateSecretCommand({
        Name: 'playback/key',
        SecretString: '{"k":1}',
        ClientRequestToken: token(1),
        Tags: [{ Key: 'owner', Value: 'svc' }],
      }),
    );

    expect(created.ARN).toMatch(
      /^arn:aws:secretsmanager:us-west-2:123456789012:secret:playback\/key-[a-zA-Z0-9]{6}$/,
    );
    expect(created).toMatchObject({ Name: 'playback/key', VersionId: token(1) });
    expect(await stages('playback/key')).toEqual({ [token(1)]: ['AWSCURRENT'] });
    const value = await sm().send(new GetSecretValueCommand({ SecretId: 'playback/key' }));
    expect(value).toMatchObject({
      SecretString: '{"k":1}',
      VersionId: token(1),
      VersionStages: ['AWSCURRENT'],
    });
    expect(value.CreatedDate).toEqual(now);
  });

  it('refuses an existing name with ResourceExistsException', async () => {
    await createKeySecret();

    const failure = await sdkErrorOf(
      sm().send(new CreateSecretCommand({ Name: 'playback/key', SecretString: 'other' })),
    );

    expect(failure).toMatchObject({ name: 'ResourceExistsException', status: 400 });
  });

  it('treats a repeat with the same token and value as the same create (an SDK retry)', async () => {
    const first = await sm().send(
      new CreateSecretCommand({ Name: 's', SecretString: 'v', ClientRequestToken: token(1) }),
    );

    const again = await sm().send(
      new CreateSecretCommand({ Name: 's', SecretString: 'v', ClientRequestToken: token(1) }),
    );

    expect(again).toMatchObject({ ARN: first.ARN, VersionId: token(1) });
    expect(standIn.secrets.secrets).toHaveLength(1);
  });

  it('creates a secret without a value, which has no versions yet', async () => {
    await sm().send(new CreateSecretCommand({ Name: 'empty', Description: 'filled later' }));

    const described = await sm().send(new DescribeSecretCommand({ SecretId: 'empty' }));
    const failure = await sdkErrorOf(sm().send(new GetSecretValueCommand({ SecretId: 'empty' })));

    expect(described).toMatchObject({ Name: 'empty', Description: 'filled later', VersionIdsToStages: {} });
    expect(failure.name).toBe('ResourceNotFoundException');
  });
});

describe('unknown secrets', () => {
  it.each([
    ['DescribeSecret', () => new DescribeSecretCommand({ SecretId: 'nope' })],
    ['GetSecretValue', () => new GetSecretValueCommand({ SecretId: 'nope' })],
    ['PutSecretValue', () => new PutSecretValueCommand({ SecretId: 'nope', SecretString: 'x' })],
    ['ListSecretVersionIds', () => new ListSecretVersionIdsCommand({ SecretId: 'nope' })],
  ])('%s answers ResourceNotFoundException', async (_operation, command) => {
    // The SDK's command union is too wide for one send() overload, so each call is typed here.
    const failure = await sdkErrorOf(sm().send(command() as GetSecretValueCommand));

    expect(failure).toMatchObject({ name: 'ResourceNotFoundException', status: 400 });
  });
});

describe('SecretId forms', () => {
  it('finds a secret by name, full ARN and partial ARN', async () => {
    const { ARN } = await sm().send(new CreateSecretCommand({ Name: 'by-arn', SecretString: 'v' }));
    const partialArn = (ARN ?? '').slice(0, -7);

    const values = await Promise.all(
      ['by-arn', ARN, partialArn].map((SecretId) => sm().send(new GetSecretValueCommand({ SecretId }))),
    );

    expect(values.map((value) => value.SecretString)).toEqual(['v', 'v', 'v']);
  });
});

describe('PutSecretValue and staging labels', () => {
  it('moves AWSCURRENT to a new version and AWSPREVIOUS to the version it left', async () => {
    const secretId = await createKeySecret();

    const put = await sm().send(
      new PutSecretValueCommand({ SecretId: secretId, SecretString: 'v2', ClientRequestToken: token(2) }),
    );
    await sm().send(
      new PutSecretValueCommand({ SecretId: secretId, SecretString: 'v3', ClientRequestToken: token(3) }),
    );

    expect(put).toMatchObject({ VersionId: token(2), VersionStages: ['AWSCURRENT'] });
    expect(await stages(secretId)).toEqual({ [token(2)]: ['AWSPREVIOUS'], [token(3)]: ['AWSCURRENT'] });
    const previous = await sm().send(
      new GetSecretValueCommand({ SecretId: secretId, VersionStage: 'AWSPREVIOUS' }),
    );
    expect(previous.SecretString).toBe('v2');
  });

  it('keeps unlabelled versions, listed only with IncludeDeprecated', async () => {
    const secretId = await createKeySecret();
    await sm().send(
      new PutSecretValueCommand({ SecretId: secretId, SecretString: 'v2', ClientRequestToken: token(2) }),
    );
    await sm().send(
      new PutSecretValueCommand({ SecretId: secretId, SecretString: 'v3', ClientRequestToken: token(3) }),
    );

    const labelled = await sm().send(new ListSecretVersionIdsCommand({ SecretId: secretId }));
    const all = await sm().send(
      new ListSecretVersionIdsCommand({ SecretId: secretId, IncludeDeprecated: true }),
    );
    const oldest = await sm().send(new GetSecretValueCommand({ SecretId: secretId, VersionId: token(1) }));

    expect(labelled.Versions?.map((version) => version.VersionId)).toEqual([token(2), token(3)]);
    expect(all.Versions?.map((version) => [version.VersionId, version.VersionStages])).toEqual([
      [token(1), []],
      [token(2), ['AWSPREVIOUS']],
      [token(3), ['AWSCURRENT']],
    ]);
    expect(oldest).toMatchObject({ SecretString: 'v1', VersionStages: [] });
  });

  it('stages AWSPENDING without touching AWSCURRENT, and moves AWSPENDING off an older pending version', async () => {
    const secretId = await createKeySecret();

    await sm().send(
      new PutSecretValueCommand({
        SecretId: secretId,
        SecretString: 'p1',
        ClientRequestToken: token(2),
        VersionStages: ['AWSPENDING'],
      }),
    );
    const afterFirst = await stages(secretId);
    await sm().send(
      new PutSecretValueCommand({
        SecretId: secretId,
        SecretString: 'p2',
        ClientRequestToken: token(3),
        VersionStages: ['AWSPENDING'],
      }),
    );

    expect(afterFirst).toEqual({ [token(1)]: ['AWSCURRENT'], [token(2)]: ['AWSPENDING'] });
    expect(await stages(secretId)).toEqual({ [token(1)]: ['AWSCURRENT'], [token(3)]: ['AWSPENDING'] });
    const current = await sm().send(new GetSecretValueCommand({ SecretId: secretId }));
    expect(current.SecretString).toBe('v1');
  });

  it('is a no-op for the same ClientRequestToken and value', async () => {
    const secretId = await createKeySecret();
    await sm().send(
      new PutSecretValueCommand({ SecretId: secretId, SecretString: 'v2', ClientRequestToken: token(2) }),
    );

    const repeat = await sm().send(
      new PutSecretValueCommand({ SecretId: secretId, SecretString: 'v2', ClientRequestToken: token(2) }),
    );

    expect(repeat).toMatchObject({ VersionId: token(2), VersionStages: ['AWSCURRENT'] });
    expect(await stages(secretId)).toEqual({ [token(1)]: ['AWSPREVIOUS'], [token(2)]: ['AWSCURRENT'] });
    expect(standIn.secrets.secret(secretId)?.versions).toHaveLength(2);
  });

  it('refuses the same ClientRequestToken with another value with ResourceExistsException', async () => {
    const secretId = await createKeySecret();
    await sm().send(
      new PutSecretValueCommand({ SecretId: secretId, SecretString: 'v2', ClientRequestToken: token(2) }),
    );

    const failure = await sdkErrorOf(
      sm().send(
        new PutSecretValueCommand({
          SecretId: secretId,
          SecretString: 'changed',
          ClientRequestToken: token(2),
        }),
      ),
    );

    expect(failure).toMatchObject({ name: 'ResourceExistsException', status: 400 });
  });
});

describe('GetSecretValue', () => {
  it('selects by VersionId, by VersionStage, or both when they agree', async () => {
    const secretId = await createKeySecret();
    await sm().send(
      new PutSecretValueCommand({
        SecretId: secretId,
        SecretString: 'p',
        ClientRequestToken: token(2),
        VersionStages: ['AWSPENDING'],
      }),
    );

    const byId = await sm().send(new GetSecretValueCommand({ SecretId: secretId, VersionId: token(2) }));
    const byStage = await sm().send(
      new GetSecretValueCommand({ SecretId: secretId, VersionStage: 'AWSPENDING' }),
    );
    const both = await sm().send(
      new GetSecretValueCommand({ SecretId: secretId, VersionId: token(2), VersionStage: 'AWSPENDING' }),
    );
    const mismatch = await sdkErrorOf(
      sm().send(
        new GetSecretValueCommand({ SecretId: secretId, VersionId: token(2), VersionStage: 'AWSCURRENT' }),
      ),
    );

    expect([byId.SecretString, byStage.SecretString, both.SecretString]).toEqual(['p', 'p', 'p']);
    expect(mismatch.name).toBe('ResourceNotFoundException');
  });
});

describe('UpdateSecretVersionStage', () => {
  async function secretWithPending(): Promise<string> {
    const secretId = await createKeySecret();
    await sm().send(
      new PutSecretValueCommand({
        SecretId: secretId,
        SecretString: 'p',
        ClientRequestToken: token(2),
        VersionStages: ['AWSPENDING'],
      }),
    );
    return secretId;
  }

  it('promotes the pending version with RemoveFromVersionId, moving AWSPREVIOUS along', async () => {
    const secretId = await secretWithPending();

    await sm().send(
      new UpdateSecretVersionStageCommand({
        SecretId: secretId,
        VersionStage: 'AWSCURRENT',
        MoveToVersionId: token(2),
        RemoveFromVersionId: token(1),
      }),
    );

    expect(await stages(secretId)).toEqual({
      [token(1)]: ['AWSPREVIOUS'],
      [token(2)]: ['AWSPENDING', 'AWSCURRENT'],
    });
    expect(standIn.secrets.history.filter((entry) => entry.event === 'label-moved').slice(-2)).toEqual([
      expect.objectContaining({ label: 'AWSCURRENT', fromVersionId: token(1), toVersionId: token(2) }),
      expect.objectContaining({ label: 'AWSPREVIOUS', toVersionId: token(1) }),
    ]);
  });

  it('refuses to move a label that sits on another version without RemoveFromVersionId', async () => {
    const secretId = await secretWithPending();

    const failure = await sdkErrorOf(
      sm().send(
        new UpdateSecretVersionStageCommand({
          SecretId: secretId,
          VersionStage: 'AWSCURRENT',
          MoveToVersionId: token(2),
        }),
      ),
    );

    expect(failure).toMatchObject({ name: 'InvalidParameterException', status: 400 });
    expect(await stages(secretId)).toEqual({ [token(1)]: ['AWSCURRENT'], [token(2)]: ['AWSPENDING'] });
  });

  it('refuses a RemoveFromVersionId that does not hold the label', async () => {
    const secretId = await secretWithPending();

    const failure = await sdkErrorOf(
      sm().send(
        new UpdateSecretVersionStageCommand({
          SecretId: secretId,
          VersionStage: 'AWSCURRENT',
          MoveToVersionId: token(2),
          RemoveFromVersionId: token(2),
        }),
      ),
    );

    expect(failure.name).toBe('InvalidParameterException');
    // Well formed, refused by the state (another client may have moved the label first): not
    // listed among the invalid requests the tests forbid.
    expect(standIn.rejected().filter((request) => request.operation === 'UpdateSecretVersionStage')).toEqual(
      [],
    );
  });

  it('removes AWSPENDING with RemoveFromVersionId alone', async () => {
    const secretId = await secretWithPending();

    await sm().send(
      new UpdateSecretVersionStageCommand({
        SecretId: secretId,
        VersionStage: 'AWSPENDING',
        RemoveFromVersionId: token(2),
      }),
    );

    expect(await stages(secretId)).toEqual({ [token(1)]: ['AWSCURRENT'] });
  });

  it('attaches a label nobody holds without RemoveFromVersionId', async () => {
    const secretId = await createKeySecret();

    await sm().send(
      new UpdateSecretVersionStageCommand({
        SecretId: secretId,
        VersionStage: 'custom',
        MoveToVersionId: token(1),
      }),
    );

    expect(await stages(secretId)).toEqual({ [token(1)]: ['AWSCURRENT', 'custom'] });
  });

  it('refuses to remove AWSCURRENT without moving it', async () => {
    const secretId = await createKeySecret();

    const failure = await sdkErrorOf(
      sm().send(
        new UpdateSecretVersionStageCommand({
          SecretId: secretId,
          VersionStage: 'AWSCURRENT',
          RemoveFromVersionId: token(1),
        }),
      ),
    );

    expect(failure.name).toBe('InvalidParameterException');
  });
});

describe('ListSecretVersionIds', () => {
  it('pages with MaxResults and NextToken', async () => {
    const secretId = await createKeySecret();
    for (const n of [2, 3, 4]) {
      await sm().send(
        new PutSecretValueCommand({
          SecretId: secretId,
          SecretString: `v${n}`,
          ClientRequestToken: token(n),
          VersionStages: [`L${n}`],
        }),
      );
    }

    const first = await sm().send(new ListSecretVersionIdsCommand({ SecretId: secretId, MaxResults: 3 }));
    const second = await sm().send(
      new ListSecretVersionIdsCommand({ SecretId: secretId, MaxResults: 3, NextToken: first.NextToken }),
    );

    expect(first.Versions?.map((version) => version.VersionId)).toEqual([token(1), token(2), token(3)]);
    expect(second.Versions?.map((version) => version.VersionId)).toEqual([token(4)]);
    expect(second.NextToken).toBeUndefined();
  });
});

describe('version retention', () => {
  it('answers LimitExceededException at 100 versions younger than a day, and prunes old unlabelled ones later', async () => {
    const secretId = await createKeySecret();
    for (let n = 2; n <= 100; n += 1)
      standIn.secrets.addVersion(secretId, { secretString: `v${n}`, versionId: token(n) });

    const failure = await sdkErrorOf(
      sm().send(
        new PutSecretValueCommand({
          SecretId: secretId,
          SecretString: 'v101',
          ClientRequestToken: token(101),
        }),
      ),
    );
    now = new Date(now.getTime() + 25 * 60 * 60 * 1000);
    await sm().send(
      new PutSecretValueCommand({ SecretId: secretId, SecretString: 'v101', ClientRequestToken: token(101) }),
    );

    expect(failure.name).toBe('LimitExceededException');
    const versions = standIn.secrets.secret(secretId)?.versions ?? [];
    expect(versions).toHaveLength(100);
    expect(versions[0]?.versionId).toBe(token(2));
    expect(standIn.secrets.history).toContainEqual(
      expect.objectContaining({ event: 'version-pruned', versionId: token(1) }),
    );
  });
});

describe('tags and DescribeSecret', () => {
  it('tags, untags and describes a secret', async () => {
    const secretId = await createKeySecret();

    await sm().send(
      new TagResourceCommand({
        SecretId: secretId,
        Tags: [
          { Key: 'owner', Value: 'svc' },
          { Key: 'tier', Value: 'x' },
        ],
      }),
    );
    await sm().send(new TagResourceCommand({ SecretId: secretId, Tags: [{ Key: 'tier', Value: 'gold' }] }));
    await sm().send(new UntagResourceCommand({ SecretId: secretId, TagKeys: ['owner'] }));
    const described = await sm().send(new DescribeSecretCommand({ SecretId: secretId }));

    expect(described).toMatchObject({
      Name: secretId,
      Tags: [{ Key: 'tier', Value: 'gold' }],
      VersionIdsToStages: { [token(1)]: ['AWSCURRENT'] },
      CreatedDate: now,
      LastChangedDate: now,
    });
  });
});

describe('DeleteSecret', () => {
  it('schedules deletion: the value is refused with InvalidRequestException, DescribeSecret shows DeletedDate', async () => {
    const secretId = await createKeySecret();

    const deleted = await sm().send(new DeleteSecretCommand({ SecretId: secretId, RecoveryWindowInDays: 7 }));
    const failure = await sdkErrorOf(sm().send(new GetSecretValueCommand({ SecretId: secretId })));
    const described = await sm().send(new DescribeSecretCommand({ SecretId: secretId }));

    expect(deleted.DeletionDate).toEqual(new Date(now.getTime() + 7 * 24 * 60 * 60 * 1000));
    expect(failure).toMatchObject({ name: 'InvalidRequestException', status: 400 });
    expect(described.DeletedDate).toEqual(now);
  });

  it('deletes at once with ForceDeleteWithoutRecovery, freeing the name', async () => {
    const secretId = await createKeySecret();

    await sm().send(new DeleteSecretCommand({ SecretId: secretId, ForceDeleteWithoutRecovery: true }));
    const recreated = await sm().send(new CreateSecretCommand({ Name: secretId, SecretString: 'fresh' }));

    expect(recreated.Name).toBe(secretId);
    expect(standIn.secrets.secrets).toHaveLength(1);
  });
});

describe('seeding through the state API', () => {
  it('creates secrets and versions with the same label rules as the API', async () => {
    standIn.secrets.addSecret({ name: 'seeded', secretString: 'one', versionId: token(1) });
    standIn.secrets.addVersion('seeded', {
      secretString: 'two',
      versionId: token(2),
      stages: ['AWSPENDING'],
    });

    const pending = await sm().send(
      new GetSecretValueCommand({ SecretId: 'seeded', VersionStage: 'AWSPENDING' }),
    );

    expect(pending.SecretString).toBe('two');
    expect(standIn.secrets.versionIdsToStages('seeded')).toEqual({
      [token(1)]: ['AWSCURRENT'],
      [token(2)]: ['AWSPENDING'],
    });
  });
});
