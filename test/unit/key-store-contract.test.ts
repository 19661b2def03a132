import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { generateSigningKey } from '../../src/adapters/crypto/p384-keys.js';
import { FileKeyStore } from '../../src/adapters/local/file-key-store.js';
import type { KeyStore } from '../../src/domain/ports.js';
import { InMemoryKeyStore } from '../support/fakes.js';
import { keyStoreContract } from '../support/key-store-contract.js';

const T0 = new Date('2026-01-01T00:00:00.000Z');
const T1 = new Date('2026-01-01T01:00:00.000Z');
const T2 = new Date('2026-01-01T02:00:00.000Z');

const folders: string[] = [];
afterEach(async () => {
  await Promise.all(folders.splice(0).map((folder) => rm(folder, { recursive: true, force: true })));
});

async function fileStore(): Promise<KeyStore> {
  const folder = await mkdtemp(join(tmpdir(), 'ipa-keystore-'));
  folders.push(folder);
  return new FileKeyStore(folder);
}

keyStoreContract('FileKeyStore', fileStore);
keyStoreContract('InMemoryKeyStore', async () => new InMemoryKeyStore());

describe('FileKeyStore files', () => {
  it('writes the private key with mode 0600 and leaves no temp files behind', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'ipa-keystore-'));
    folders.push(folder);
    const store = new FileKeyStore(folder);
    const key = await generateSigningKey(T0);

    await store.stagePending(key);

    const privateMode = (await stat(store.privateKeyPath(key.keyId))).mode & 0o777;
    expect(privateMode).toBe(0o600);
    expect((await stat(store.publicKeyPath(key.keyId))).mode & 0o777).toBe(0o644);
    const names = await readdir(folder);
    expect(names.filter((name) => name.endsWith('.tmp'))).toEqual([]);
    expect(names.sort()).toEqual(
      [`${key.keyId}.private.pem`, `${key.keyId}.public.pem`, 'signing-keys.json'].sort(),
    );
  });

  it('deletes the private key of a retired key', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'ipa-keystore-'));
    folders.push(folder);
    const store = new FileKeyStore(folder);
    const [a, b] = await Promise.all([generateSigningKey(T0), generateSigningKey(T1)]);
    await store.stagePending(a);
    await store.promotePending(a.keyId, T0);
    await store.stagePending(b);
    await store.promotePending(b.keyId, T1);

    await store.retirePrevious(a.keyId, T2);

    expect(await readdir(folder)).not.toContain(`${a.keyId}.private.pem`);
  });

  it('reports a corrupt index with KEY_STORE_CORRUPT instead of crashing', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'ipa-keystore-'));
    folders.push(folder);
    const { writeFile } = await import('node:fs/promises');
    await writeFile(join(folder, 'signing-keys.json'), '{"version": 1, "keys": [{"keyId": "x y"}]}');

    const read = new FileKeyStore(folder).readKeys();

    await expect(read).rejects.toMatchObject({ code: 'KEY_STORE_CORRUPT' });
  });
});
