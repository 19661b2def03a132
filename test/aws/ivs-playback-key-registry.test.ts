import { describe, expect, it } from 'vitest';
import {
  IvsPlaybackKeyRegistry,
  KEY_ID_TAG,
  MANAGED_BY_TAG,
  MANAGED_BY_VALUE,
} from '../../src/adapters/aws/ivs-playback-key-registry.js';
import { generateSigningKey } from '../../src/adapters/crypto/p384-keys.js';
import { useStandIn } from '../support/aws-stand-in/use-stand-in.js';
import { RecordingLogger } from '../support/fakes.js';
import { serviceErrorOf } from '../support/service-errors.js';

// A fresh client per test: the SDK's retry quota is per client, and some tests spend it.
const { standIn, ivsClient: client } = useStandIn({ clientsPerTest: true });

function registry(options: { pageSize?: number } = {}) {
  return new IvsPlaybackKeyRegistry({ client: client(), logger: new RecordingLogger(), ...options });
}

const newKey = () => generateSigningKey(new Date());
const calls = (operation: string) => standIn.requests.filter((request) => request.operation === operation);
const ourTags = (keyId: string) => ({ [MANAGED_BY_TAG]: MANAGED_BY_VALUE, [KEY_ID_TAG]: keyId });

describe('IvsPlaybackKeyRegistry.importKey', () => {
  it('imports the public key named after the key id, with the tags that mark it ours', async () => {
    const key = await newKey();

    const pair = await registry().importKey(key);

    const [stored] = standIn.ivs.keyPairs;
    expect(stored).toMatchObject({
      name: key.keyId,
      publicKeyMaterial: key.publicKeyPem,
      tags: ourTags(key.keyId),
    });
    expect(pair).toEqual({
      arn: stored?.arn,
      name: key.keyId,
      keyId: key.keyId,
      fingerprint: stored?.fingerprint,
    });
    expect(standIn.rejected()).toEqual([]);
  });

  it('is idempotent: a key already imported is returned as it is, without a second import', async () => {
    const key = await newKey();
    const first = await registry().importKey(key);

    const second = await registry().importKey(key);

    expect(second).toEqual(first);
    expect(standIn.ivs.keyPairs).toHaveLength(1);
    expect(calls('ImportPlaybackKeyPair')).toHaveLength(1);
    expect(standIn.rejected()).toEqual([]);
  });

  it('returns the pair when the import took effect but its reply was lost (the retry meets a conflict)', async () => {
    const key = await newKey();
    standIn.faults.add({ kind: 'drop', operation: 'ImportPlaybackKeyPair', afterEffect: true, times: 1 });

    const pair = await registry().importKey(key);

    expect(pair).toMatchObject({ arn: standIn.ivs.keyPairs[0]?.arn, keyId: key.keyId });
    expect(pair.fingerprint).toBe(standIn.ivs.keyPairs[0]?.fingerprint);
    expect(
      calls('ImportPlaybackKeyPair').map((request) => request.errorType ?? request.fault ?? 'ok'),
    ).toEqual(['drop', 'ConflictException']);
    expect(standIn.ivs.keyPairs).toHaveLength(1);
    expect(standIn.rejected()).toEqual([]);
  });

  it('refuses, naming the way out, when a key pair it does not manage already holds the public key', async () => {
    const key = await newKey();
    standIn.ivs.addForeignKeyPair({ publicKeyMaterial: key.publicKeyPem, name: 'by-hand' });

    const failure = await serviceErrorOf(registry().importKey(key));

    expect(failure.code).toBe('INTERNAL');
    expect(failure.message).toContain(`${KEY_ID_TAG}=${key.keyId}`);
    expect(standIn.ivs.keyPairs.map((pair) => pair.name)).toEqual(['by-hand']);
    expect(standIn.rejected()).toEqual([]);
  });

  it('turns the IVS quota into NO_FREE_KEY_SLOT naming every pair in the way', async () => {
    const ours = await registry().importKey(await newKey());
    standIn.ivs.addForeignKeyPair({ name: 'foreign-a' });
    standIn.ivs.addForeignKeyPair({ name: 'foreign-b' });

    const failure = await serviceErrorOf(registry().importKey(await newKey()));

    expect(failure.code).toBe('NO_FREE_KEY_SLOT');
    expect(failure.details).toEqual({
      slotLimit: 3,
      keyPairs: [
        { name: ours.name, arn: ours.arn, managedByThisService: true },
        { name: 'foreign-a', arn: expect.any(String), managedByThisService: false },
        { name: 'foreign-b', arn: expect.any(String), managedByThisService: false },
      ],
    });
    expect(failure.message).toMatch(/foreign-a \(not managed by this service\), foreign-b/);
    expect(calls('ImportPlaybackKeyPair').at(-1)?.errorType).toBe('ServiceQuotaExceededException');
    expect(standIn.rejected()).toEqual([]);
  });
});

describe('IvsPlaybackKeyRegistry.list', () => {
  it('reads every page, and lists foreign pairs without a key id or fingerprint', async () => {
    const first = await newKey();
    const second = await newKey();
    await registry().importKey(first);
    const foreign = standIn.ivs.addForeignKeyPair({ name: 'foreign' });
    await registry().importKey(second);

    const pairs = await registry({ pageSize: 1 }).list();

    const [a, , c] = standIn.ivs.keyPairs;
    expect(pairs).toEqual([
      { arn: a?.arn, name: first.keyId, keyId: first.keyId, fingerprint: a?.fingerprint },
      { arn: foreign.arn, name: 'foreign', keyId: undefined, fingerprint: undefined },
      { arn: c?.arn, name: second.keyId, keyId: second.keyId, fingerprint: c?.fingerprint },
    ]);
    const pages = calls('ListPlaybackKeyPairs').slice(-3);
    expect(pages.map((request) => request.input)).toEqual([
      { maxResults: 1 },
      { maxResults: 1, nextToken: expect.any(String) },
      { maxResults: 1, nextToken: expect.any(String) },
    ]);
    expect(standIn.rejected()).toEqual([]);
  });

  it('fetches a fingerprint once per key pair of ours, and never for foreign ones', async () => {
    standIn.ivs.addForeignKeyPair();
    standIn.ivs.addForeignKeyPair({ tags: { [MANAGED_BY_TAG]: MANAGED_BY_VALUE } });
    const key = await newKey();
    standIn.ivs.addForeignKeyPair({ publicKeyMaterial: key.publicKeyPem, tags: ourTags(key.keyId) });
    const lister = registry();

    await lister.list();
    const pairs = await lister.list();

    expect(pairs.map((pair) => pair.keyId)).toEqual([undefined, undefined, key.keyId]);
    expect(calls('GetPlaybackKeyPair')).toHaveLength(1);
    expect(standIn.rejected()).toEqual([]);
  });

  it('still lists when a fingerprint cannot be read', async () => {
    const key = await newKey();
    standIn.ivs.addForeignKeyPair({ publicKeyMaterial: key.publicKeyPem, tags: ourTags(key.keyId) });
    standIn.faults.add({ kind: 'server-error', operation: 'GetPlaybackKeyPair' });
    const logger = new RecordingLogger();

    const pairs = await new IvsPlaybackKeyRegistry({ client: client(), logger }).list();

    expect(pairs).toEqual([expect.objectContaining({ keyId: key.keyId, fingerprint: undefined })]);
    expect(logger.entries.map((entry) => entry.level)).toEqual(['warn']);
    expect(standIn.rejected()).toEqual([]);
  });

  it('succeeds when IVS throttles once: the SDK retries', async () => {
    await registry().importKey(await newKey());
    standIn.faults.add({ kind: 'throttle', operation: 'ListPlaybackKeyPairs', times: 1 });

    const pairs = await registry().list();

    expect(pairs).toHaveLength(1);
    expect(
      calls('ListPlaybackKeyPairs')
        .slice(-2)
        .map((request) => request.status),
    ).toEqual([429, 200]);
    expect(standIn.rejected()).toEqual([]);
  });

  it.each([
    ['server-error', 'InternalServerException'],
    ['unavailable', 'ServiceUnavailable'],
    ['drop', 'ECONNRESET'],
  ] as const)('fails with DEPENDENCY_UNAVAILABLE when IVS keeps failing (%s)', async (kind, awsError) => {
    standIn.faults.add({ kind, operation: 'ListPlaybackKeyPairs' });

    const failure = await serviceErrorOf(registry().list());

    expect(failure.code).toBe('DEPENDENCY_UNAVAILABLE');
    expect(failure.retryAfterSeconds).toBe(5);
    expect(failure.details).toEqual({ operation: 'IVS ListPlaybackKeyPairs', awsError });
    expect(calls('ListPlaybackKeyPairs')).toHaveLength(3);
    expect(standIn.rejected()).toEqual([]);
  });

  it('survives a dropped connection: the SDK retries', async () => {
    standIn.faults.add({ kind: 'drop', operation: 'ListPlaybackKeyPairs', times: 1 });

    const pairs = await registry().list();

    expect(pairs).toEqual([]);
    expect(standIn.rejected()).toEqual([]);
  });
});

describe('IvsPlaybackKeyRegistry.deleteKeyPair', () => {
  it('deletes a key pair of ours', async () => {
    const pair = await registry().importKey(await newKey());

    await registry().deleteKeyPair(pair);

    expect(standIn.ivs.keyPairs).toEqual([]);
    expect(standIn.rejected()).toEqual([]);
  });

  it('treats a key pair that is already gone as deleted', async () => {
    const pair = await registry().importKey(await newKey());
    standIn.reset();

    await registry().deleteKeyPair(pair);

    expect(calls('DeletePlaybackKeyPair')).toEqual([]);
    expect(standIn.rejected()).toEqual([]);
  });

  it('treats a deletion that raced another one as done (the delete itself finds nothing)', async () => {
    const pair = await registry().importKey(await newKey());
    standIn.faults.add({ kind: 'drop', operation: 'DeletePlaybackKeyPair', afterEffect: true, times: 1 });

    await registry().deleteKeyPair(pair);

    expect(calls('DeletePlaybackKeyPair').map((request) => request.errorType ?? request.fault)).toEqual([
      'drop',
      'ResourceNotFoundException',
    ]);
    expect(standIn.ivs.keyPairs).toEqual([]);
    expect(standIn.rejected()).toEqual([]);
  });

  it('never deletes a foreign key pair, even one listed by the registry', async () => {
    standIn.ivs.addForeignKeyPair({ name: 'foreign' });
    const [foreign] = await registry().list();
    if (!foreign) throw new Error('expected the foreign pair to be listed');

    await expect(registry().deleteKeyPair(foreign)).rejects.toThrow(/not managed by this service/);

    expect(standIn.ivs.keyPairs).toHaveLength(1);
    expect(calls('DeletePlaybackKeyPair')).toEqual([]);
    expect(standIn.rejected()).toEqual([]);
  });

  it('never deletes a pair whose IVS tags are not ours, whatever the caller claims', async () => {
    const foreign = standIn.ivs.addForeignKeyPair({ name: 'foreign', tags: { [KEY_ID_TAG]: 'ipa-x' } });

    const deletion = registry().deleteKeyPair({
      arn: foreign.arn,
      name: 'foreign',
      keyId: 'ipa-x',
      fingerprint: undefined,
    });

    await expect(deletion).rejects.toThrow(/not managed by this service/);
    expect(standIn.ivs.keyPairs).toHaveLength(1);
    expect(calls('DeletePlaybackKeyPair')).toEqual([]);
    expect(standIn.rejected()).toEqual([]);
  });

  it('fails with DEPENDENCY_UNAVAILABLE when IVS keeps failing the deletion', async () => {
    const pair = await registry().importKey(await newKey());
    standIn.faults.add({ kind: 'server-error', operation: 'DeletePlaybackKeyPair' });

    const failure = await serviceErrorOf(registry().deleteKeyPair(pair));

    expect(failure).toMatchObject({ code: 'DEPENDENCY_UNAVAILABLE', retryAfterSeconds: 5 });
    expect(standIn.ivs.keyPairs).toHaveLength(1);
    expect(standIn.rejected()).toEqual([]);
  });
});
