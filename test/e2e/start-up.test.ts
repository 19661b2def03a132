import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startService } from '../../src/main.js';
import { RecordingLogger } from '../support/fakes.js';

/** What a start refuses, and why it says so: configuration that decides whether the server can run. */
describe('startService', () => {
  let folder: string;
  beforeEach(async () => {
    folder = await mkdtemp(join(tmpdir(), 'ipa-start-'));
  });
  afterEach(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it.each([
    ['local', {}],
    [
      'production',
      { KEY_STORE: 'secrets-manager', SECRET_ID: 'ivs-playback-auth/key', AWS_REGION: 'us-west-2' },
    ],
  ])(
    'refuses to start in %s mode with a corrupt API_KEYS_FILE, naming the file and what is wrong',
    async (_mode, modeEnv) => {
      const apiKeysFile = join(folder, 'api-keys.json');
      await writeFile(apiKeysFile, '{"version": 1, "keys": [', { mode: 0o600 });
      const announced: string[] = [];

      const start = startService({
        env: { KEYS_DIR: folder, API_KEYS_FILE: apiKeysFile, PORT: '0', SIGNER: 'openssl', ...modeEnv },
        logger: new RecordingLogger(),
        announce: (text) => announced.push(text),
      });

      await expect(start).rejects.toMatchObject({
        code: 'KEY_STORE_CORRUPT',
        message: expect.stringContaining(`${apiKeysFile} is not a valid API key file`),
      });
      // A corrupt file is not an empty one: no development key is created over it.
      expect(announced).toEqual([]);
    },
  );

  it('refuses production mode without API_KEYS_FILE before building any AWS client', async () => {
    const logger = new RecordingLogger();

    const start = startService({
      env: { KEY_STORE: 'secrets-manager', SECRET_ID: 'ivs-playback-auth/key', PORT: '0' },
      logger,
    });

    await expect(start).rejects.toThrow(/API_KEYS_FILE is required with KEY_STORE=secrets-manager/);
    expect(logger.entries).toEqual([]);
  });
});
