import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FileApiKeyStore } from '../../src/adapters/local/file-api-key-store.js';
import type { ApiKeyStore } from '../../src/domain/ports.js';
import { createApiKeyAuthenticator } from '../../src/services/api-key-authenticator.js';
import { createApiKey } from '../../src/services/api-key-factory.js';
import { InMemoryApiKeyStore, ManualClock, RecordingLogger } from '../support/fakes.js';

const folders: string[] = [];
afterEach(async () => {
  await Promise.all(folders.splice(0).map((folder) => rm(folder, { recursive: true, force: true })));
});

async function fileStore(): Promise<FileApiKeyStore> {
  const folder = await mkdtemp(join(tmpdir(), 'ipa-apikeys-'));
  folders.push(folder);
  return new FileApiKeyStore(join(folder, 'api-keys.json'));
}

describe.each([
  ['FileApiKeyStore', fileStore],
  ['InMemoryApiKeyStore', async (): Promise<ApiKeyStore> => new InMemoryApiKeyStore()],
])('API keys with %s', (_name, makeStore) => {
  it('authenticates a created key and returns its scopes and channel patterns', async () => {
    const store = await makeStore();
    const clock = new ManualClock();
    const { key, record } = await createApiKey(
      { store, clock: clock.now },
      { scopes: ['tokens:issue', 'tokens:issue'], channels: ['arn:aws:ivs:us-west-2:1:channel/*'] },
    );
    const authenticator = createApiKeyAuthenticator({ store, logger: new RecordingLogger() });
    await authenticator.reload();

    const caller = authenticator.authenticate(`Bearer ${key}`);

    expect(caller.apiKeyId).toBe(record.id);
    expect([...caller.scopes]).toEqual(['tokens:issue']);
    expect(caller.channelPatterns?.[0]?.test('arn:aws:ivs:us-west-2:1:channel/abc')).toBe(true);
    expect(JSON.stringify(await store.list())).not.toContain(key);
  });

  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['not bearer', 'Token abc'],
    ['unknown id', 'Bearer ipa_ffffffffffff_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'],
    ['garbage', 'Bearer \u0000\u0001'],
    ['very long', `Bearer ${'a'.repeat(10_000)}`],
  ])('throws UNAUTHENTICATED for a %s header', async (_case, header) => {
    const store = await makeStore();
    await createApiKey({ store, clock: new ManualClock().now }, { scopes: ['keys:admin'] });
    const authenticator = createApiKeyAuthenticator({ store, logger: new RecordingLogger() });
    await authenticator.reload();

    expect(() => authenticator.authenticate(header)).toThrow(
      expect.objectContaining({ code: 'UNAUTHENTICATED' }),
    );
  });

  it('forgets a removed key on reload', async () => {
    const store = await makeStore();
    const { key, record } = await createApiKey(
      { store, clock: new ManualClock().now },
      { scopes: ['keys:admin'] },
    );
    const authenticator = createApiKeyAuthenticator({ store, logger: new RecordingLogger() });
    await authenticator.reload();

    await store.remove(record.id);
    await authenticator.reload();

    expect(() => authenticator.authenticate(`Bearer ${key}`)).toThrow(
      expect.objectContaining({ code: 'UNAUTHENTICATED' }),
    );
    expect(await store.remove(record.id)).toBe(false);
  });

  it('refuses a key without scopes and a bad channel pattern', async () => {
    const store = await makeStore();
    const clock = new ManualClock();

    await expect(createApiKey({ store, clock: clock.now }, { scopes: [] })).rejects.toMatchObject({
      code: 'INVALID_REQUEST',
    });
    await expect(
      createApiKey(
        { store, clock: clock.now },
        { scopes: ['keys:admin'], channels: ['channel with spaces'] },
      ),
    ).rejects.toMatchObject({
      code: 'INVALID_REQUEST',
    });
  });
});

describe('FileApiKeyStore', () => {
  it('writes the file with mode 0600', async () => {
    const store = await fileStore();
    await createApiKey({ store, clock: new ManualClock().now }, { scopes: ['keys:admin'] });

    const path = join(folders[0] ?? '', 'api-keys.json');

    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  it('names every problem of a hand-edited file at once, with where it is', async () => {
    const store = await fileStore();
    await writeFile(
      join(folders[0] ?? '', 'api-keys.json'),
      JSON.stringify({
        version: 1,
        keys: [{ id: 'XYZ', sha256: 'abc', scopes: ['tokens:issue', 'root'], createdAt: 'yesterday' }],
      }),
    );

    const listing = store.list();

    await expect(listing).rejects.toMatchObject({ code: 'KEY_STORE_CORRUPT' });
    const message = await listing.catch((error: Error) => error.message);
    expect(message).toContain('keys[0].id must match pattern "^[0-9a-f]{12}$"');
    expect(message).toContain('keys[0].sha256 must match pattern "^[0-9a-f]{64}$"');
    expect(message).toContain('keys[0].scopes[1] must be equal to one of the allowed values');
    expect(message).toContain('keys[0].createdAt must match format "date-time"');
  });

  it('keeps the keys it had when the file becomes unreadable, and logs why once', async () => {
    const store = await fileStore();
    const { key } = await createApiKey({ store, clock: new ManualClock().now }, { scopes: ['keys:admin'] });
    const logger = new RecordingLogger();
    const authenticator = createApiKeyAuthenticator({ store, logger });
    await authenticator.reload();

    await writeFile(join(folders[0] ?? '', 'api-keys.json'), '{ not json');
    await authenticator.reload();
    await authenticator.reload();

    expect(authenticator.authenticate(`Bearer ${key}`).scopes.has('keys:admin')).toBe(true);
    expect(logger.entries.filter((entry) => entry.level === 'error')).toHaveLength(1);
    expect(logger.text()).not.toContain(key);
  });
});
