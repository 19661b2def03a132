import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  IvsPlaybackKeyRegistry,
  KEY_ID_TAG,
  MANAGED_BY_TAG,
  MANAGED_BY_VALUE,
} from '../../src/adapters/aws/ivs-playback-key-registry.js';
import { generateSigningKey } from '../../src/adapters/crypto/p384-keys.js';
import { OfflinePlaybackKeyRegistry } from '../../src/adapters/local/offline-playback-key-registry.js';
import type { PlaybackKeyRegistry } from '../../src/domain/ports.js';
import { type AwsStandIn, ivsClientFor, startAwsStandIn } from '../support/aws-stand-in/index.js';
import { InMemoryPlaybackKeyRegistry, ManualClock, RecordingLogger } from '../support/fakes.js';

const folders: string[] = [];
afterEach(async () => {
  await Promise.all(folders.splice(0).map((folder) => rm(folder, { recursive: true, force: true })));
});

// The IVS row runs against the in-process AWS stand-in, started on first use and emptied per test.
let standIn: AwsStandIn | undefined;
afterAll(async () => {
  await standIn?.close();
});

async function ivs(): Promise<IvsPlaybackKeyRegistry> {
  standIn ??= await startAwsStandIn();
  standIn.reset();
  return new IvsPlaybackKeyRegistry({ client: ivsClientFor(standIn), logger: new RecordingLogger() });
}

async function offline(
  logger = new RecordingLogger(),
): Promise<{ registry: OfflinePlaybackKeyRegistry; folder: string }> {
  const folder = await mkdtemp(join(tmpdir(), 'ipa-registry-'));
  folders.push(folder);
  const registry = new OfflinePlaybackKeyRegistry({
    path: join(folder, 'offline-registry.json'),
    publicKeyPath: (keyId) => join(folder, `${keyId}.public.pem`),
    logger,
    clock: new ManualClock().now,
  });
  return { registry, folder };
}

describe.each([
  ['OfflinePlaybackKeyRegistry', async (): Promise<PlaybackKeyRegistry> => (await offline()).registry],
  [
    'InMemoryPlaybackKeyRegistry',
    async (): Promise<PlaybackKeyRegistry> => new InMemoryPlaybackKeyRegistry(),
  ],
  ['IvsPlaybackKeyRegistry', async (): Promise<PlaybackKeyRegistry> => ivs()],
])('PlaybackKeyRegistry contract: %s', (_name, makeRegistry) => {
  it('publishes a key idempotently and lists it as ours', async () => {
    const registry = await makeRegistry();
    const key = await generateSigningKey(new Date());

    const first = await registry.importKey(key);
    const second = await registry.importKey(key);

    expect(second).toEqual(first);
    expect(await registry.list()).toEqual([expect.objectContaining({ keyId: key.keyId, name: key.keyId })]);
    expect(registry.slotLimit).toBe(3);
  });

  it('deletes our key pair, idempotently', async () => {
    const registry = await makeRegistry();
    const pair = await registry.importKey(await generateSigningKey(new Date()));

    await registry.deleteKeyPair(pair);
    await registry.deleteKeyPair(pair);

    expect(await registry.list()).toEqual([]);
  });

  it('refuses to delete a key pair without our tags', async () => {
    const registry = await makeRegistry();

    const deletion = registry.deleteKeyPair({
      arn: 'arn:aws:ivs:us-west-2:1:playback-key/x',
      name: 'x',
      keyId: undefined,
      fingerprint: undefined,
    });

    await expect(deletion).rejects.toThrow(/not managed by this service|foreign/);
  });
});

describe('OfflinePlaybackKeyRegistry', () => {
  it('logs the exact aws ivs command that imports the key, and writes the public key it names', async () => {
    const logger = new RecordingLogger();
    const { registry, folder } = await offline(logger);
    const key = await generateSigningKey(new Date());

    await registry.importKey(key);

    const publicKeyFile = join(folder, `${key.keyId}.public.pem`);
    expect(await readFile(publicKeyFile, 'utf8')).toBe(key.publicKeyPem);
    const command = logger.entries.map((entry) => entry.fields['importCommand']).find(Boolean);
    expect(command).toBe(
      `aws ivs import-playback-key-pair --name ${key.keyId} --public-key-material file://${publicKeyFile} --tags managed-by=ivs-playback-auth,ivs-playback-auth:key-id=${key.keyId}`,
    );
  });

  it('for an adopted key, also logs the aws ivs command that tags the pair already holding it', async () => {
    const logger = new RecordingLogger();
    const { registry } = await offline(logger);
    const key = await generateSigningKey(new Date());
    const keyId = 'ipa-adopted-0123456789abcdef01234567';

    await registry.importKey({ keyId, publicKeyPem: key.publicKeyPem });

    const entry = logger.entries.find((candidate) => candidate.fields['tagCommand'] !== undefined);
    expect(entry?.fields['tagCommand']).toBe(
      `aws ivs tag-resource --resource-arn <the ARN of the key pair you imported> --tags managed-by=ivs-playback-auth,ivs-playback-auth:key-id=${keyId}`,
    );
    expect(entry?.message).toMatch(/if IVS already holds this adopted key, tag its key pair/);
  });

  it('prints the tags by which the IVS registry recognises its own key pairs', async () => {
    const logger = new RecordingLogger();
    const { registry } = await offline(logger);
    const key = await generateSigningKey(new Date());

    await registry.importKey(key);

    // A person runs the printed command; the IVS registry must then see the pair as its own key.
    const command = String(logger.entries.map((entry) => entry.fields['importCommand']).find(Boolean));
    const shorthand = /--tags (\S+)$/.exec(command)?.[1] ?? '';
    const tags = Object.fromEntries(shorthand.split(',').map((pair) => pair.split('=')));
    const ivsRegistry = await ivs();
    standIn?.ivs.addForeignKeyPair({ name: key.keyId, publicKeyMaterial: key.publicKeyPem, tags });
    const listed = await ivsRegistry.list();

    expect(tags).toEqual({ [MANAGED_BY_TAG]: MANAGED_BY_VALUE, [KEY_ID_TAG]: key.keyId });
    expect(listed.map((pair) => pair.keyId)).toEqual([key.keyId]);
  });

  it('with IVS_REGIONS, keeps one entry per region in the shared file and prints each region its command', async () => {
    const logger = new RecordingLogger();
    const folder = await mkdtemp(join(tmpdir(), 'ipa-registry-'));
    folders.push(folder);
    const inRegion = (region: string) =>
      new OfflinePlaybackKeyRegistry({
        path: join(folder, 'offline-registry.json'),
        publicKeyPath: (keyId) => join(folder, `${keyId}.public.pem`),
        logger,
        clock: new ManualClock().now,
        region,
      });
    const [oregon, ireland] = [inRegion('us-west-2'), inRegion('eu-west-1')];
    const key = await generateSigningKey(new Date());

    await oregon.importKey(key);
    const irelandBefore = await ireland.list();
    await ireland.importKey(key);
    await oregon.deleteKeyPair({
      region: 'us-west-2',
      arn: undefined,
      name: key.keyId,
      keyId: key.keyId,
      fingerprint: undefined,
    });

    const commands = logger.entries
      .map((entry) => String(entry.fields['importCommand'] ?? ''))
      .filter(Boolean);
    expect(irelandBefore).toEqual([]);
    expect(commands.map((command) => /--region (\S+)/.exec(command)?.[1])).toEqual([
      'us-west-2',
      'eu-west-1',
    ]);
    expect(await oregon.list()).toEqual([]);
    expect((await ireland.list()).map((pair) => [pair.region, pair.keyId])).toEqual([
      ['eu-west-1', key.keyId],
    ]);
  });
});

describe('IvsPlaybackKeyRegistry, taking over a pair imported by hand (keys adopt)', () => {
  it('reads a foreign pair’s fingerprint, tags the pair as ours idempotently, and refuses one that is ours under another key', async () => {
    const registry = await ivs();
    const running = standIn as AwsStandIn;
    const handMade = running.ivs.addForeignKeyPair({ name: 'legacy-playback-key' });
    const [listed] = await registry.list();
    if (!listed) throw new Error('the foreign pair is not listed');

    expect(listed.fingerprint).toBeUndefined();
    expect(await registry.fingerprintOf(listed)).toBe(handMade.fingerprint);
    const claimed = await registry.claimKeyPair(listed, 'ipa-adopted-0123456789abcdef01234567');
    const again = await registry.claimKeyPair(listed, 'ipa-adopted-0123456789abcdef01234567');

    expect(claimed).toMatchObject({
      arn: handMade.arn,
      name: 'legacy-playback-key',
      keyId: 'ipa-adopted-0123456789abcdef01234567',
    });
    expect(again).toEqual(claimed);
    expect(running.ivs.keyPairs[0]?.tags).toEqual({
      [MANAGED_BY_TAG]: MANAGED_BY_VALUE,
      [KEY_ID_TAG]: 'ipa-adopted-0123456789abcdef01234567',
    });
    await expect(registry.claimKeyPair(listed, 'ipa-other')).rejects.toThrow(
      /refusing to tag key pair legacy-playback-key: it is already managed by this service as key ipa-adopted-/,
    );
    expect(running.requests.filter((request) => request.operation === 'TagResource')).toHaveLength(1);
    expect(running.rejected()).toEqual([]);
  });

  it('fails a fingerprint it cannot read instead of reporting none (adoption decides on it)', async () => {
    standIn ??= await startAwsStandIn();
    const running = standIn;
    running.reset();
    const registry = new IvsPlaybackKeyRegistry({
      client: ivsClientFor(running, { maxAttempts: 1 }),
      logger: new RecordingLogger(),
    });
    running.ivs.addForeignKeyPair({ name: 'legacy-playback-key' });
    const [listed] = await registry.list();
    running.faults.add({ service: 'ivs', operation: 'GetPlaybackKeyPair', kind: 'unavailable', times: 1 });

    await expect(registry.fingerprintOf(listed as NonNullable<typeof listed>)).rejects.toMatchObject({
      code: 'DEPENDENCY_UNAVAILABLE',
    });
  });
});
