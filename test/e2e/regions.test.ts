import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningService, startService } from '../../src/main.js';
import { type AwsStandIn, startAwsStandIn } from '../support/aws-stand-in/index.js';
import { RecordingLogger } from '../support/fakes.js';
import { productionEnv, writeApiKey } from '../support/production-env.js';

const SECRET_ID = 'ivs-playback-auth/regions-signing-key';
const KEY_ID_TAG = 'ivs-playback-auth:key-id';
const REGIONS = ['us-west-2', 'eu-west-1', 'ap-northeast-1'] as const;

interface Issued {
  readonly status: number;
  readonly token: string;
  readonly keyId: string;
  readonly playbackUrl?: string;
  readonly code?: string;
  readonly message?: string;
  readonly details?: Record<string, unknown>;
}

/**
 * One deployment serving three IVS regions against the AWS stand-in (docs/key-lifecycle.md,
 * "Regions"): the key is published and rotated in every region at once, tokens are issued only where
 * they play, and every token is played through the stand-in's playback oracle, which knows only what
 * IVS holds in the channel's region.
 */
describe('one deployment serving several IVS regions', () => {
  let standIn: AwsStandIn;
  let folder: string;
  let apiKey: string;
  let service: RunningService;
  let env: Record<string, string>;
  const logger = new RecordingLogger();
  const savedEnv = { ...process.env };
  const channels = new Map<string, string>();
  const channelIn = (region: string) => channels.get(region) ?? '';

  const post = (path: string, body: unknown, to = service) =>
    fetch(`${to.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const issue = async (channelArn: string, to = service): Promise<Issued> => {
    const response = await post('/v1/playback-tokens', { channelArn, viewerId: 'viewer-1' }, to);
    return { status: response.status, ...((await response.json()) as Omit<Issued, 'status'>) };
  };
  const plays = (issued: Issued) => standIn.play({ playbackUrl: issued.playbackUrl ?? '' }).plays;
  const ourKeysIn = (region: string) =>
    standIn
      .ivsIn(region)
      .keyPairs.flatMap((pair) => (pair.tags[KEY_ID_TAG] ? [pair.tags[KEY_ID_TAG]] : []))
      .sort();
  const currentKeyId = () => service.runtime.keyCache.status().currentKeyId ?? '';

  beforeAll(async () => {
    standIn = await startAwsStandIn();
    for (const region of REGIONS)
      channels.set(region, standIn.ivsIn(region).addChannel({ authorized: true }).arn);
    standIn.ivsIn('eu-west-1').addForeignKeyPair({ name: 'legacy-signer-key' });
    folder = await mkdtemp(join(tmpdir(), 'ipa-regions-'));
    const apiKeysFile = join(folder, 'api-keys.json');
    apiKey = await writeApiKey(apiKeysFile);
    Object.assign(process.env, standIn.env());
    env = {
      ...productionEnv(standIn, { secretId: SECRET_ID, apiKeysFile, keysDir: folder }),
      IVS_REGIONS: REGIONS.join(','),
      KEY_REFRESH_SECONDS: '1',
      KEY_MAX_STALENESS_SECONDS: '30',
      TOKEN_MAX_TTL_SECONDS: '600',
      REGION_CHECK_SECONDS: '1',
      JANITOR_SECONDS: '1',
      CHANNEL_CHECK: 'authorized',
      SHUTDOWN_DELAY_SECONDS: '0',
    };
    service = await startService({ env, logger, announce: () => {} });
    await service.ready;
  });

  afterAll(async () => {
    await service?.close();
    await standIn?.close();
    await rm(folder, { recursive: true, force: true });
    process.env = savedEnv;
  });

  it('imports the first key into every served region before issuing, a foreign key pair beside it', () => {
    for (const region of REGIONS) expect(ourKeysIn(region), region).toEqual([currentKeyId()]);
    expect(standIn.ivsIn('eu-west-1').keyPairs).toHaveLength(2);
  });

  it('issues tokens that play for a channel in each served region', async () => {
    for (const region of REGIONS) {
      const issued = await issue(channelIn(region));

      expect(issued.status, region).toBe(201);
      expect(plays(issued), region).toBe(true);
    }
  });

  it('refuses a channel in a region it does not serve, and one in another account, with their codes', async () => {
    const mumbai = standIn.ivsIn('ap-south-1').addChannel({ authorized: true }).arn;
    const otherAccount = channelIn('us-west-2').replace(':123456789012:', ':210987654321:');

    const [unserved, foreign] = await Promise.all([issue(mumbai), issue(otherAccount)]);
    const batch = await post('/v1/playback-tokens/batch', {
      requests: [
        { channelArn: channelIn('eu-west-1') },
        { channelArn: mumbai },
        { channelArn: otherAccount },
      ],
    });
    const results = ((await batch.json()) as { results: { status: number; error?: { code: string } }[] })
      .results;

    expect([unserved.status, unserved.code]).toEqual([422, 'CHANNEL_REGION_NOT_SERVED']);
    expect(unserved.details).toMatchObject({ region: 'ap-south-1', servedRegions: [...REGIONS] });
    expect([foreign.status, foreign.code]).toEqual([422, 'CHANNEL_ACCOUNT_NOT_SERVED']);
    expect(results.map((result) => [result.status, result.error?.code])).toEqual([
      [201, undefined],
      [422, 'CHANNEL_REGION_NOT_SERVED'],
      [422, 'CHANNEL_ACCOUNT_NOT_SERVED'],
    ]);
  });

  it('answers 503 naming the region and operation when one region fails mid-rotation; every token still plays, and the retry completes', async () => {
    const before = await Promise.all(REGIONS.map((region) => issue(channelIn(region))));
    const fault = standIn.faults.add({
      service: 'ivs',
      operation: 'ImportPlaybackKeyPair',
      kind: 'server-error',
      region: 'eu-west-1',
    });

    const failed = await post('/v1/playback-keys/rotate', {});
    const failure = (await failed.json()) as {
      code: string;
      message: string;
      details: Record<string, unknown>;
    };
    const during = await Promise.all(REGIONS.map((region) => issue(channelIn(region))));
    standIn.faults.clear(fault);
    const retried = await post('/v1/playback-keys/rotate', {});
    const after = await eventually(
      async () => (await issue(channelIn('us-west-2'))).keyId !== before[0]?.keyId,
    );
    const afterTokens = await Promise.all(REGIONS.map((region) => issue(channelIn(region))));

    expect(failed.status).toBe(503);
    expect(failed.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(failure.code).toBe('DEPENDENCY_UNAVAILABLE');
    expect(failure.message).toContain('ImportPlaybackKeyPair in eu-west-1');
    expect(failure.details).toMatchObject({ operation: 'IVS ImportPlaybackKeyPair', region: 'eu-west-1' });
    expect(during.map((issued) => [issued.status, issued.keyId])).toEqual(
      REGIONS.map(() => [201, before[0]?.keyId]),
    );
    expect(retried.status).toBe(200);
    expect(after).toBe(true);
    // The old key drains: tokens it signed play everywhere, beside the new key's.
    for (const issued of [...before, ...during, ...afterTokens]) expect(plays(issued)).toBe(true);
    for (const region of REGIONS) {
      expect(ourKeysIn(region), region).toEqual([before[0]?.keyId, currentKeyId()].sort());
    }
  });

  it('counts slots per region and names the region whose slots are full', async () => {
    const inventory = (await (
      await fetch(`${service.url}/v1/playback-keys`, { headers: { authorization: `Bearer ${apiKey}` } })
    ).json()) as {
      regions: { region: string; ours: number; foreign: number; free: number }[];
      keys: { state: string; regions: { region: string; published: boolean }[] }[];
    };

    expect(inventory.regions).toEqual([
      { region: 'us-west-2', limit: 3, ours: 2, foreign: 0, free: 1 },
      { region: 'eu-west-1', limit: 3, ours: 2, foreign: 1, free: 0 },
      { region: 'ap-northeast-1', limit: 3, ours: 2, foreign: 0, free: 1 },
    ]);
    const current = inventory.keys.find((key) => key.state === 'current');
    expect(current?.regions.map((region) => [region.region, region.published])).toEqual(
      REGIONS.map((region) => [region, true]),
    );
  });

  it('stops the deleted keys everywhere in an emergency rotation; new tokens play in every region', async () => {
    const before = await Promise.all(REGIONS.map((region) => issue(channelIn(region))));

    const response = await post('/v1/playback-keys/rotate', { emergency: true });
    const after = await Promise.all(REGIONS.map((region) => issue(channelIn(region))));

    expect(response.status).toBe(200);
    for (const issued of before) expect(plays(issued)).toBe(false);
    for (const issued of after) expect([issued.keyId, plays(issued)]).toEqual([currentKeyId(), true]);
    for (const region of REGIONS) expect(ourKeysIn(region), region).toEqual([currentKeyId()]);
  });

  it('re-imports a current key deleted by hand from one region; once it has noticed, never issues a token there that would not play', async () => {
    const region = standIn.ivsIn('ap-northeast-1');
    const pair = region.keyPairs.find((candidate) => candidate.tags[KEY_ID_TAG] === currentKeyId());
    region.deleteKeyPair(pair?.arn ?? '');
    // The service notices at its next region check (REGION_CHECK_SECONDS); run that check now.
    await service.runtime.coverage.refresh();

    const meanwhile: [number, string | boolean | undefined][] = [];
    const repaired = await eventually(async () => {
      const issued = await issue(channelIn('ap-northeast-1'));
      meanwhile.push([issued.status, issued.status === 201 ? plays(issued) : issued.code]);
      // Repaired in IVS, and noticed: the janitor's next listing after the import tells the
      // service, which refuses until then (seen: the stand-in held the key a listing before).
      return ourKeysIn('ap-northeast-1').includes(currentKeyId()) && issued.status === 201;
    });
    const issued = await issue(channelIn('ap-northeast-1'));

    expect(repaired).toBe(true);
    for (const outcome of meanwhile)
      expect([
        [201, true],
        [503, 'KEY_NOT_IN_REGION'],
      ]).toContainEqual(outcome);
    expect([issued.status, plays(issued)]).toEqual([201, true]);
    expect(
      logger.entries.some((entry) => entry.message.includes('missing from a region; imported it again')),
    ).toBe(true);
  });

  it('imports the key into a region added to IVS_REGIONS on restart, before any token for it', async () => {
    const canada = standIn.ivsIn('ca-central-1').addChannel({ authorized: true }).arn;
    await service.close();

    service = await startService({
      env: { ...env, IVS_REGIONS: [...REGIONS, 'ca-central-1'].join(',') },
      logger,
      announce: () => {},
    });
    const first = await issue(canada);
    await service.ready;
    const issued = await issue(canada);

    // Refused (503 KEY_NOT_IN_REGION or no key yet) or issued and playing: never a token that fails.
    if (first.status === 201) expect(plays(first)).toBe(true);
    else expect(first.status).toBe(503);
    expect(ourKeysIn('ca-central-1')).toEqual([currentKeyId()]);
    expect([issued.status, plays(issued)]).toEqual([201, true]);
  });

  it('shows every region in /readyz and /metrics, and stays ready while one region is degraded', async () => {
    const fault = standIn.faults.add({
      service: 'ivs',
      operation: 'ListPlaybackKeyPairs',
      kind: 'server-error',
      region: 'eu-west-1',
    });
    await service.runtime.coverage.refresh();

    const readiness = await fetch(`${service.url}/readyz`);
    const body = (await readiness.json()) as {
      regions: { region: string; currentKey: string; failure?: { code: string } }[];
      degradedRegions: string[];
    };
    const metrics = await (await fetch(`${service.url}/metrics`)).text();
    standIn.faults.clear(fault);

    expect(readiness.status).toBe(200);
    expect(body.regions.map((region) => [region.region, region.currentKey])).toEqual(
      [...REGIONS, 'ca-central-1'].map((region) => [region, 'held']),
    );
    expect(body.regions[1]?.failure?.code).toBe('DEPENDENCY_UNAVAILABLE');
    expect(body.degradedRegions).toEqual(['eu-west-1']);
    expect(metrics).toContain('ivs_region_serving{region="ap-northeast-1"} 1');
    expect(metrics).toContain('ivs_region_check_failing{region="eu-west-1"} 1');
    expect(metrics).toMatch(/playback_key_repairs_total\{region="ca-central-1"\} 1/);
  });

  it('sent IVS and Secrets Manager only requests they accept, and logged no secret', () => {
    expect(standIn.rejected()).toEqual([]);
    expect(logger.text()).not.toContain('PRIVATE KEY');
    expect(logger.text()).not.toContain(apiKey);
  });
});

async function eventually(probe: () => Promise<boolean>, timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe()) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}
