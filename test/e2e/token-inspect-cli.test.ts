import { createPrivateKey } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileKeyStore } from '../../src/adapters/local/file-key-store.js';
import { type CraftedKey, craftToken, secondsFrom } from '../support/crafted-tokens.js';
import { runCli } from '../support/processes.js';

const CHANNEL_ARN = 'arn:aws:ivs:us-west-2:123456789012:channel/AbCdEf123456';
const PLAYBACK_URL =
  'https://abc123.us-west-2.playback.live-video.net/api/video/v1/us-west-2.123456789012.channel.AbCdEf123456.m3u8';

/**
 * `ivs-playback-auth token inspect`, offline in local mode, on the cases people ask about: the
 * verdict on the first line, every reason after it, an exit code per verdict, and the API's JSON
 * with --json.
 */
describe('ivs-playback-auth token inspect (local mode)', () => {
  let keysDir: string;
  let env: Record<string, string>;

  const cli = (...args: string[]) => runCli(args, env);
  /** The service's current key, as a broken client holding it would sign with it. */
  const serviceKey = async (): Promise<CraftedKey> => {
    const { current } = await new FileKeyStore(keysDir).readKeys();
    if (!current) throw new Error('no current key');
    return { privateKey: createPrivateKey(current.privateKey.reveal()), publicKeyPem: current.publicKeyPem };
  };
  const issue = async (...options: string[]) => {
    const run = await cli('token', '--channel-arn', CHANNEL_ARN, '--json', ...options);
    expect(run.code, run.stderr).toBe(0);
    return JSON.parse(run.stdout) as { token: string; playbackUrl: string };
  };

  beforeAll(async () => {
    keysDir = await mkdtemp(join(tmpdir(), 'ipa-inspect-cli-'));
    const channelsFile = join(keysDir, 'channels.json');
    await writeFile(channelsFile, JSON.stringify({ [CHANNEL_ARN]: PLAYBACK_URL }));
    env = { KEYS_DIR: keysDir, CHANNELS_FILE: channelsFile, LOG_LEVEL: 'warn' };
  });

  afterAll(async () => {
    await rm(keysDir, { recursive: true, force: true });
  });

  it('says a token from the service plays (exit 0), and prints the API JSON with --json', async () => {
    const { token, playbackUrl } = await issue('--viewer-id', 'viewer-1', '--ttl', '300');

    const human = await cli('token', 'inspect', playbackUrl);
    const json = await cli('token', 'inspect', token, '--json');

    expect(human.code).toBe(0);
    expect(human.stdout.split('\n')[0]).toBe('PLAYS');
    expect(human.stdout).toMatch(/key: {7}ipa-\S+ \(current\)/);
    expect(human.stdout).not.toContain(token);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({
      verdict: 'plays',
      key: { status: 'ours', state: 'current' },
      channel: { arn: CHANNEL_ARN, status: 'private' },
    });
  });

  it('exp in milliseconds: WILL NOT PLAY (exit 3), EXP_IN_MILLISECONDS', async () => {
    const token = craftToken(
      { 'aws:channel-arn': CHANNEL_ARN, exp: Date.now() + 300_000 },
      await serviceKey(),
    );

    const run = await cli('token', 'inspect', token);

    expect(run.code).toBe(3);
    expect(run.stdout).toMatch(/^WILL NOT PLAY: exp is \d+, a time in milliseconds/);
    expect(run.stdout).toContain('  error   EXP_IN_MILLISECONDS');
  });

  it('a viewer token with a 20-minute exp: WILL NOT PLAY, TTL_OVER_VIEWER_LIMIT', async () => {
    const token = craftToken(
      { 'aws:channel-arn': CHANNEL_ARN, 'aws:viewer-id': 'viewer-1', exp: secondsFrom(new Date(), 1200) },
      await serviceKey(),
    );

    const run = await cli('token', 'inspect', token);

    expect(run.code).toBe(3);
    expect(run.stdout).toContain('  error   TTL_OVER_VIEWER_LIMIT');
  });

  it('a strict-origin token with another Origin: WILL NOT PLAY, ORIGIN_NOT_ALLOWED; without one: CANNOT TELL (exit 4)', async () => {
    const { token } = await issue(
      '--allowed-origin',
      'https://www.example.com',
      '--strict-origin-enforcement',
    );

    const other = await cli('token', 'inspect', token, '--origin', 'https://evil.example.net');
    const none = await cli('token', 'inspect', token);

    expect(other.code).toBe(3);
    expect(other.stdout).toContain('  error   ORIGIN_NOT_ALLOWED');
    expect(none.code).toBe(4);
    expect(none.stdout).toContain('  unknown ORIGIN_NOT_GIVEN');
  });

  it('a playback URL with the token doubled: WILL NOT PLAY, TOKEN_DOUBLED_IN_URL', async () => {
    const first = await issue();
    const second = await issue('--ttl', '60');

    const run = await cli('token', 'inspect', `${first.playbackUrl}?token=${second.token}`);

    expect(run.code).toBe(3);
    expect(run.stdout).toContain('  error   TOKEN_DOUBLED_IN_URL');
  });

  it('a token signed by a deleted key (emergency rotation): WILL NOT PLAY, KEY_RETIRED', async () => {
    const { token } = await issue();
    expect((await cli('keys', 'rotate', '--emergency')).code).toBe(0);

    const run = await cli('token', 'inspect', token);

    expect(run.code).toBe(3);
    expect(run.stdout).toContain('  error   KEY_RETIRED');
    expect(run.stdout).toMatch(/key: {7}ipa-\S+ \(retired, retired /);
  });

  it('still requires --channel-arn to sign, and reads a public key file for a foreign token', async () => {
    const missing = await cli('token', '--json');
    const noFile = await cli('token', 'inspect', 'a.b.c', '--public-key', join(keysDir, 'nope.pem'));

    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain("required option '--channel-arn <arn>' not specified");
    expect(noFile.code).toBe(1);
    expect(noFile.stderr).toContain('--public-key');
  });
});
