import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningService, startService } from '../../src/main.js';
import { type AwsStandIn, startAwsStandIn } from '../support/aws-stand-in/index.js';
import type { ChannelRecord } from '../support/aws-stand-in/ivs-state.js';
import { RecordingLogger } from '../support/fakes.js';
import { type LegacyKey, makeLegacyKey, signLegacyToken } from '../support/legacy-signer.js';
import { runCli } from '../support/processes.js';
import { productionEnv, writeApiKey } from '../support/production-env.js';

const KEY_ID_TAG = 'ivs-playback-auth:key-id';
const REGIONS = ['us-west-2', 'eu-west-1'];

/**
 * The migration the README describes, end to end: a hand-made SEC1 key imported into IVS by hand
 * in two regions, a legacy signer minting tokens with it outside the service, the service running
 * beside it with its own key, and `ivs-playback-auth keys adopt --as previous` (the real CLI, in its
 * own process). The legacy tokens play before, during and after the adoption, the service's own
 * tokens play, and once the drain is over the server's janitor retires the adopted key and deletes
 * it from IVS. A drain of 5 s (TOKEN_MAX_TTL_SECONDS 4 + KEY_MAX_STALENESS_SECONDS 1) keeps it short.
 */
describe('migrating from a legacy signer with keys adopt, against the AWS stand-in', () => {
  let standIn: AwsStandIn;
  let folder: string;
  let keyFile: string;
  let apiKey: string;
  let service: RunningService;
  let env: Record<string, string>;
  let legacy: LegacyKey;
  let channels: ChannelRecord[];
  const savedEnv = { ...process.env };

  beforeAll(async () => {
    standIn = await startAwsStandIn();
    Object.assign(process.env, standIn.env());
    folder = await mkdtemp(join(tmpdir(), 'ipa-adopt-'));
    legacy = makeLegacyKey();
    keyFile = join(folder, 'legacy-playback-key.pem');
    await writeFile(keyFile, legacy.sec1Pem);
    await chmod(keyFile, 0o600);
    // `aws ivs import-playback-key-pair --name legacy-playback-key …`, done by hand long ago.
    for (const region of REGIONS) {
      standIn
        .ivsIn(region)
        .addForeignKeyPair({ publicKeyMaterial: legacy.publicKeyPem, name: 'legacy-playback-key' });
    }
    channels = REGIONS.map((region) => standIn.ivsIn(region).addChannel({ authorized: true }));
    const apiKeysFile = join(folder, 'api-keys.json');
    apiKey = await writeApiKey(apiKeysFile);
    env = {
      ...productionEnv(standIn, { secretId: 'ivs-playback-auth/adopt-e2e', apiKeysFile, keysDir: folder }),
      IVS_REGIONS: REGIONS.join(','),
      TOKEN_MAX_TTL_SECONDS: '4',
      TOKEN_DEFAULT_TTL_SECONDS: '4',
      CLOCK_SKEW_SECONDS: '0',
      KEY_MAX_STALENESS_SECONDS: '1',
      KEY_REFRESH_SECONDS: '1',
      REGION_CHECK_SECONDS: '1',
      JANITOR_SECONDS: '1',
      SHUTDOWN_DELAY_SECONDS: '0',
    };
  });

  afterAll(async () => {
    await service?.close();
    await standIn?.close();
    await rm(folder, { recursive: true, force: true });
    process.env = savedEnv;
  });

  const legacyReasons = async () =>
    Promise.all(
      channels.map(async (channel) => {
        const token = await signLegacyToken(legacy, { channelArn: channel.arn, ttlSeconds: 4 });
        return standIn.play({ playbackUrl: `${channel.playbackUrl}?token=${token}` }).reason;
      }),
    );
  const serviceReasons = async () =>
    Promise.all(
      channels.map(async (channel) => {
        const response = await fetch(`${service.url}/v1/playback-tokens`, {
          method: 'POST',
          headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
          body: JSON.stringify({ channelArn: channel.arn, viewerId: 'viewer-1' }),
        });
        const { token } = (await response.json()) as { token: string };
        return standIn.play({ playbackUrl: `${channel.playbackUrl}?token=${token}` }).reason;
      }),
    );
  const listKeys = async () =>
    (
      (await (
        await fetch(`${service.url}/v1/playback-keys`, { headers: { authorization: `Bearer ${apiKey}` } })
      ).json()) as { keys: { keyId: string; state: string; adoptedAt?: string; drainEndsAt?: string }[] }
    ).keys;
  const PLAYS = REGIONS.map(() => 'TOKEN_ACCEPTED');

  it('keeps every legacy token playing until the drain ends, then retires the adopted key by itself', async () => {
    expect(await legacyReasons()).toEqual(PLAYS);
    service = await startService({ env, logger: new RecordingLogger(), announce: () => {} });
    await service.ready;
    expect(await legacyReasons()).toEqual(PLAYS);
    expect(await serviceReasons()).toEqual(PLAYS);

    const adopted = await runCli(['keys', 'adopt', '--private-key', keyFile, '--as', 'previous'], env);

    expect(adopted.code).toBe(0);
    const result = JSON.parse(adopted.stdout) as {
      keyId: string;
      state: string;
      drainEndsAt: string;
      regions: unknown[];
    };
    expect(result).toMatchObject({ state: 'previous', regions: [expect.anything(), expect.anything()] });
    expect(adopted.stderr).not.toContain(legacy.sec1Pem.split('\n')[1]);
    expect(await legacyReasons()).toEqual(PLAYS);
    expect(await serviceReasons()).toEqual(PLAYS);
    expect((await listKeys()).find((key) => key.keyId === result.keyId)).toMatchObject({
      state: 'previous',
      adoptedAt: expect.any(String),
      drainEndsAt: result.drainEndsAt,
    });

    // The janitor (every JANITOR_SECONDS) retires it once the drain is over; until then it plays.
    const deadline = Date.now() + 20_000;
    let state = 'previous';
    while (state !== 'retired' && Date.now() < deadline) {
      // Checked until a second before the drain ends: the janitor may retire the key any time after.
      if (Date.now() < Date.parse(result.drainEndsAt) - 1000) expect(await legacyReasons()).toEqual(PLAYS);
      await new Promise((resolve) => setTimeout(resolve, 250));
      state = (await listKeys()).find((key) => key.keyId === result.keyId)?.state ?? 'missing';
    }
    expect(state).toBe('retired');
    expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(result.drainEndsAt));
    expect(await legacyReasons()).toEqual(REGIONS.map(() => 'SIGNATURE_NOT_VERIFIED'));
    expect(await serviceReasons()).toEqual(PLAYS);
    for (const region of REGIONS) {
      const pairs = standIn.ivsIn(region).keyPairs;
      expect(pairs).toHaveLength(1);
      expect(pairs[0]?.tags[KEY_ID_TAG]).not.toBe(result.keyId);
    }
    // No region ever held more than IVS's 3 pairs, and nothing the real service would refuse was sent.
    expect(
      standIn.requests.filter((request) => request.errorType === 'ServiceQuotaExceededException'),
    ).toEqual([]);
    expect(standIn.rejected()).toEqual([]);
  }, 40_000);

  it('reads the key from standard input, and refuses with a code and no trace of the key', async () => {
    const retiredAgain = await runCli(['keys', 'adopt', '--private-key', '-'], env, {
      input: legacy.sec1Pem,
    });
    const garbage = await runCli(['keys', 'adopt', '--private-key', '-'], env, { input: 'not a key\n' });
    const missing = await runCli(['keys', 'adopt', '--private-key', join(folder, 'nope.pem')], env);
    const p256 = makeLegacyKey('P-256');
    await writeFile(join(folder, 'p256.pem'), p256.sec1Pem);
    const wrongCurve = await runCli(['keys', 'adopt', '--private-key', join(folder, 'p256.pem')], env);

    expect(retiredAgain).toMatchObject({ code: 1, stdout: '' });
    expect(retiredAgain.stderr).toMatch(
      /KEY_ALREADY_MANAGED: .*retired, and a retired key is never brought back/,
    );
    expect(garbage.stderr).toMatch(/KEY_NOT_READABLE: the private key is not PEM/);
    expect(missing.stderr).toMatch(/--private-key .*nope\.pem does not exist; nothing was adopted/);
    expect(wrongCurve.stderr).toMatch(/KEY_NOT_P384: .*prime256v1/);
    for (const run of [retiredAgain, garbage, missing, wrongCurve]) expect(run.code).toBe(1);
    expect(wrongCurve.stderr).not.toContain(p256.sec1Pem.split('\n')[1]);
  }, 30_000);

  it('explains the choice of state in its help', async () => {
    const help = await runCli(['keys', 'adopt', '--help'], env);

    expect(help.stdout).toMatch(/--private-key <file>/);
    expect(help.stdout).toMatch(/--as <state>/);
    expect(help.stdout.replace(/\s+/g, ' ')).toMatch(
      /Default, the safe choice: current when the service has no key yet/,
    );
  });
});
