import { sign } from 'node:crypto';
import {
  BatchStartViewerSessionRevocationCommand,
  DeletePlaybackKeyPairCommand,
  StartViewerSessionRevocationCommand,
} from '@aws-sdk/client-ivs';
import { beforeEach, describe, expect, it } from 'vitest';
import { generateP384KeyPair, ivsClientFor, oraclePlayPath } from '../support/aws-stand-in/index.js';
import { useStandIn } from '../support/aws-stand-in/use-stand-in.js';
import { originMatches } from '../support/playback-oracle.js';

/**
 * The playback oracle, rule by rule (docs/ivs-playback-rules.md): every token here is built by
 * hand and breaks exactly one rule, next to one that keeps it and plays.
 */
const start = new Date('2030-01-02T03:04:05.000Z');
let now = start;
const { standIn, ivsClient: ivs } = useStandIn({
  standIn: { clock: () => now },
  ivsClient: { maxAttempts: 1 },
});
const nowSeconds = () => Math.floor(now.getTime() / 1000);

const signingKey = generateP384KeyPair();
const otherKey = generateP384KeyPair();
let channel: { arn: string; playbackUrl: string };

interface SignOptions {
  readonly privateKeyPem?: string;
  readonly header?: Record<string, unknown>;
  /** DER instead of the raw R||S IVS reads. */
  readonly derSignature?: boolean;
}

/** A JWS compact token over exactly these claims, signed with ES384 (raw R||S unless told). */
function token(claims: Record<string, unknown>, options: SignOptions = {}): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const signingInput = `${encode(options.header ?? { alg: 'ES384', typ: 'JWT' })}.${encode(claims)}`;
  const signature = sign('sha384', Buffer.from(signingInput), {
    key: options.privateKeyPem ?? signingKey.privateKeyPem,
    dsaEncoding: options.derSignature ? 'der' : 'ieee-p1363',
  });
  return `${signingInput}.${signature.toString('base64url')}`;
}

/** Claims that play on `channel` now; override or remove (undefined) one to break one rule. */
function claims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const all: Record<string, unknown> = {
    'aws:channel-arn': channel.arn,
    exp: nowSeconds() + 300,
    ...overrides,
  };
  return Object.fromEntries(Object.entries(all).filter(([, value]) => value !== undefined));
}

const playUrl = (value: string, origin?: string) =>
  standIn.play({ playbackUrl: `${channel.playbackUrl}?token=${value}`, ...(origin ? { origin } : {}) });
const reasonOf = (value: string, origin?: string) => playUrl(value, origin).reason;

beforeEach(() => {
  now = start;
  standIn.ivs.addForeignKeyPair({ publicKeyMaterial: signingKey.publicKeyPem, name: 'signing' });
  channel = standIn.ivs.addChannel({ authorized: true });
});

describe('channel and URL', () => {
  it('plays a valid token on the channel playback URL, or given with the channel ARN', () => {
    const valid = token(claims());

    expect(playUrl(valid)).toEqual({ plays: true, reason: 'TOKEN_ACCEPTED', message: expect.any(String) });
    expect(standIn.play({ channelArn: channel.arn, token: valid }).reason).toBe('TOKEN_ACCEPTED');
  });

  it('plays anything on a channel without playback authorization, even without a token', () => {
    const open = standIn.ivs.addChannel({ authorized: false });

    const decision = standIn.play({ playbackUrl: open.playbackUrl });

    expect(decision).toMatchObject({ plays: true, reason: 'NO_AUTHORIZATION_REQUIRED' });
  });

  it('refuses a private channel without a token (TOKEN_MISSING)', () => {
    expect(standIn.play({ playbackUrl: channel.playbackUrl })).toMatchObject({
      plays: false,
      reason: 'TOKEN_MISSING',
    });
    expect(standIn.play({ channelArn: channel.arn }).reason).toBe('TOKEN_MISSING');
  });

  it('refuses a channel IVS does not have in that region (CHANNEL_NOT_FOUND)', () => {
    const missing = channel.arn.replace(/channel\/\w+$/, 'channel/Missing00000');
    const inOtherRegion = channel.arn.replace(':us-west-2:', ':eu-west-1:');

    expect(
      standIn.play({ channelArn: missing, token: token(claims({ 'aws:channel-arn': missing })) }).reason,
    ).toBe('CHANNEL_NOT_FOUND');
    expect(
      standIn.play({ channelArn: inOtherRegion, token: token(claims({ 'aws:channel-arn': inOtherRegion })) })
        .reason,
    ).toBe('CHANNEL_NOT_FOUND');
    expect(standIn.play({ channelArn: 'arn:aws:ivs:us-west-2:123456789012:stage/x' }).reason).toBe(
      'CHANNEL_NOT_FOUND',
    );
  });

  it('refuses a URL that is not the channel playback URL (INVALID_PLAYBACK_URL)', () => {
    const valid = token(claims());
    const otherHost = channel.playbackUrl.replace(/^https:\/\/[0-9a-f]+\./, 'https://000000000000.');

    expect(standIn.play({ playbackUrl: `${otherHost}?token=${valid}` }).reason).toBe('INVALID_PLAYBACK_URL');
    expect(standIn.play({ playbackUrl: `https://example.com/video.m3u8?token=${valid}` }).reason).toBe(
      'INVALID_PLAYBACK_URL',
    );
    expect(standIn.play({ playbackUrl: 'not a url' }).reason).toBe('INVALID_PLAYBACK_URL');
  });

  it('refuses a token appended twice to the URL (TOKEN_MALFORMED)', () => {
    const valid = token(claims());

    expect(reasonOf(`${valid}?token=${valid}`)).toBe('TOKEN_MALFORMED');
    expect(reasonOf(`${valid}&token=${valid}`)).toBe('TOKEN_MALFORMED');
    expect(reasonOf(valid.slice(0, -10).replace(/\.[^.]*$/, ''))).toBe('TOKEN_MALFORMED');
  });
});

describe('signature and key pairs', () => {
  it('refuses a header whose alg is not ES384 (TOKEN_ALGORITHM_NOT_ES384)', () => {
    expect(reasonOf(token(claims(), { header: { alg: 'ES256', typ: 'JWT' } }))).toBe(
      'TOKEN_ALGORITHM_NOT_ES384',
    );
    expect(reasonOf(token(claims(), { header: { typ: 'JWT' } }))).toBe('TOKEN_ALGORITHM_NOT_ES384');
  });

  it('refuses a DER-encoded signature: IVS reads raw R||S (SIGNATURE_NOT_VERIFIED)', () => {
    const decision = playUrl(token(claims(), { derSignature: true }));

    expect(decision).toMatchObject({ plays: false, reason: 'SIGNATURE_NOT_VERIFIED' });
    expect(decision.message).toMatch(/not the 96 of a raw R\|\|S/);
  });

  it('refuses a token signed by a key no key pair of the region holds (SIGNATURE_NOT_VERIFIED)', () => {
    expect(reasonOf(token(claims(), { privateKeyPem: otherKey.privateKeyPem }))).toBe(
      'SIGNATURE_NOT_VERIFIED',
    );
  });

  it('plays with any key pair imported in the region: IVS tries them all', () => {
    standIn.ivs.addForeignKeyPair({ publicKeyMaterial: otherKey.publicKeyPem });

    expect(reasonOf(token(claims(), { privateKeyPem: otherKey.privateKeyPem }))).toBe('TOKEN_ACCEPTED');
    expect(reasonOf(token(claims()))).toBe('TOKEN_ACCEPTED');
  });

  it('refuses a token whose key pair is imported in another region only (KEY_PAIR_NOT_IN_CHANNEL_REGION)', () => {
    const european = standIn.ivsIn('eu-west-1').addChannel({ authorized: true });
    const europeanToken = token(claims({ 'aws:channel-arn': european.arn }));

    const beforeImport = standIn.play({ playbackUrl: `${european.playbackUrl}?token=${europeanToken}` });
    standIn.ivsIn('eu-west-1').addForeignKeyPair({ publicKeyMaterial: signingKey.publicKeyPem });
    const afterImport = standIn.play({ playbackUrl: `${european.playbackUrl}?token=${europeanToken}` });

    expect(beforeImport).toMatchObject({ plays: false, reason: 'KEY_PAIR_NOT_IN_CHANNEL_REGION' });
    expect(beforeImport.message).toContain('imported in us-west-2');
    expect(afterImport.reason).toBe('TOKEN_ACCEPTED');
  });

  it('decides with the key pairs imported at that moment: a deleted key pair stops its tokens', async () => {
    const valid = token(claims());
    const before = reasonOf(valid);
    const arn = standIn.ivs.keyPairs[0]?.arn ?? '';

    await ivs().send(new DeletePlaybackKeyPairCommand({ arn }));

    expect(before).toBe('TOKEN_ACCEPTED');
    expect(reasonOf(valid)).toBe('SIGNATURE_NOT_VERIFIED');
  });
});

describe('claims', () => {
  it('refuses a token for another channel, or naming none (CHANNEL_ARN_MISMATCH)', () => {
    const other = standIn.ivs.addChannel({ authorized: true });

    expect(reasonOf(token(claims({ 'aws:channel-arn': other.arn })))).toBe('CHANNEL_ARN_MISMATCH');
    expect(reasonOf(token(claims({ 'aws:channel-arn': undefined })))).toBe('CHANNEL_ARN_MISMATCH');
  });

  it('refuses an exp that is missing or not an integer (EXP_INVALID)', () => {
    expect(reasonOf(token(claims({ exp: undefined })))).toBe('EXP_INVALID');
    expect(reasonOf(token(claims({ exp: String(nowSeconds() + 300) })))).toBe('EXP_INVALID');
    expect(reasonOf(token(claims({ exp: nowSeconds() + 300.5 })))).toBe('EXP_INVALID');
  });

  it('refuses an exp in milliseconds, the mistake of the published sample (EXP_IN_MILLISECONDS)', () => {
    expect(reasonOf(token(claims({ exp: now.getTime() + 300_000 })))).toBe('EXP_IN_MILLISECONDS');
  });

  it('refuses an exp that is not in the future at playback start (TOKEN_EXPIRED)', () => {
    const shortLived = token(claims({ exp: nowSeconds() + 1 }));

    expect(reasonOf(token(claims({ exp: nowSeconds() })))).toBe('TOKEN_EXPIRED');
    expect(reasonOf(shortLived)).toBe('TOKEN_ACCEPTED');
    now = new Date(start.getTime() + 1000);
    expect(reasonOf(shortLived)).toBe('TOKEN_EXPIRED');
  });

  it('refuses a viewer id that is not 1-40 characters (VIEWER_ID_INVALID)', () => {
    expect(reasonOf(token(claims({ 'aws:viewer-id': 'v'.repeat(40) })))).toBe('TOKEN_ACCEPTED');
    expect(reasonOf(token(claims({ 'aws:viewer-id': 'v'.repeat(41) })))).toBe('VIEWER_ID_INVALID');
    expect(reasonOf(token(claims({ 'aws:viewer-id': '' })))).toBe('VIEWER_ID_INVALID');
    expect(reasonOf(token(claims({ 'aws:viewer-id': 42 })))).toBe('VIEWER_ID_INVALID');
  });

  it('refuses a single-use id that is not a UUID (SINGLE_USE_UUID_INVALID)', () => {
    expect(reasonOf(token(claims({ 'aws:single-use-uuid': 'once' })))).toBe('SINGLE_USE_UUID_INVALID');
  });

  it('refuses viewer and single-use tokens that expire more than 10 minutes ahead (EXP_TOO_FAR_FOR_VIEWER_TOKEN)', () => {
    const uuid = '0f8fad5b-d9cb-469f-a165-70867728950e';

    expect(reasonOf(token(claims({ 'aws:viewer-id': 'v', exp: nowSeconds() + 600 })))).toBe('TOKEN_ACCEPTED');
    expect(reasonOf(token(claims({ 'aws:viewer-id': 'v', exp: nowSeconds() + 601 })))).toBe(
      'EXP_TOO_FAR_FOR_VIEWER_TOKEN',
    );
    expect(reasonOf(token(claims({ 'aws:single-use-uuid': uuid, exp: nowSeconds() + 601 })))).toBe(
      'EXP_TOO_FAR_FOR_VIEWER_TOKEN',
    );
    expect(reasonOf(token(claims({ exp: nowSeconds() + 86_400 })))).toBe('TOKEN_ACCEPTED');
  });

  it('refuses a viewer session version that is not an integer >= 0 (VIEWER_SESSION_VERSION_INVALID)', () => {
    const viewer = { 'aws:viewer-id': 'v' };

    expect(reasonOf(token(claims({ ...viewer, 'aws:viewer-session-version': 7 })))).toBe('TOKEN_ACCEPTED');
    expect(reasonOf(token(claims({ ...viewer, 'aws:viewer-session-version': -1 })))).toBe(
      'VIEWER_SESSION_VERSION_INVALID',
    );
    expect(reasonOf(token(claims({ ...viewer, 'aws:viewer-session-version': '1' })))).toBe(
      'VIEWER_SESSION_VERSION_INVALID',
    );
  });

  it('refuses a maximum resolution other than SD, HD or FULL_HD (MAXIMUM_RESOLUTION_INVALID)', () => {
    expect(reasonOf(token(claims({ 'aws:maximum-resolution': 'FULL_HD' })))).toBe('TOKEN_ACCEPTED');
    expect(reasonOf(token(claims({ 'aws:maximum-resolution': 'UHD' })))).toBe('MAXIMUM_RESOLUTION_INVALID');
  });
});

describe('origins', () => {
  const strict = (origins: string) =>
    token(claims({ 'aws:access-control-allow-origin': origins, 'aws:strict-origin-enforcement': true }));

  it('plays a strict token from a listed origin, a wildcard one included', () => {
    const value = strict('https://example.com,https://*.example.org');

    expect(reasonOf(value, 'https://example.com')).toBe('TOKEN_ACCEPTED');
    expect(reasonOf(value, 'https://player.example.org')).toBe('TOKEN_ACCEPTED');
  });

  it('refuses a strict token without an Origin header (ORIGIN_MISSING)', () => {
    expect(reasonOf(strict('https://example.com'))).toBe('ORIGIN_MISSING');
  });

  it('refuses a strict token from an origin it does not list (ORIGIN_NOT_ALLOWED)', () => {
    const value = strict('https://example.com,https://*.example.org');

    expect(reasonOf(value, 'https://evil.example')).toBe('ORIGIN_NOT_ALLOWED');
    expect(reasonOf(value, 'http://example.com')).toBe('ORIGIN_NOT_ALLOWED');
    expect(reasonOf(value, 'https://example.org')).toBe('ORIGIN_NOT_ALLOWED');
  });

  it('leaves origins to the browser without strict enforcement: any Origin, or none, plays', () => {
    const value = token(claims({ 'aws:access-control-allow-origin': 'https://example.com' }));

    expect(reasonOf(value, 'https://evil.example')).toBe('TOKEN_ACCEPTED');
    expect(reasonOf(value)).toBe('TOKEN_ACCEPTED');
  });

  it('refuses strict enforcement with no origins or more than 5, and origin claims of the wrong type (ORIGIN_CLAIM_INVALID)', () => {
    const six = Array.from({ length: 6 }, (_, index) => `https://site${index}.example`).join(',');
    const five = six.split(',').slice(0, 5).join(',');

    expect(reasonOf(strict(five), 'https://site4.example')).toBe('TOKEN_ACCEPTED');
    expect(reasonOf(strict(six), 'https://site0.example')).toBe('ORIGIN_CLAIM_INVALID');
    expect(reasonOf(token(claims({ 'aws:strict-origin-enforcement': true })), 'https://a.example')).toBe(
      'ORIGIN_CLAIM_INVALID',
    );
    expect(reasonOf(token(claims({ 'aws:strict-origin-enforcement': 'true' })))).toBe('ORIGIN_CLAIM_INVALID');
    expect(reasonOf(token(claims({ 'aws:access-control-allow-origin': ['https://a.example'] })))).toBe(
      'ORIGIN_CLAIM_INVALID',
    );
  });

  it.each([
    ['https://example.com', 'https://example.com', true],
    ['https://example.com', 'https://EXAMPLE.com', true],
    ['https://example.com', 'https://example.com:8443', false],
    ['https://example.com:8443', 'https://example.com:8443', true],
    ['https://*.example.com', 'https://a.b.example.com', true],
    ['https://*.example.com', 'https://example.com', false],
    ['https://*.example.com', 'https://badexample.com', false],
    ['*', 'https://anything.example', true],
    ['https://example.com', 'null', false],
  ])('origin pattern %s against %s: %s', (pattern, origin, matches) => {
    expect(originMatches(pattern, origin)).toBe(matches);
  });
});

describe('revocation', () => {
  const viewerToken = (version?: number) =>
    token(claims({ 'aws:viewer-id': 'viewer-1', 'aws:viewer-session-version': version }));

  it('refuses versions up to the revoked one, and plays later versions and other viewers (VIEWER_SESSION_REVOKED)', async () => {
    await ivs().send(
      new StartViewerSessionRevocationCommand({
        channelArn: channel.arn,
        viewerId: 'viewer-1',
        viewerSessionVersionsLessThanOrEqualTo: 2,
      }),
    );

    expect(reasonOf(viewerToken(2))).toBe('VIEWER_SESSION_REVOKED');
    expect(reasonOf(viewerToken(0))).toBe('VIEWER_SESSION_REVOKED');
    expect(reasonOf(viewerToken())).toBe('VIEWER_SESSION_REVOKED');
    expect(reasonOf(viewerToken(3))).toBe('TOKEN_ACCEPTED');
    expect(reasonOf(token(claims({ 'aws:viewer-id': 'viewer-2' })))).toBe('TOKEN_ACCEPTED');
    expect(reasonOf(token(claims()))).toBe('TOKEN_ACCEPTED');
  });

  it('treats a revocation without a version as version 0, and a token without one as version 0', async () => {
    await ivs().send(
      new BatchStartViewerSessionRevocationCommand({
        viewerSessions: [{ channelArn: channel.arn, viewerId: 'viewer-1' }],
      }),
    );

    expect(reasonOf(viewerToken())).toBe('VIEWER_SESSION_REVOKED');
    expect(reasonOf(viewerToken(0))).toBe('VIEWER_SESSION_REVOKED');
    expect(reasonOf(viewerToken(1))).toBe('TOKEN_ACCEPTED');
  });

  it('sees revocations of the channel region only', async () => {
    const european = standIn.ivsIn('eu-west-1').addChannel({ authorized: true });
    standIn.ivsIn('eu-west-1').addForeignKeyPair({ publicKeyMaterial: signingKey.publicKeyPem });
    const eu = ivsClientFor(standIn, { maxAttempts: 1, region: 'eu-west-1' });
    await eu.send(
      new StartViewerSessionRevocationCommand({ channelArn: european.arn, viewerId: 'viewer-1' }),
    );
    eu.destroy();
    const europeanToken = token(claims({ 'aws:channel-arn': european.arn, 'aws:viewer-id': 'viewer-1' }));

    expect(standIn.play({ channelArn: european.arn, token: europeanToken }).reason).toBe(
      'VIEWER_SESSION_REVOKED',
    );
    expect(reasonOf(viewerToken())).toBe('TOKEN_ACCEPTED');
  });
});

describe('single use', () => {
  const uuid = '7c9e6679-7425-40de-944b-e07fc1f90ae7';
  const singleUse = () => token(claims({ 'aws:single-use-uuid': uuid }));

  it('plays a single-use token once (SINGLE_USE_TOKEN_REPLAYED the second time)', () => {
    const value = singleUse();

    expect(reasonOf(value)).toBe('TOKEN_ACCEPTED');
    expect(reasonOf(value)).toBe('SINGLE_USE_TOKEN_REPLAYED');
  });

  it('does not use a single-use token up on a refused request, and forgets used ones on reset', () => {
    const value = token(
      claims({
        'aws:single-use-uuid': uuid,
        'aws:access-control-allow-origin': 'https://example.com',
        'aws:strict-origin-enforcement': true,
      }),
    );

    expect(reasonOf(value, 'https://evil.example')).toBe('ORIGIN_NOT_ALLOWED');
    expect(reasonOf(value, 'https://example.com')).toBe('TOKEN_ACCEPTED');
    standIn.reset();
    standIn.ivs.addForeignKeyPair({ publicKeyMaterial: signingKey.publicKeyPem });
    channel = standIn.ivs.addChannel({ arn: channel.arn, authorized: true });
    expect(reasonOf(value, 'https://example.com')).toBe('TOKEN_ACCEPTED');
  });
});

describe(`POST ${oraclePlayPath}`, () => {
  const post = (body: unknown, method = 'POST') =>
    fetch(`${standIn.endpoint}${oraclePlayPath}`, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(method === 'POST' ? { body: JSON.stringify(body) } : {}),
    });

  it('answers the decision for a playback URL or a channel ARN and token, without recording an AWS request', async () => {
    const value = strictToken();
    const byUrl = await post({
      playbackUrl: `${channel.playbackUrl}?token=${value}`,
      origin: 'https://example.com',
    });
    const byArn = await post({ channelArn: channel.arn, token: value });

    expect(byUrl.status).toBe(200);
    expect(await byUrl.json()).toEqual({
      plays: true,
      reason: 'TOKEN_ACCEPTED',
      message: expect.any(String),
    });
    expect(await byArn.json()).toMatchObject({ plays: false, reason: 'ORIGIN_MISSING' });
    expect(standIn.requests).toEqual([]);
  });

  it('answers 400 INVALID_ORACLE_REQUEST for a body of another shape, 404 and 405 elsewhere', async () => {
    const both = await post({ playbackUrl: channel.playbackUrl, channelArn: channel.arn });
    const neither = await post({ origin: 'https://example.com' });
    const extra = await post({ channelArn: channel.arn, tokens: 'x' });
    const notString = await post({ channelArn: 42 });
    const notFound = await fetch(`${standIn.endpoint}/_oracle/other`, { method: 'POST' });
    const wrongMethod = await post(undefined, 'GET');

    for (const response of [both, neither, extra, notString]) {
      expect(response.status).toBe(400);
      expect(((await response.json()) as { code: string }).code).toBe('INVALID_ORACLE_REQUEST');
    }
    expect(notFound.status).toBe(404);
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('POST');
  });

  function strictToken(): string {
    return token(
      claims({
        'aws:access-control-allow-origin': 'https://example.com',
        'aws:strict-origin-enforcement': true,
      }),
    );
  }
});
