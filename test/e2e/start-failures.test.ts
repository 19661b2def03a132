import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/processes.js';

/**
 * Every start-up failure a person can cause ends the process non-zero with one line that names the
 * setting and what to do: no stack trace. `serve` is what `npm start` runs.
 */
describe('start-up failures a person can cause', () => {
  let folder: string;
  let occupied: Server;
  let occupiedPort: number;

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'ipa-start-'));
    occupied = createServer();
    await new Promise<void>((resolve) => occupied.listen(0, '127.0.0.1', resolve));
    occupiedPort = (occupied.address() as { port: number }).port;
  });

  afterAll(async () => {
    await new Promise((resolve) => occupied.close(resolve));
    await rm(folder, { recursive: true, force: true });
  });

  const expectOneLine = (stderr: string, pattern: RegExp) => {
    const lines = stderr.split('\n').filter((line) => line !== '' && !line.startsWith('{'));
    expect(lines).toEqual([expect.stringMatching(pattern)]);
    expect(stderr).not.toMatch(/^\s+at /m);
  };

  it('a second start on the same port', async () => {
    // The second instance shares the first one's keys folder, which already has an API key.
    const env = { KEYS_DIR: join(folder, 'port'), PORT: String(occupiedPort) };
    await runCli(['api-keys', 'create', '--scope', 'tokens:issue'], env);

    const result = await runCli(['serve'], env);

    expect(result.code).toBe(2);
    expectOneLine(
      result.stderr,
      new RegExp(
        `^ivs-playback-auth: PORT: 127\\.0\\.0\\.1:${occupiedPort} is already in use .*set PORT to a free port$`,
      ),
    );
  });

  it('a first start on a port in use: one line, and no development key made or shown', async () => {
    const keysDir = join(folder, 'first-start-port');

    const result = await runCli(['serve'], { KEYS_DIR: keysDir, PORT: String(occupiedPort) });

    expect(result.code).toBe(2);
    expectOneLine(result.stderr, /is already in use .*set PORT to a free port$/);
    expect(result.stderr).not.toContain('Development API key');
    const listed = await runCli(['api-keys', 'list'], { KEYS_DIR: keysDir });
    expect(JSON.parse(listed.stdout)).toEqual([]);
  });

  it('a CHANNELS_FILE that does not exist', async () => {
    const path = join(folder, 'missing.json');

    const result = await runCli(['serve'], {
      KEYS_DIR: join(folder, 'missing'),
      PORT: '0',
      CHANNELS_FILE: path,
    });

    expect(result.code).toBe(2);
    expectOneLine(
      result.stderr,
      new RegExp(`^ivs-playback-auth: CHANNELS_FILE: ${path} does not exist; it must be a JSON object`),
    );
  });

  it('a CHANNELS_FILE that is not JSON, also for a CLI command', async () => {
    const path = join(folder, 'channels.json');
    await writeFile(path, 'arn:aws:ivs:us-west-2:123456789012:channel/AbCd = https://example.com\n');
    const env = { KEYS_DIR: join(folder, 'not-json'), PORT: '0', CHANNELS_FILE: path };

    const served = await runCli(['serve'], env);
    const token = await runCli(
      ['token', '--channel-arn', 'arn:aws:ivs:us-west-2:123456789012:channel/AbCd'],
      env,
    );

    for (const result of [served, token]) {
      expect(result.code).toBe(2);
      expectOneLine(
        result.stderr,
        new RegExp(`^ivs-playback-auth: CHANNELS_FILE: ${path} is not valid JSON;`),
      );
    }
  });

  it('a CHANNELS_FILE whose keys are not channel ARNs', async () => {
    const path = join(folder, 'wrong.json');
    await writeFile(path, JSON.stringify({ 'my-channel': 'https://example.com/live.m3u8' }));

    const result = await runCli(['serve'], {
      KEYS_DIR: join(folder, 'wrong'),
      PORT: '0',
      CHANNELS_FILE: path,
    });

    expect(result.code).toBe(2);
    expectOneLine(
      result.stderr,
      /^ivs-playback-auth: CHANNELS_FILE: .* has a key that is not an IVS channel ARN: "my-channel"/,
    );
  });
  it('a POLICIES_FILE with problems: every one listed, each naming where it is, and no start', async () => {
    const path = join(folder, 'policies.yaml');
    await writeFile(
      path,
      [
        'version: 1',
        'policies:',
        '  - name: sports',
        '    channels: ["arn:aws:ivs:us-west-2:123456789012:channel/*"]',
        '    allowedCountries: [US, Canada]',
        '    maximumResolution: 4K',
        '  - name: sports',
        '    channels: ["channel/*"]',
      ].join('\n'),
    );

    const result = await runCli(['serve'], {
      KEYS_DIR: join(folder, 'policies'),
      PORT: '0',
      POLICIES_FILE: path,
    });

    expect(result.code).toBe(2);
    const lines = result.stderr.split('\n').filter((line) => line !== '' && !line.startsWith('{'));
    expect(lines).toEqual([
      `ivs-playback-auth: POLICIES_FILE: ${path} has 4 problems:`,
      '  - policies[0].maximumResolution must be equal to one of the allowed values',
      '  - policies[0] ("sports").allowedCountries[1] "Canada" is not an ISO 3166-1 alpha-2 country code (such as US, CA, DE)',
      '  - policies[1] ("sports"): the name is already used by policies[0]',
      '  - policies[1] ("sports").channels[0] must be a channel ARN where * matches any characters, e.g. arn:aws:ivs:us-west-2:123456789012:channel/*',
      'fix the file (see docs/access-policies.md), or unset POLICIES_FILE',
    ]);
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });

  it('a GEOIP_DATABASE that is not an MMDB database', async () => {
    const path = join(folder, 'not-a-database.mmdb');
    await writeFile(path, 'just text');

    const result = await runCli(['serve'], {
      KEYS_DIR: join(folder, 'geoip'),
      PORT: '0',
      GEOIP_DATABASE: path,
    });

    expect(result.code).toBe(2);
    expectOneLine(
      result.stderr,
      new RegExp(
        `^ivs-playback-auth: GEOIP_DATABASE: ${path} is not an MMDB database .*set GEOIP_DATABASE to an MMDB country database`,
      ),
    );
  });
});
