import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SecretsManagerKeyStore } from '../../src/adapters/aws/secrets-manager-key-store.js';
import { generateSigningKey } from '../../src/adapters/crypto/p384-keys.js';
import { type AwsStandIn, secretsManagerClientFor, startAwsStandIn } from '../support/aws-stand-in/index.js';
import { keyStoreContract } from '../support/key-store-contract.js';

let standIn: AwsStandIn;
let secretCounter = 0;
beforeAll(async () => {
  standIn = await startAwsStandIn();
});
afterAll(async () => {
  await standIn.close();
});

function store(options: { maxAttempts?: number } = {}) {
  secretCounter++;
  return new SecretsManagerKeyStore({
    client: secretsManagerClientFor(standIn, { maxAttempts: options.maxAttempts ?? 3 }),
    secretId: `ivs-playback-auth/test-${secretCounter}`,
  });
}

keyStoreContract('SecretsManagerKeyStore', async () => store());

describe('SecretsManagerKeyStore in Secrets Manager', () => {
  beforeEach(() => {
    standIn.faults.clear();
  });

  it('creates the secret with a placeholder on first use, so the first key starts as AWSPENDING, not AWSCURRENT', async () => {
    const keys = store();
    const key = await generateSigningKey(new Date());

    await keys.stagePending(key);

    const secretId = `ivs-playback-auth/test-${secretCounter}`;
    const stages = [...Object.values(standIn.secrets.versionIdsToStages(secretId) ?? {})];
    expect(stages).toEqual([['AWSCURRENT'], ['AWSPENDING']]);
    expect(await keys.readKeys()).toMatchObject({ current: undefined, pending: { keyId: key.keyId } });
    expect(standIn.rejected()).toEqual([]);
  });

  it('maps the labels to states and leaves AWSPENDING on no version after a promotion', async () => {
    const keys = store();
    const [a, b] = await Promise.all([generateSigningKey(new Date()), generateSigningKey(new Date())]);

    await keys.stagePending(a);
    await keys.promotePending(a.keyId, new Date('2026-01-01T00:00:00Z'));
    await keys.stagePending(b);
    await keys.promotePending(b.keyId, new Date('2026-01-01T01:00:00Z'));

    const secretId = `ivs-playback-auth/test-${secretCounter}`;
    const labels = Object.values(standIn.secrets.versionIdsToStages(secretId) ?? {}).map((stages) =>
      [...stages].sort(),
    );
    expect(labels.sort()).toEqual([['AWSCURRENT'], ['AWSPREVIOUS']]);
    const read = await keys.readKeys();
    expect(read.previous?.deactivatedAt).toEqual(new Date('2026-01-01T01:00:00Z'));
    expect(read.current?.activatedAt).toEqual(new Date('2026-01-01T01:00:00Z'));
  });

  it('lets exactly one of two replicas stage a rotation from the same key', async () => {
    const secretIdOf = store();
    const first = await generateSigningKey(new Date());
    await secretIdOf.stagePending(first);
    await secretIdOf.promotePending(first.keyId, new Date());
    const replicaA = secretIdOf;
    const replicaB = new SecretsManagerKeyStore({
      client: secretsManagerClientFor(standIn),
      secretId: `ivs-playback-auth/test-${secretCounter}`,
    });
    const [a, b] = await Promise.all([generateSigningKey(new Date()), generateSigningKey(new Date())]);

    const results = await Promise.allSettled([replicaA.stagePending(a), replicaB.stagePending(b)]);

    expect(results.map((result) => result.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(results.find((result) => result.status === 'rejected')).toMatchObject({
      reason: { code: 'ROTATION_IN_PROGRESS' },
    });
  });

  it('reads the keys with one DescribeSecret once the versions are cached', async () => {
    const keys = store();
    const key = await generateSigningKey(new Date());
    await keys.stagePending(key);
    await keys.promotePending(key.keyId, new Date());
    await keys.readKeys();
    const before = standIn.requests.length;

    await keys.readKeys();

    expect(standIn.requests.slice(before).map((request) => request.operation)).toEqual(['DescribeSecret']);
  });

  it('translates an outage into DEPENDENCY_UNAVAILABLE with Retry-After, without the SDK text', async () => {
    const keys = store({ maxAttempts: 1 });
    standIn.faults.add({ service: 'secretsmanager', kind: 'unavailable' });

    const read = keys.readKeys();

    await expect(read).rejects.toMatchObject({
      code: 'DEPENDENCY_UNAVAILABLE',
      retryAfterSeconds: 5,
      message: expect.stringMatching(
        /^Secrets Manager DescribeSecret is unavailable right now \(\w+\); try again shortly$/,
      ),
    });
  });

  it('refuses a secret value it did not write with KEY_STORE_CORRUPT', async () => {
    const keys = store();
    const secretId = `ivs-playback-auth/test-${secretCounter}`;
    standIn.secrets.addSecret({ name: secretId, secretString: '{"password": "hunter2"}' });

    const read = keys.readKeys();

    await expect(read).rejects.toMatchObject({ code: 'KEY_STORE_CORRUPT' });
    await read.catch((error: Error) => expect(error.message).not.toContain('hunter2'));
  });
});
