import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningService, startService } from '../../src/main.js';
import { type AwsStandIn, startAwsStandIn } from '../support/aws-stand-in/index.js';
import type { ChannelRecord } from '../support/aws-stand-in/ivs-state.js';
import {
  type CraftedKey,
  craftKey,
  craftToken,
  craftTokenWith,
  secondsFrom,
} from '../support/crafted-tokens.js';
import { ManualClock, RecordingLogger } from '../support/fakes.js';
import { productionEnv, writeApiKey } from '../support/production-env.js';

type Verdict = 'plays' | 'will-not-play' | 'cannot-tell';

interface Inspection {
  readonly verdict: Verdict;
  readonly findings: readonly { readonly code: string; readonly severity: string }[];
}

/** One player request: the URL it loads and the Origin it sends, and what inspection should say. */
interface Case {
  readonly name: string;
  readonly url: string;
  readonly origin?: string;
  readonly publicKeyPem?: string;
  readonly verdict: Verdict;
  /** The finding that explains the verdict. */
  readonly code?: string;
}

const DRAIN_SECONDS = 600 + 60 + 30;

/**
 * Inspection through HTTP against the AWS stand-in's playback oracle, which decides as the IVS
 * playback edge would and was written apart from the service's rules (test/support/playback-oracle.ts
 * imports nothing from src/). Wherever inspection decides, it must agree with the oracle: `plays`
 * only for what plays, `will-not-play` only for what is refused. `cannot-tell` is allowed only where
 * a case says so (a signer this service does not know, an Origin not given). Viewer-session
 * revocations and single-use replays are left out: IVS lets no one read them, and inspection says so
 * (its own HTTP tests check those findings).
 */
describe('token inspection agrees with the playback oracle', () => {
  const clock = new ManualClock(new Date().toISOString());
  const logger = new RecordingLogger();
  const savedEnv = { ...process.env };
  let standIn: AwsStandIn;
  let service: RunningService;
  let folder: string;
  let apiKey: string;
  let west: ChannelRecord;
  let europe: ChannelRecord;
  let open: ChannelRecord;
  let mumbai: ChannelRecord;
  let foreign: CraftedKey;

  const post = async (path: string, body: unknown) => {
    const response = await fetch(`${service.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const issue = async (body: Record<string, unknown>) => {
    const response = await post('/v1/playback-tokens', body);
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    return response.body as { token: string; playbackUrl: string };
  };
  const signed = (claims: Record<string, unknown>, header?: Record<string, unknown>) =>
    craftTokenWith(service.runtime.keyCache.signingKey(), claims, header);
  const urlOf = (channel: ChannelRecord, token: string) => `${channel.playbackUrl}?token=${token}`;
  const inSeconds = (seconds: number) => secondsFrom(clock.now(), seconds);

  /** Inspects first (the oracle uses a single-use token up), then asks the oracle. */
  async function compare(item: Case) {
    const inspected = await post('/v1/playback-tokens/inspect', {
      url: item.url,
      ...(item.origin === undefined ? {} : { origin: item.origin }),
      ...(item.publicKeyPem === undefined ? {} : { publicKeyPem: item.publicKeyPem }),
    });
    expect(inspected.status, item.name).toBe(200);
    const inspection = inspected.body as unknown as Inspection;
    const decision = standIn.play({
      playbackUrl: item.url,
      ...(item.origin === undefined ? {} : { origin: item.origin }),
    });
    return { inspection, decision };
  }

  function expectAgreement(item: Case, inspection: Inspection, decision: { plays: boolean; reason: string }) {
    const label = `${item.name}: inspection ${inspection.verdict} [${inspection.findings.map((f) => f.code).join(', ')}], oracle ${decision.reason}`;
    if (inspection.verdict === 'plays') expect(decision.plays, label).toBe(true);
    if (inspection.verdict === 'will-not-play') expect(decision.plays, label).toBe(false);
    expect(inspection.verdict, label).toBe(item.verdict);
    if (item.code)
      expect(
        inspection.findings.map((f) => f.code),
        label,
      ).toContain(item.code);
  }

  beforeAll(async () => {
    standIn = await startAwsStandIn({ clock: clock.now });
    west = standIn.ivsIn('us-west-2').addChannel({ authorized: true });
    europe = standIn.ivsIn('eu-west-1').addChannel({ authorized: true });
    open = standIn.ivsIn('us-west-2').addChannel({ authorized: false });
    mumbai = standIn.ivsIn('ap-south-1').addChannel({ authorized: true });
    foreign = craftKey();
    standIn
      .ivsIn('eu-west-1')
      .addForeignKeyPair({ publicKeyMaterial: foreign.publicKeyPem, name: 'legacy-signer' });
    folder = await mkdtemp(join(tmpdir(), 'ipa-inspection-'));
    const apiKeysFile = join(folder, 'api-keys.json');
    // The narrowest key: inspection needs no scope; issuing in the test needs tokens:issue.
    apiKey = await writeApiKey(apiKeysFile, ['tokens:issue']);
    Object.assign(process.env, standIn.env());
    service = await startService({
      env: {
        ...productionEnv(standIn, { secretId: 'ivs-playback-auth/inspection', apiKeysFile, keysDir: folder }),
        IVS_REGIONS: 'us-west-2,eu-west-1',
        TOKEN_MAX_TTL_SECONDS: '600',
        KEY_MAX_STALENESS_SECONDS: '30',
        KEY_REFRESH_SECONDS: '1',
        REGION_CHECK_SECONDS: '1',
        JANITOR_SECONDS: '0',
        SHUTDOWN_DELAY_SECONDS: '0',
      },
      logger,
      announce: () => {},
      clock: clock.now,
    });
    await service.ready;
    await service.runtime.coverage.refresh();
  });

  afterAll(async () => {
    await service?.close();
    await standIn?.close();
    await rm(folder, { recursive: true, force: true });
    process.env = savedEnv;
  });

  it('agrees on a corpus of good and broken tokens', async () => {
    const good = await issue({ channelArn: west.arn, viewerId: 'viewer-1', ttlSeconds: 300 });
    const channelWide = await issue({ channelArn: europe.arn });
    const strict = await issue({
      channelArn: west.arn,
      allowedOrigins: ['https://www.example.com', 'https://*.example.org'],
      strictOriginEnforcement: true,
    });
    const listed = await issue({ channelArn: west.arn, allowedOrigins: ['https://www.example.com'] });
    const singleUse = await issue({ channelArn: west.arn, singleUse: true, ttlSeconds: 60 });
    const base = { 'aws:channel-arn': west.arn, exp: inSeconds(300) };
    const der = craftToken(base, foreign, { form: 'der' });

    const corpus: Case[] = [
      { name: 'a viewer token from the service', url: good.playbackUrl, verdict: 'plays' },
      { name: 'a channel-wide token in the second region', url: channelWide.playbackUrl, verdict: 'plays' },
      {
        name: 'a single-use token, first playback',
        url: singleUse.playbackUrl,
        verdict: 'plays',
        code: 'SINGLE_USE',
      },
      {
        name: 'strict origins, an allowed Origin',
        url: strict.playbackUrl,
        origin: 'https://www.example.com',
        verdict: 'plays',
      },
      {
        name: 'strict origins, a wildcard Origin',
        url: strict.playbackUrl,
        origin: 'https://a.b.example.org',
        verdict: 'plays',
      },
      {
        name: 'strict origins, another Origin',
        url: strict.playbackUrl,
        origin: 'https://evil.example.net',
        verdict: 'will-not-play',
        code: 'ORIGIN_NOT_ALLOWED',
      },
      {
        name: 'strict origins, no Origin given',
        url: strict.playbackUrl,
        verdict: 'cannot-tell',
        code: 'ORIGIN_NOT_GIVEN',
      },
      {
        name: 'listed origins (not strict), another Origin',
        url: listed.playbackUrl,
        origin: 'https://other.example.com',
        verdict: 'plays',
        code: 'ORIGIN_NOT_LISTED',
      },
      {
        name: 'exp in milliseconds',
        url: urlOf(west, await signed({ ...base, exp: clock.now().getTime() + 300_000 })),
        verdict: 'will-not-play',
        code: 'EXP_IN_MILLISECONDS',
      },
      {
        name: 'expired',
        url: urlOf(west, await signed({ ...base, exp: inSeconds(-1) })),
        verdict: 'will-not-play',
        code: 'TOKEN_EXPIRED',
      },
      {
        name: 'exp as a string',
        url: urlOf(west, await signed({ ...base, exp: String(inSeconds(60)) })),
        verdict: 'will-not-play',
        code: 'EXP_INVALID',
      },
      {
        name: 'a viewer token with a 20-minute exp',
        url: urlOf(west, await signed({ ...base, 'aws:viewer-id': 'v', exp: inSeconds(1200) })),
        verdict: 'will-not-play',
        code: 'TTL_OVER_VIEWER_LIMIT',
      },
      {
        name: 'a viewer token expiring in exactly 600 s',
        url: urlOf(west, await signed({ ...base, 'aws:viewer-id': 'v', exp: inSeconds(600) })),
        verdict: 'plays',
      },
      {
        name: 'a single-use token with an 11-minute exp',
        url: urlOf(
          west,
          await signed({ ...base, 'aws:single-use-uuid': crypto.randomUUID(), exp: inSeconds(660) }),
        ),
        verdict: 'will-not-play',
        code: 'TTL_OVER_VIEWER_LIMIT',
      },
      {
        name: 'a 41-character viewer id',
        url: urlOf(west, await signed({ ...base, 'aws:viewer-id': 'v'.repeat(41) })),
        verdict: 'will-not-play',
        code: 'VIEWER_ID_INVALID',
      },
      {
        name: 'a single-use id that is no UUID',
        url: urlOf(west, await signed({ ...base, 'aws:single-use-uuid': 'once' })),
        verdict: 'will-not-play',
        code: 'SINGLE_USE_UUID_INVALID',
      },
      {
        name: 'a negative session version',
        url: urlOf(west, await signed({ ...base, 'aws:viewer-id': 'v', 'aws:viewer-session-version': -1 })),
        verdict: 'will-not-play',
        code: 'VIEWER_SESSION_VERSION_INVALID',
      },
      {
        name: 'resolution 4K',
        url: urlOf(west, await signed({ ...base, 'aws:maximum-resolution': '4K' })),
        verdict: 'will-not-play',
        code: 'MAXIMUM_RESOLUTION_INVALID',
      },
      {
        name: 'strict without origins',
        url: urlOf(west, await signed({ ...base, 'aws:strict-origin-enforcement': true })),
        origin: 'https://www.example.com',
        verdict: 'will-not-play',
        code: 'ORIGIN_CLAIM_INVALID',
      },
      {
        name: 'undocumented claims',
        url: urlOf(west, await signed({ ...base, iat: inSeconds(0), kid: 'x' })),
        verdict: 'plays',
        code: 'UNDOCUMENTED_CLAIMS',
      },
      {
        name: 'a token doubled in the URL',
        url: `${good.playbackUrl}?token=${channelWide.token}`,
        verdict: 'will-not-play',
        code: 'TOKEN_DOUBLED_IN_URL',
      },
      {
        name: 'two token parameters',
        url: `${good.playbackUrl}&token=${good.token}`,
        verdict: 'will-not-play',
        code: 'MULTIPLE_TOKENS_IN_URL',
      },
      { name: 'no token', url: west.playbackUrl, verdict: 'will-not-play', code: 'TOKEN_MISSING' },
      {
        name: "another channel's token",
        url: urlOf(west, channelWide.token),
        verdict: 'will-not-play',
        code: 'URL_CHANNEL_MISMATCH',
      },
      {
        name: 'a URL on another host',
        url: good.playbackUrl.replace('https://', 'https://mirror.'),
        verdict: 'will-not-play',
        code: 'URL_NOT_CHANNEL_PLAYBACK_URL',
      },
      {
        name: 'a channel IVS does not have',
        url: urlOf(west, good.token).replace(west.arn.split('/')[1] ?? '', 'Missing00000'),
        verdict: 'will-not-play',
        code: 'CHANNEL_NOT_FOUND',
      },
      {
        name: 'a cut token',
        url: good.playbackUrl.slice(0, -30),
        verdict: 'will-not-play',
        code: 'TOKEN_TRUNCATED',
      },
      {
        name: 'a DER signature of the service key',
        url: urlOf(west, derOf(await signed(base))),
        verdict: 'will-not-play',
        code: 'SIGNATURE_DER_ENCODED',
      },
      {
        name: 'alg ES256',
        url: urlOf(west, await signed(base, { alg: 'ES256', typ: 'JWT' })),
        verdict: 'will-not-play',
        code: 'ALGORITHM_NOT_ES384',
      },
      {
        name: 'a channel in a region the service does not serve',
        url: urlOf(mumbai, await signed({ ...base, 'aws:channel-arn': mumbai.arn })),
        verdict: 'will-not-play',
        code: 'CHANNEL_REGION_NOT_SERVED',
      },
      {
        name: 'a public channel, an expired token',
        url: urlOf(open, await signed({ ...base, 'aws:channel-arn': open.arn, exp: inSeconds(-60) })),
        verdict: 'plays',
        code: 'CHANNEL_NOT_PRIVATE',
      },
      {
        name: 'a public channel, no token',
        url: open.playbackUrl,
        verdict: 'plays',
        code: 'CHANNEL_NOT_PRIVATE',
      },
      {
        name: 'a foreign signer that IVS holds in the region, its key given',
        url: urlOf(europe, craftToken({ ...base, 'aws:channel-arn': europe.arn }, foreign)),
        publicKeyPem: foreign.publicKeyPem,
        verdict: 'cannot-tell',
        code: 'KEY_NOT_OURS',
      },
      {
        name: 'a foreign signer, its key not given',
        url: urlOf(west, craftToken(base, foreign)),
        verdict: 'cannot-tell',
        code: 'KEY_UNKNOWN',
      },
      {
        name: 'a foreign signer, another key given',
        url: urlOf(west, craftToken(base, foreign)),
        publicKeyPem: craftKey().publicKeyPem,
        verdict: 'will-not-play',
        code: 'SIGNATURE_INVALID',
      },
      {
        name: 'a foreign DER signature',
        url: urlOf(west, der),
        publicKeyPem: foreign.publicKeyPem,
        verdict: 'will-not-play',
        code: 'SIGNATURE_DER_ENCODED',
      },
    ];

    const outcomes: string[] = [];
    for (const item of corpus) {
      const { inspection, decision } = await compare(item);
      outcomes.push(`${item.name}: ${inspection.verdict} / ${decision.reason}`);
      expectAgreement(item, inspection, decision);
    }
    expect(outcomes).toHaveLength(corpus.length);
  });

  it('agrees across a rotation: the previous key plays until its drain ends, then is refused once retired', async () => {
    const oldKey = service.runtime.keyCache.status().currentKeyId;
    // Outlives the drain, so only the key decides.
    const url = urlOf(west, await signed({ 'aws:channel-arn': west.arn, exp: inSeconds(DRAIN_SECONDS * 3) }));

    await service.runtime.rotator.rotate({ emergency: false });
    await service.runtime.coverage.refresh();
    const draining = await compare({
      name: 'previous key, draining',
      url,
      verdict: 'plays',
      code: 'KEY_PREVIOUS',
    });
    expectAgreement(
      { name: 'previous key, draining', url, verdict: 'plays', code: 'KEY_PREVIOUS' },
      draining.inspection,
      draining.decision,
    );

    clock.advance(DRAIN_SECONDS + 1);
    await service.runtime.keyCache.refresh();
    // Drained, not yet deleted (JANITOR_SECONDS=0 here): IVS still holds it, so it still plays.
    const drained = await compare({
      name: 'previous key, drained',
      url,
      verdict: 'plays',
      code: 'KEY_PREVIOUS',
    });
    expectAgreement(
      { name: 'previous key, drained', url, verdict: 'plays', code: 'KEY_PREVIOUS' },
      drained.inspection,
      drained.decision,
    );
    await service.runtime.rotator.rotate({ emergency: false });
    await service.runtime.coverage.refresh();
    const retired = await compare({
      name: 'previous key, retired',
      url,
      verdict: 'will-not-play',
      code: 'KEY_RETIRED',
    });
    expectAgreement(
      { name: 'previous key, retired', url, verdict: 'will-not-play', code: 'KEY_RETIRED' },
      retired.inspection,
      retired.decision,
    );

    expect(service.runtime.keyCache.status().currentKeyId).not.toBe(oldKey);
  });

  it('agrees after an emergency rotation: tokens of both deleted keys are refused at once', async () => {
    const before = await issue({ channelArn: europe.arn, ttlSeconds: 600 });
    const playsBefore = await compare({
      name: 'before the emergency',
      url: before.playbackUrl,
      verdict: 'plays',
    });
    expectAgreement(
      { name: 'before the emergency', url: before.playbackUrl, verdict: 'plays' },
      playsBefore.inspection,
      playsBefore.decision,
    );

    await service.runtime.rotator.rotate({ emergency: true });
    await service.runtime.coverage.refresh();
    const after = await compare({
      name: 'after the emergency',
      url: before.playbackUrl,
      verdict: 'will-not-play',
      code: 'KEY_RETIRED',
    });
    const fresh = await issue({ channelArn: europe.arn, ttlSeconds: 600 });
    const freshPlays = await compare({ name: 'a new token', url: fresh.playbackUrl, verdict: 'plays' });

    expectAgreement(
      { name: 'after the emergency', url: before.playbackUrl, verdict: 'will-not-play', code: 'KEY_RETIRED' },
      after.inspection,
      after.decision,
    );
    expectAgreement(
      { name: 'a new token', url: fresh.playbackUrl, verdict: 'plays' },
      freshPlays.inspection,
      freshPlays.decision,
    );
  });

  it('agrees when a key pair is deleted by hand from one region', async () => {
    const issued = await issue({ channelArn: west.arn, ttlSeconds: 600 });
    const keyId = service.runtime.keyCache.status().currentKeyId;
    const pair = standIn
      .ivsIn('us-west-2')
      .keyPairs.find((candidate) => candidate.tags['ivs-playback-auth:key-id'] === keyId);
    standIn.ivsIn('us-west-2').deleteKeyPair(pair?.arn ?? '');
    await service.runtime.coverage.refresh();

    const lost = await compare({
      name: 'key pair deleted',
      url: issued.playbackUrl,
      verdict: 'will-not-play',
      code: 'KEY_NOT_IN_REGION',
    });

    expectAgreement(
      {
        name: 'key pair deleted',
        url: issued.playbackUrl,
        verdict: 'will-not-play',
        code: 'KEY_NOT_IN_REGION',
      },
      lost.inspection,
      lost.decision,
    );
  });
});

/** The same token with its raw R‖S signature re-encoded as ASN.1 DER. */
function derOf(token: string): string {
  const [header, claims, signature] = token.split('.') as [string, string, string];
  const raw = Buffer.from(signature, 'base64url');
  const integer = (bytes: Buffer) => {
    let value = bytes;
    while (value.length > 1 && value[0] === 0 && (value[1] ?? 0) < 0x80) value = value.subarray(1);
    if ((value[0] ?? 0) >= 0x80) value = Buffer.concat([Buffer.from([0]), value]);
    return Buffer.concat([Buffer.from([0x02, value.length]), value]);
  };
  const body = Buffer.concat([integer(raw.subarray(0, 48)), integer(raw.subarray(48))]);
  return `${header}.${claims}.${Buffer.concat([Buffer.from([0x30, body.length]), body]).toString('base64url')}`;
}
