import { createPublicKey } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jwt from 'jsonwebtoken';
import { type RunningService, startService } from '../../src/main.js';
import {
  type AwsStandIn,
  type PlaybackDecision,
  type RecordedRequest,
  startAwsStandIn,
} from './aws-stand-in/index.js';
import { RecordingLogger } from './fakes.js';
import { productionEnv, writeApiKey } from './production-env.js';

const KEY_ID_TAG = 'ivs-playback-auth:key-id';
const channelArnIn = (region: string) => `arn:aws:ivs:${region}:123456789012:channel/Soak00000001`;

export interface SoakOptions {
  readonly durationMs: number;
  /** Parallel clients issuing tokens. */
  readonly concurrency: number;
  /** A rotation every this often, alternating normal and emergency. */
  readonly rotateEveryMs: number;
  /** Replica B is stopped and started again every this often. */
  readonly restartEveryMs: number;
  /** How long after an emergency rotation a replica may still refuse with KEY_NOT_IN_REGION. */
  readonly emergencyGraceMs?: number;
  /** IVS_REGIONS; clients spread their requests over a channel in each. Default: us-west-2 alone. */
  readonly regions?: readonly string[];
}

export interface SoakReport {
  readonly tokensRequested: number;
  readonly tokensIssued: number;
  /** Token requests that failed (anything but 201), none of which is allowed. */
  readonly failedRequests: readonly string[];
  /**
   * Requests refused with 503 KEY_NOT_IN_REGION while an emergency rotation deleted the key the
   * replica still held (it refuses instead of signing a token IVS would refuse), counted apart
   * when they fall within `emergencyGraceMs` of an emergency; any other refusal is a failure.
   */
  readonly refusedDuringEmergency: number;
  readonly rotations: { readonly normal: number; readonly emergency: number; readonly refused: number };
  readonly restarts: number;
  /** Tokens that did not verify with the key IVS held, or whose key left IVS before `exp` without an emergency. */
  readonly badTokens: readonly string[];
  /** Tokens played through the stand-in's playback oracle (every issued one, right after issue). */
  readonly tokensPlayed: number;
  /**
   * Tokens the oracle refused, as `<key id>: <reason>`. The one refusal allowed: a token whose key
   * an emergency rotation deleted between issue and play.
   */
  readonly tokensNotPlaying: readonly string[];
  /**
   * Tokens refused only because an emergency rotation had deleted their key: received after the
   * deletion (a replica still signing with the deleted key until it re-reads its keys, the window
   * the soak bounds by emergencyWindowMs), or received before it and played just after.
   */
  readonly tokensCutByEmergency: { readonly receivedAfterDeletion: number; readonly inFlight: number };
  /**
   * The emergency window: for tokens a replica signed with a key an emergency rotation had already
   * deleted, the longest time between the deletion and such a token, per replica (ms).
   */
  readonly emergencyWindowMs: { readonly a: number; readonly b: number };
  /** The regions served, and tokens issued for each. */
  readonly tokensByRegion: Readonly<Record<string, number>>;
  readonly orphanedKeyPairs: readonly string[];
  readonly lostPrivateKeys: readonly string[];
  /** AWS requests the stand-in refused as invalid: `service operation errorType: message`. */
  readonly rejectedAwsRequests: readonly string[];
  readonly secretsInLogs: number;
}

/** One key pair's life in one region's IVS. */
interface KeyPairLife {
  readonly region: string;
  readonly keyId: string;
  readonly publicKeyPem: string;
  readonly importedAt: number;
  deletedAt?: number;
}

interface IssuedToken {
  readonly token: string;
  readonly keyId: string;
  readonly region: string;
  readonly replica: 'a' | 'b';
  readonly receivedAt: number;
  /** What the playback oracle said right after the token was received, and when. */
  readonly playback: PlaybackDecision;
  readonly playedAt: number;
}

/**
 * Issues tokens from two replicas under load while keys rotate (normal and emergency) and one
 * replica restarts, all against the AWS stand-in, then checks every token against the IVS key
 * timeline: the key that signed it was imported when it was issued and stayed imported until its
 * `exp` (an emergency rotation is allowed to cut that short). Every token is also played through
 * the stand-in's playback oracle as soon as it arrives, so it must play with the key pairs IVS
 * holds at that moment. Requests are spread like a load balancer would: a replica that is down gets
 * no traffic.
 */
export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const regions = options.regions ?? ['us-west-2'];
  /** By `<region> <key id>`: a key lives in each region on its own. */
  const lives = new Map<string, KeyPairLife>();
  const lifeOf = (region: string, keyId: string) => lives.get(`${region} ${keyId}`);
  const arnToLife = new Map<string, KeyPairLife>();
  let standIn: AwsStandIn | undefined;
  const onRequest = (request: RecordedRequest) => {
    if (request.status !== 200 || !standIn || request.region === undefined) return;
    const region = request.region;
    if (request.operation === 'ImportPlaybackKeyPair') {
      for (const pair of standIn.ivsIn(region).keyPairs) {
        const keyId = pair.tags[KEY_ID_TAG];
        if (keyId && !lifeOf(region, keyId)) {
          const life = {
            region,
            keyId,
            publicKeyPem: pair.publicKeyMaterial,
            importedAt: request.at.getTime(),
          };
          lives.set(`${region} ${keyId}`, life);
          arnToLife.set(pair.arn, life);
        }
      }
    }
    if (request.operation === 'DeletePlaybackKeyPair') {
      const life = arnToLife.get((request.input as { arn?: string } | undefined)?.arn ?? '');
      if (life && life.deletedAt === undefined) life.deletedAt = request.at.getTime();
    }
  };
  standIn = await startAwsStandIn({ onRequest });
  const edge = standIn;
  for (const region of regions)
    edge.ivsIn(region).addChannel({ arn: channelArnIn(region), authorized: true });
  const folder = await mkdtemp(join(tmpdir(), 'ipa-soak-'));
  const savedEnv = { ...process.env };
  Object.assign(process.env, standIn.env());
  const apiKeysFile = join(folder, 'api-keys.json');
  const apiKey = await writeApiKey(apiKeysFile);
  const env = {
    ...productionEnv(standIn, { secretId: 'ivs-playback-auth/soak', apiKeysFile, keysDir: folder }),
    // A short drain (4 + 1 + 2 = 7 s) so normal rotations happen often within the run.
    TOKEN_MAX_TTL_SECONDS: '4',
    TOKEN_DEFAULT_TTL_SECONDS: '4',
    CLOCK_SKEW_SECONDS: '1',
    KEY_MAX_STALENESS_SECONDS: '2',
    KEY_REFRESH_SECONDS: '1',
    JANITOR_SECONDS: '1',
    ROTATION_TAKEOVER_SECONDS: '10',
    API_KEY_RATE_LIMIT_PER_SECOND: '100000',
    // Like a load balancer's deregistration delay: the restarted replica keeps serving for a second.
    SHUTDOWN_DELAY_SECONDS: '1',
    IVS_REGIONS: regions.join(','),
    REGION_CHECK_SECONDS: '1',
  };
  const loggers: RecordingLogger[] = [];
  const start = async () => {
    const logger = new RecordingLogger();
    loggers.push(logger);
    const service = await startService({ env, logger, announce: () => {} });
    await service.ready;
    return service;
  };

  const replicas: { a: RunningService; b: RunningService | undefined } = {
    a: await start(),
    b: await start(),
  };
  const issued: IssuedToken[] = [];
  const failedRequests: string[] = [];
  const keyNotInRegionAt: number[] = [];
  const emergencies: { startedAt: number; endedAt: number }[] = [];
  const rotations = { normal: 0, emergency: 0, refused: 0 };
  let tokensRequested = 0;
  let restarts = 0;
  let running = true;
  let counter = 0;

  const post = (service: RunningService, path: string, body: unknown) =>
    fetch(`${service.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  const client = async () => {
    while (running) {
      const id = counter++;
      const replica = id % 2 === 0 || !replicas.b ? 'a' : 'b';
      const target = replica === 'a' || !replicas.b ? replicas.a : replicas.b;
      const region = regions[id % regions.length] as string;
      const channelArn = channelArnIn(region);
      tokensRequested++;
      try {
        const response = await post(target, '/v1/playback-tokens', {
          channelArn,
          viewerId: `viewer-${id}`,
        });
        const body = (await response.json()) as { token?: string; keyId?: string; code?: string };
        if (response.status === 201 && body.token && body.keyId) {
          const receivedAt = Date.now();
          const playback = edge.play({ channelArn, token: body.token });
          issued.push({
            token: body.token,
            keyId: body.keyId,
            region,
            replica,
            receivedAt,
            playback,
            playedAt: Date.now(),
          });
        } else {
          if (response.status === 503 && body.code === 'KEY_NOT_IN_REGION') keyNotInRegionAt.push(Date.now());
          else failedRequests.push(`${response.status} ${body.code ?? ''}`);
        }
      } catch (error) {
        failedRequests.push(`network: ${(error as Error).message}`);
      }
    }
  };

  const rotator = async () => {
    let emergency = false;
    while (running) {
      await sleep(options.rotateEveryMs);
      if (!running) break;
      const startedAt = Date.now();
      const response = await post(replicas.a, '/v1/playback-keys/rotate', { emergency });
      if (response.status === 200) {
        if (emergency) {
          rotations.emergency++;
          emergencies.push({ startedAt, endedAt: Date.now() });
        } else {
          rotations.normal++;
        }
      } else {
        rotations.refused++;
      }
      await response.body?.cancel();
      emergency = !emergency;
    }
  };

  const restarter = async () => {
    while (running) {
      await sleep(options.restartEveryMs);
      if (!running) break;
      const old = replicas.b;
      replicas.b = undefined; // the load balancer stops sending it traffic first
      await old?.close();
      replicas.b = await start();
      restarts++;
    }
  };

  const loops = [...Array.from({ length: options.concurrency }, client), rotator(), restarter()];
  await sleep(options.durationMs);
  running = false;
  await Promise.all(loops);

  // Let every token expire, then let the janitor retire what has drained.
  await sleep(8000);
  const keys = await replicas.a.runtime.store.readKeys();
  const history = await replicas.a.runtime.store.listHistory();
  await Promise.all([replicas.a.close(), replicas.b?.close()]);

  const graceMs = options.emergencyGraceMs ?? 3000;
  let refusedDuringEmergency = 0;
  for (const at of keyNotInRegionAt) {
    const inWindow = emergencies.some((window) => at >= window.startedAt && at <= window.endedAt + graceMs);
    if (inWindow) refusedDuringEmergency++;
    else failedRequests.push('503 KEY_NOT_IN_REGION (outside an emergency)');
  }
  const badTokens: string[] = [];
  const tokensNotPlaying: string[] = [];
  const tokensCutByEmergency = { receivedAfterDeletion: 0, inFlight: 0 };
  const emergencyWindowMs = { a: 0, b: 0 };
  for (const token of issued) {
    if (!token.playback.plays) {
      const life = lifeOf(token.region, token.keyId);
      const deletedByEmergencyBeforePlay =
        // Deleted from the channel's region (while another region may still hold it for a moment).
        ['SIGNATURE_NOT_VERIFIED', 'KEY_PAIR_NOT_IN_CHANNEL_REGION'].includes(token.playback.reason) &&
        life?.deletedAt !== undefined &&
        life.deletedAt <= token.playedAt &&
        emergencies.some(
          (window) =>
            life.deletedAt !== undefined &&
            life.deletedAt >= window.startedAt &&
            life.deletedAt <= window.endedAt,
        );
      if (!deletedByEmergencyBeforePlay) tokensNotPlaying.push(`${token.keyId}: ${token.playback.reason}`);
      else if ((life?.deletedAt ?? 0) <= token.receivedAt) {
        tokensCutByEmergency.receivedAfterDeletion++;
        const lag = token.receivedAt - (life?.deletedAt ?? 0);
        emergencyWindowMs[token.replica] = Math.max(emergencyWindowMs[token.replica], lag);
      } else tokensCutByEmergency.inFlight++;
    }
  }
  for (const token of issued) {
    const life = lifeOf(token.region, token.keyId);
    const exp = (jwt.decode(token.token) as { exp: number }).exp * 1000;
    if (!life) {
      badTokens.push(`${token.keyId}: never imported in ${token.region}`);
      continue;
    }
    try {
      jwt.verify(token.token, createPublicKey(life.publicKeyPem), {
        algorithms: ['ES384'],
        ignoreExpiration: true,
      });
    } catch {
      badTokens.push(`${token.keyId}: signature does not verify with the imported key`);
    }
    if (life.importedAt > token.receivedAt)
      badTokens.push(`${token.keyId}: issued before the key was imported in ${token.region}`);
    const cutByEmergency = emergencies.some(
      (window) =>
        life.deletedAt !== undefined &&
        life.deletedAt >= window.startedAt &&
        life.deletedAt <= window.endedAt,
    );
    if (life.deletedAt !== undefined && life.deletedAt < exp && !cutByEmergency) {
      badTokens.push(
        `${token.keyId}: deleted from IVS in ${token.region} ${exp - life.deletedAt} ms before a token it signed expired`,
      );
    }
  }

  const referenced = new Set([keys.current?.keyId, keys.previous?.keyId, keys.pending?.keyId]);
  const orphanedKeyPairs = regions.flatMap((region) =>
    standIn
      .ivsIn(region)
      .keyPairs.map((pair) => pair.tags[KEY_ID_TAG])
      .filter((keyId): keyId is string => keyId !== undefined && !referenced.has(keyId))
      .map((keyId) => `${keyId} in ${region}`),
  );
  const lostPrivateKeys = [...new Set([...lives.values()].map((life) => life.keyId))].filter(
    (keyId) => !history.some((key) => key.keyId === keyId),
  );
  const tokensByRegion = Object.fromEntries(
    regions.map((region) => [region, issued.filter((token) => token.region === region).length]),
  );
  const logs = loggers.map((logger) => logger.text()).join('\n');
  const secretsInLogs = (
    logs.match(/PRIVATE KEY|ipa_[0-9a-f]{12}_[A-Za-z0-9_-]{43}|eyJ[A-Za-z0-9_-]{10,}\.eyJ/g) ?? []
  ).length;
  const rejectedAwsRequests = standIn
    .rejected()
    .map(
      (rejected) =>
        `${rejected.service} ${rejected.operation} ${rejected.errorType}: ${rejected.errorMessage ?? ''}`,
    );

  await standIn.close();
  await rm(folder, { recursive: true, force: true });
  process.env = savedEnv;
  return {
    tokensRequested,
    tokensIssued: issued.length,
    failedRequests,
    refusedDuringEmergency,
    rotations,
    restarts,
    badTokens,
    tokensPlayed: issued.length,
    tokensNotPlaying,
    tokensCutByEmergency,
    emergencyWindowMs,
    tokensByRegion,
    orphanedKeyPairs,
    lostPrivateKeys,
    rejectedAwsRequests,
    secretsInLogs,
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
