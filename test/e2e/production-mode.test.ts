import { createPublicKey } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningService, startService } from '../../src/main.js';
import { type AwsStandIn, startAwsStandIn } from '../support/aws-stand-in/index.js';
import { RecordingLogger } from '../support/fakes.js';
import { productionEnv, writeApiKey } from '../support/production-env.js';

const SECRET_ID = 'ivs-playback-auth/e2e-signing-key';
const KEY_ID_TAG = 'ivs-playback-auth:key-id';

/**
 * Production mode against the local AWS stand-in: two replicas sharing one secret and one IVS
 * account, the real SDK clients over HTTP, and every request checked by the stand-in. Tokens are
 * also played through the stand-in's playback oracle, which decides as the IVS edge would from the
 * key pairs IVS holds at that moment.
 */
describe('production mode (Secrets Manager + IVS) against the AWS stand-in', () => {
  let standIn: AwsStandIn;
  let folder: string;
  let apiKey: string;
  let replicaA: RunningService;
  let replicaB: RunningService;
  const savedEnv = { ...process.env };
  const loggers = [new RecordingLogger(), new RecordingLogger()] as const;
  const channelArn = () => standIn.ivs.channels[0]?.arn ?? '';

  const post = (service: RunningService, path: string, body: unknown) =>
    fetch(`${service.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const issue = async (service: RunningService) => {
    const response = await post(service, '/v1/playback-tokens', { channelArn: channelArn(), viewerId: 'v' });
    const body = (await response.json()) as {
      token: string;
      keyId: string;
      playbackUrl?: string;
      code?: string;
    };
    return { status: response.status, ...body };
  };
  /** Would IVS play this issued token now? Asks the oracle with the playback URL the service returned. */
  const plays = (issued: { playbackUrl?: string }) => standIn.play({ playbackUrl: issued.playbackUrl ?? '' });
  const importedKeyIds = () =>
    standIn.ivs.keyPairs.flatMap((pair) => (pair.tags[KEY_ID_TAG] ? [pair.tags[KEY_ID_TAG]] : []));
  const publicKeyOf = (keyId: string) =>
    standIn.ivs.keyPairs.find((pair) => pair.tags[KEY_ID_TAG] === keyId)?.publicKeyMaterial;

  beforeAll(async () => {
    standIn = await startAwsStandIn();
    standIn.ivs.addChannel({ authorized: true });
    folder = await mkdtemp(join(tmpdir(), 'ipa-prod-'));
    const apiKeysFile = join(folder, 'api-keys.json');
    apiKey = await writeApiKey(apiKeysFile);
    // The AWS SDK reads region, credentials and endpoints from the process environment.
    Object.assign(process.env, standIn.env());
    const env = {
      ...productionEnv(standIn, { secretId: SECRET_ID, apiKeysFile, keysDir: folder }),
      KEY_REFRESH_SECONDS: '1',
      KEY_MAX_STALENESS_SECONDS: '30',
      TOKEN_MAX_TTL_SECONDS: '600',
      ROTATION_TAKEOVER_SECONDS: '30',
      CHANNEL_CHECK: 'authorized',
      SHUTDOWN_DELAY_SECONDS: '0',
    };
    const start = (logger: RecordingLogger) => startService({ env, logger, announce: () => {} });
    [replicaA, replicaB] = await Promise.all([start(loggers[0]), start(loggers[1])]);
    await Promise.all([replicaA.ready, replicaB.ready]);
  });

  afterAll(async () => {
    await Promise.all([replicaA?.close(), replicaB?.close()]);
    await standIn?.close();
    await rm(folder, { recursive: true, force: true });
    process.env = savedEnv;
  });

  it('bootstraps one key for two replicas starting at once: stored, imported, then current', async () => {
    const [a, b] = [replicaA.runtime.keyCache.status(), replicaB.runtime.keyCache.status()];

    expect(a.currentKeyId).toBeDefined();
    expect(b.currentKeyId).toBe(a.currentKeyId);
    expect(importedKeyIds()).toEqual([a.currentKeyId]);
    const stages = Object.values(standIn.secrets.versionIdsToStages(SECRET_ID) ?? {}).flat();
    expect(stages.sort()).toEqual(['AWSCURRENT', 'AWSPREVIOUS']); // the key, and the placeholder it replaced
  });

  it('issues tokens from both replicas that verify against the public key IVS received', async () => {
    for (const replica of [replicaA, replicaB]) {
      const issued = await issue(replica);
      const pem = publicKeyOf(issued.keyId) ?? '';

      const claims = jwt.verify(issued.token, createPublicKey(pem), { algorithms: ['ES384'] });

      expect(issued.status).toBe(201);
      expect(claims).toMatchObject({ 'aws:channel-arn': channelArn(), 'aws:viewer-id': 'v' });
      expect(issued.playbackUrl).toBe(`${standIn.ivs.channels[0]?.playbackUrl}?token=${issued.token}`);
      expect(plays(issued)).toMatchObject({ plays: true, reason: 'TOKEN_ACCEPTED' });
    }
  });

  it('refuses a channel IVS does not have, and a public one, with CHANNEL_CHECK=authorized', async () => {
    const publicChannel = standIn.ivs.addChannel({ authorized: false });

    const missing = await post(replicaA, '/v1/playback-tokens', {
      channelArn: channelArn().replace(/channel\/\w+$/, 'channel/DoesNotExist1'),
    });
    const unauthorized = await post(replicaA, '/v1/playback-tokens', { channelArn: publicChannel.arn });

    expect([missing.status, ((await missing.json()) as { code: string }).code]).toEqual([
      404,
      'CHANNEL_NOT_FOUND',
    ]);
    expect([unauthorized.status, ((await unauthorized.json()) as { code: string }).code]).toEqual([
      409,
      'CHANNEL_NOT_AUTHORIZED',
    ]);
  });

  it('rotates with a foreign key pair in a slot; both replicas follow, and neither ever signs with a key IVS lacks', async () => {
    standIn.ivs.addForeignKeyPair({ name: 'another-teams-key' });
    const before = replicaA.runtime.keyCache.status().currentKeyId;
    const issuedBefore = await issue(replicaA);
    const unimported: string[] = [];
    const notPlaying: string[] = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        for (const replica of [replicaA, replicaB]) {
          const issued = await issue(replica);
          if (issued.status !== 201 || !importedKeyIds().includes(issued.keyId))
            unimported.push(issued.keyId);
          const decision = plays(issued);
          if (!decision.plays) notPlaying.push(`${issued.keyId}: ${decision.reason}`);
        }
      }
    })();

    const rotated = await post(replicaA, '/v1/playback-keys/rotate', {});
    const result = (await rotated.json()) as { currentKeyId: string; previousKeyId: string };
    const followed = await eventually(async () => (await issue(replicaB)).keyId === result.currentKeyId);
    sampling = false;
    await sampler;

    expect(rotated.status).toBe(200);
    expect(result.previousKeyId).toBe(before);
    expect(followed).toBe(true);
    expect(unimported).toEqual([]);
    expect(notPlaying).toEqual([]);
    expect(issuedBefore.keyId).toBe(before);
    expect(plays(issuedBefore)).toMatchObject({ plays: true, reason: 'TOKEN_ACCEPTED' }); // the previous key drains
    expect(importedKeyIds().sort()).toEqual([before, result.currentKeyId].sort());
    expect(standIn.ivs.keyPairs.map((pair) => pair.name)).toContain('another-teams-key');
  });

  it('refuses a second rotation while the previous key drains (409 PREVIOUS_KEY_DRAINING)', async () => {
    const response = await post(replicaB, '/v1/playback-keys/rotate', {});

    expect(response.status).toBe(409);
    expect(response.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(((await response.json()) as { code: string }).code).toBe('PREVIOUS_KEY_DRAINING');
  });

  it('rotates in an emergency: the compromised and previous keys leave IVS at once, the foreign one stays', async () => {
    const compromised = await issue(replicaA);
    const playedBefore = plays(compromised);

    const response = await post(replicaA, '/v1/playback-keys/rotate', { emergency: true });
    const result = (await response.json()) as { currentKeyId: string; previousKeyId?: string };

    expect(response.status).toBe(200);
    expect(result.previousKeyId).toBeUndefined();
    expect(importedKeyIds()).toEqual([result.currentKeyId]);
    expect(standIn.ivs.keyPairs).toHaveLength(2);
    expect(await eventually(async () => (await issue(replicaB)).keyId === result.currentKeyId)).toBe(true);
    expect(playedBefore.plays).toBe(true);
    expect(plays(compromised)).toMatchObject({ plays: false, reason: 'SIGNATURE_NOT_VERIFIED' });
    expect(plays(await issue(replicaB))).toMatchObject({ plays: true, reason: 'TOKEN_ACCEPTED' });
  });

  it('answers 503 with Retry-After when IVS is down mid-rotation, orphans nothing, and resumes on the next call', async () => {
    const faultId = standIn.faults.add({
      service: 'ivs',
      operation: 'ImportPlaybackKeyPair',
      kind: 'unavailable',
    });

    const failed = await post(replicaA, '/v1/playback-keys/rotate', { emergency: true });
    const duringOutage = plays(await issue(replicaA)); // before the resumed emergency rotation deletes its key
    standIn.faults.clear(faultId);
    const pendingAfterFailure = (await replicaA.runtime.store.readKeys()).pending?.keyId;
    const resumed = await post(replicaA, '/v1/playback-keys/rotate', { emergency: true });
    const result = (await resumed.json()) as { currentKeyId: string; steps: string[] };

    expect(failed.status).toBe(503);
    expect(Number(failed.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(pendingAfterFailure).toBeDefined();
    expect(duringOutage).toMatchObject({ plays: true, reason: 'TOKEN_ACCEPTED' }); // the current key kept serving
    expect(resumed.status).toBe(200);
    expect(result.currentKeyId).toBe(pendingAfterFailure);
    expect(result.steps.map((step) => step.split(' ')[0])).toEqual(['imported', 'promoted', 'retired']);
    expect(importedKeyIds()).toEqual([result.currentKeyId]);
  });

  it('answers 503 with Retry-After when IVS keeps throttling, after the SDK retried', async () => {
    const faultId = standIn.faults.add({
      service: 'ivs',
      operation: 'ListPlaybackKeyPairs',
      kind: 'throttle',
    });
    const before = standIn.requests.length;

    const response = await post(replicaB, '/v1/playback-keys/rotate', {});
    standIn.faults.clear(faultId);

    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('5');
    const body = (await response.json()) as { code: string; message: string };
    expect(body.code).toBe('DEPENDENCY_UNAVAILABLE');
    expect(body.message).toContain('ThrottlingException');
    expect(
      standIn.requests.slice(before).filter((request) => request.operation === 'ListPlaybackKeyPairs'),
    ).toHaveLength(3);
  });

  it('keeps issuing tokens while Secrets Manager is down, and says so in /metrics', async () => {
    const faultId = standIn.faults.add({ service: 'secretsmanager', kind: 'unavailable' });
    await eventually(async () => replicaA.runtime.keyCache.status().lastRefreshFailed);

    const issued = await issue(replicaA);
    const ready = await fetch(`${replicaA.url}/readyz`);
    const metrics = await (await fetch(`${replicaA.url}/metrics`)).text();
    standIn.faults.clear(faultId);

    expect(issued.status).toBe(201);
    expect(plays(issued)).toMatchObject({ plays: true, reason: 'TOKEN_ACCEPTED' });
    expect(ready.status).toBe(200);
    expect(metrics).toContain('signing_key_refresh_failing 1');
  });

  it('revokes viewer sessions in IVS: their tokens stop playing, later session versions play', async () => {
    const viewerToken = async (viewerSessionVersion?: number) =>
      (await (
        await post(replicaA, '/v1/playback-tokens', {
          channelArn: channelArn(),
          viewerId: 'viewer-0',
          ...(viewerSessionVersion === undefined ? {} : { viewerSessionVersion }),
        })
      ).json()) as { playbackUrl?: string };
    const beforeRevocation = await viewerToken();
    const playedBefore = plays(beforeRevocation);

    const response = await post(replicaA, '/v1/viewer-sessions/revoke', {
      sessions: Array.from({ length: 25 }, (_, index) => ({
        channelArn: channelArn(),
        viewerId: `viewer-${index}`,
      })),
    });

    expect(response.status).toBe(202);
    expect(((await response.json()) as { started: number }).started).toBe(25);
    expect(standIn.ivs.revocations).toHaveLength(25);
    expect(playedBefore.plays).toBe(true);
    expect(plays(beforeRevocation)).toMatchObject({ plays: false, reason: 'VIEWER_SESSION_REVOKED' });
    expect(plays(await viewerToken(1))).toMatchObject({ plays: true, reason: 'TOKEN_ACCEPTED' });
  });

  it('lets one of two replicas rotating at once proceed; the other gets 409 ROTATION_IN_PROGRESS', async () => {
    const responses = await Promise.all([
      post(replicaA, '/v1/playback-keys/rotate', { emergency: true }),
      post(replicaB, '/v1/playback-keys/rotate', { emergency: true }),
    ]);
    const codes = await Promise.all(
      responses.map(async (response) => [
        response.status,
        ((await response.json()) as { code?: string }).code,
      ]),
    );

    expect(codes.map(([status]) => status).sort()).toEqual([200, 409]);
    expect(codes.find(([status]) => status === 409)?.[1]).toBe('ROTATION_IN_PROGRESS');
    expect(importedKeyIds()).toHaveLength(1);
    const current = importedKeyIds()[0];
    for (const replica of [replicaA, replicaB]) {
      expect(await eventually(async () => (await issue(replica)).keyId === current)).toBe(true);
      expect(plays(await issue(replica))).toMatchObject({ plays: true, reason: 'TOKEN_ACCEPTED' });
    }
  });

  it('refuses a channel in a region it does not serve (422 CHANNEL_REGION_NOT_SERVED): IVS there holds no key of ours', async () => {
    const european = standIn.ivsIn('eu-west-1').addChannel({ authorized: true });

    const response = await post(replicaA, '/v1/playback-tokens', { channelArn: european.arn, viewerId: 'v' });
    const body = (await response.json()) as {
      code: string;
      details: { region: string; servedRegions: string[] };
    };

    expect(response.status).toBe(422);
    expect(body.code).toBe('CHANNEL_REGION_NOT_SERVED');
    expect(body.details).toMatchObject({ region: 'eu-west-1', servedRegions: ['us-west-2'] });
  });

  it('sent IVS and Secrets Manager only requests they accept, and logged no secret', () => {
    expect(standIn.rejected()).toEqual([]);
    const logs = loggers.map((logger) => logger.text()).join('\n');
    expect(logs).not.toContain('PRIVATE KEY');
    expect(logs).not.toContain(apiKey);
  });
});

async function eventually(probe: () => Promise<boolean>, timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe()) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return probe();
}
