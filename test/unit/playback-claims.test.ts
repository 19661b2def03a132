import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseChannelArn } from '../../src/domain/channel-arn.js';
import { ERROR_CODES, type ErrorCode, ServiceError } from '../../src/domain/errors.js';
import { checkOrigin } from '../../src/domain/origin.js';
import {
  type BuiltClaims,
  buildPlaybackClaims,
  type ClaimsContext,
  MAXIMUM_RESOLUTIONS,
  type PlaybackClaims,
  type PlaybackTokenRequest,
  type TokenPolicy,
} from '../../src/domain/playback-claims.js';
import {
  aClaimsContext,
  aTokenRequest,
  CHANNEL_ARN,
  NOW,
  NOW_SECONDS,
  SINGLE_USE_UUID,
} from '../support/builders.js';

const DOCUMENTED_CLAIMS = [
  'aws:channel-arn',
  'aws:access-control-allow-origin',
  'aws:strict-origin-enforcement',
  'aws:single-use-uuid',
  'aws:viewer-id',
  'aws:viewer-session-version',
  'aws:maximum-resolution',
  'exp',
];

/** Runs the act step of a refusal: returns the ServiceError, failing the test on success or another error. */
function refusalOf(request: PlaybackTokenRequest, context: ClaimsContext = aClaimsContext()): ServiceError {
  let built: BuiltClaims;
  try {
    built = buildPlaybackClaims(request, context);
  } catch (error) {
    if (error instanceof ServiceError) return error;
    throw new Error(`expected a ServiceError, got ${String(error)}`, { cause: error });
  }
  throw new Error(`expected a refusal, got claims ${JSON.stringify(built.claims)}`);
}

/** Requests carrying a value the TypeScript types forbid, as a JavaScript caller could send it. */
function junk(request: Record<string, unknown>): PlaybackTokenRequest {
  return { channelArn: CHANNEL_ARN, ...request } as unknown as PlaybackTokenRequest;
}

function origins(count: number, prefix = 'site'): string[] {
  return Array.from({ length: count }, (_, index) => `https://${prefix}${index}.example.com`);
}

describe('buildPlaybackClaims', () => {
  describe('channelArn', () => {
    it('builds only aws:channel-arn and exp for a minimal request', () => {
      const request = aTokenRequest();

      const built = buildPlaybackClaims(request, aClaimsContext());

      expect(built).toEqual({
        claims: { 'aws:channel-arn': CHANNEL_ARN, exp: NOW_SECONDS + 300 },
        expiresAt: new Date((NOW_SECONDS + 300) * 1000),
      });
    });

    it('accepts a 128-character channel ARN', () => {
      const prefix = 'arn:aws:ivs:us-west-2:123456789012:channel/';
      const channelArn = prefix + 'a'.repeat(128 - prefix.length);

      const { claims } = buildPlaybackClaims(aTokenRequest({ channelArn }), aClaimsContext());

      expect(channelArn).toHaveLength(128);
      expect(claims['aws:channel-arn']).toBe(channelArn);
    });

    it('refuses a 129-character channel ARN with INVALID_CHANNEL_ARN', () => {
      const prefix = 'arn:aws:ivs:us-west-2:123456789012:channel/';
      const channelArn = prefix + 'a'.repeat(129 - prefix.length);

      const error = refusalOf(aTokenRequest({ channelArn }));

      expect(error.code).toBe('INVALID_CHANNEL_ARN');
      expect(error.details).toEqual({ field: 'channelArn' });
    });

    it.each([
      ['another service', 'arn:aws:medialive:us-west-2:123456789012:channel/AbCd1234'],
      ['a stream key', 'arn:aws:ivs:us-west-2:123456789012:stream-key/AbCd1234'],
      ['a playback key pair', 'arn:aws:ivs:us-west-2:123456789012:playback-key/AbCd1234'],
      ['a missing channel id', 'arn:aws:ivs:us-west-2:123456789012:channel/'],
      ['a trailing newline', `${CHANNEL_ARN}\n`],
      ['a leading space', ` ${CHANNEL_ARN}`],
      ['an upper-case region', 'arn:aws:ivs:US-WEST-2:123456789012:channel/AbCd1234'],
      ['a wildcard channel id', 'arn:aws:ivs:us-west-2:123456789012:channel/*'],
      ['another partition', 'arn:aws-cn:ivs:cn-north-1:123456789012:channel/AbCd1234'],
      ['a non-numeric account', 'arn:aws:ivs:us-west-2:acct:channel/AbCd1234'],
      ['an empty string', ''],
    ])('refuses %s with INVALID_CHANNEL_ARN', (_reason, channelArn) => {
      const request = aTokenRequest({ channelArn });

      const error = refusalOf(request);

      expect(error.code).toBe('INVALID_CHANNEL_ARN');
    });

    it.each([
      ['missing', undefined],
      ['null', null],
      ['a number', 42],
      ['an array', [CHANNEL_ARN]],
    ])('refuses a channelArn that is %s with INVALID_CHANNEL_ARN', (_reason, channelArn) => {
      const request = junk({ channelArn });

      const error = refusalOf(request);

      expect(error.code).toBe('INVALID_CHANNEL_ARN');
    });
  });

  describe('viewerId', () => {
    it.each([
      ['1 character', 'v'],
      ['40 characters', 'v'.repeat(40)],
      ['40 emoji (40 code points, 80 UTF-16 units)', '🎬'.repeat(40)],
      ['letters outside ASCII', 'zuschauer-ä-é-ß-日本'],
    ])('accepts a viewerId of %s and emits it as aws:viewer-id', (_reason, viewerId) => {
      const request = aTokenRequest({ viewerId });

      const { claims } = buildPlaybackClaims(request, aClaimsContext());

      expect(claims).toEqual({
        'aws:channel-arn': CHANNEL_ARN,
        'aws:viewer-id': viewerId,
        exp: NOW_SECONDS + 300,
      });
    });

    it.each([
      ['an empty viewerId', ''],
      ['a 41-character viewerId', 'v'.repeat(41)],
      ['41 emoji', '🎬'.repeat(41)],
      ['a NUL character', 'viewer\u0000'],
      ['a line feed', 'viewer\n1'],
      ['a carriage return', 'viewer\r1'],
      ['a tab', 'viewer\t1'],
      ['the unit separator U+001F', 'viewer\u001f'],
      ['DEL', 'viewer\u007f'],
      ['the C1 control U+0080', 'viewer\u0080'],
      ['the C1 control U+009F', 'viewer\u009f'],
      ['a lone high surrogate', 'viewer\ud83c'],
      ['a lone low surrogate', '\udfacviewer'],
    ])('refuses %s with INVALID_VIEWER_ID', (_reason, viewerId) => {
      const request = aTokenRequest({ viewerId });

      const error = refusalOf(request);

      expect(error.code).toBe('INVALID_VIEWER_ID');
      expect(error.details).toEqual({ field: 'viewerId', maxLength: 40 });
    });

    it.each([
      ['null', null],
      ['a number', 7],
    ])('refuses a viewerId that is %s with INVALID_VIEWER_ID', (_reason, viewerId) => {
      const request = junk({ viewerId });

      const error = refusalOf(request);

      expect(error.code).toBe('INVALID_VIEWER_ID');
    });
  });

  describe('viewerSessionVersion', () => {
    it('emits version 0 as a claim', () => {
      const request = aTokenRequest({ viewerId: 'viewer-1', viewerSessionVersion: 0 });

      const { claims } = buildPlaybackClaims(request, aClaimsContext());

      expect(claims).toEqual({
        'aws:channel-arn': CHANNEL_ARN,
        'aws:viewer-id': 'viewer-1',
        'aws:viewer-session-version': 0,
        exp: NOW_SECONDS + 300,
      });
    });

    it('accepts 2^31-1', () => {
      const request = aTokenRequest({ viewerId: 'viewer-1', viewerSessionVersion: 2 ** 31 - 1 });

      const { claims } = buildPlaybackClaims(request, aClaimsContext());

      expect(claims['aws:viewer-session-version']).toBe(2147483647);
    });

    it.each([
      ['-1', -1],
      ['2^31', 2 ** 31],
      ['1.5', 1.5],
      ['NaN', Number.NaN],
      ['Infinity', Number.POSITIVE_INFINITY],
    ])('refuses %s with INVALID_VIEWER_SESSION_VERSION', (_reason, viewerSessionVersion) => {
      const request = aTokenRequest({ viewerId: 'viewer-1', viewerSessionVersion });

      const error = refusalOf(request);

      expect(error.code).toBe('INVALID_VIEWER_SESSION_VERSION');
      expect(error.details).toEqual({ field: 'viewerSessionVersion', minimum: 0, maximum: 2147483647 });
    });

    it('refuses a version given as a string with INVALID_VIEWER_SESSION_VERSION', () => {
      const request = junk({ viewerId: 'viewer-1', viewerSessionVersion: '3' });

      const error = refusalOf(request);

      expect(error.code).toBe('INVALID_VIEWER_SESSION_VERSION');
    });

    it.each([0, 5])(
      'refuses version %d without a viewerId with VIEWER_SESSION_VERSION_WITHOUT_VIEWER_ID',
      (version) => {
        const request = aTokenRequest({ viewerSessionVersion: version });

        const error = refusalOf(request);

        expect(error.code).toBe('VIEWER_SESSION_VERSION_WITHOUT_VIEWER_ID');
        expect(error.details).toEqual({ field: 'viewerSessionVersion' });
      },
    );
  });

  describe('allowedOrigins', () => {
    it('joins the origins with commas, in the order given, lower-cased', () => {
      const request = aTokenRequest({
        allowedOrigins: ['https://B.example.com', 'HTTP://a.Example.com:8080', 'https://*.Example.org'],
      });

      const { claims } = buildPlaybackClaims(request, aClaimsContext());

      expect(claims).toEqual({
        'aws:channel-arn': CHANNEL_ARN,
        'aws:access-control-allow-origin':
          'https://b.example.com,http://a.example.com:8080,https://*.example.org',
        exp: NOW_SECONDS + 300,
      });
    });

    it('adds no origin claim for an empty list', () => {
      const request = aTokenRequest({ allowedOrigins: [] });

      const { claims } = buildPlaybackClaims(request, aClaimsContext());

      expect(claims).toEqual({ 'aws:channel-arn': CHANNEL_ARN, exp: NOW_SECONDS + 300 });
    });

    it('accepts 5 origins with strictOriginEnforcement', () => {
      const request = aTokenRequest({ allowedOrigins: origins(5), strictOriginEnforcement: true });

      const { claims } = buildPlaybackClaims(request, aClaimsContext());

      expect(claims).toEqual({
        'aws:channel-arn': CHANNEL_ARN,
        'aws:access-control-allow-origin': origins(5).join(','),
        'aws:strict-origin-enforcement': true,
        exp: NOW_SECONDS + 300,
      });
    });

    it('refuses 6 origins with strictOriginEnforcement with TOO_MANY_STRICT_ORIGINS', () => {
      const request = aTokenRequest({ allowedOrigins: origins(6), strictOriginEnforcement: true });

      const error = refusalOf(request);

      expect(error.code).toBe('TOO_MANY_STRICT_ORIGINS');
      expect(error.details).toEqual({ field: 'allowedOrigins', limit: 5 });
    });

    it.each([
      ['no allowedOrigins', undefined],
      ['an empty allowedOrigins', []],
    ])(
      'refuses strictOriginEnforcement with %s with STRICT_ORIGIN_WITHOUT_ORIGINS',
      (_reason, allowedOrigins) => {
        const request = aTokenRequest({ allowedOrigins, strictOriginEnforcement: true });

        const error = refusalOf(request);

        expect(error.code).toBe('STRICT_ORIGIN_WITHOUT_ORIGINS');
      },
    );

    it('accepts 50 origins without strict enforcement', () => {
      const request = aTokenRequest({ allowedOrigins: origins(50) });

      const { claims } = buildPlaybackClaims(request, aClaimsContext());

      expect(claims['aws:access-control-allow-origin']?.split(',')).toEqual(origins(50));
    });

    it('refuses 51 origins with TOO_MANY_ORIGINS', () => {
      const request = aTokenRequest({ allowedOrigins: origins(51) });

      const error = refusalOf(request);

      expect(error.code).toBe('TOO_MANY_ORIGINS');
      expect(error.details).toEqual({ field: 'allowedOrigins', limit: 50 });
    });

    it.each([
      ['the same origin twice', ['https://a.example.com', 'https://b.example.com', 'https://a.example.com']],
      [
        'origins differing only in case',
        ['https://a.example.com', 'https://b.example.com', 'HTTPS://A.Example.COM'],
      ],
    ])('refuses %s with DUPLICATE_ORIGIN naming the repeat', (_reason, allowedOrigins) => {
      const request = aTokenRequest({ allowedOrigins });

      const error = refusalOf(request);

      expect(error.code).toBe('DUPLICATE_ORIGIN');
      expect(error.details).toEqual({ field: 'allowedOrigins[2]' });
      expect(error.message).toContain('https://a.example.com');
    });

    it('adds no strict claim when strictOriginEnforcement is false', () => {
      const request = aTokenRequest({ allowedOrigins: origins(6), strictOriginEnforcement: false });

      const { claims } = buildPlaybackClaims(request, aClaimsContext());

      expect(claims).toEqual({
        'aws:channel-arn': CHANNEL_ARN,
        'aws:access-control-allow-origin': origins(6).join(','),
        exp: NOW_SECONDS + 300,
      });
    });

    it('refuses an invalid origin with INVALID_ORIGIN naming its index', () => {
      const request = aTokenRequest({
        allowedOrigins: ['https://a.example.com', 'https://b.example.com/path'],
      });

      const error = refusalOf(request);

      expect(error.code).toBe('INVALID_ORIGIN');
      expect(error.details).toEqual({ field: 'allowedOrigins[1]' });
      expect(error.message).toMatch(/^allowedOrigins\[1\] /);
    });

    it('refuses an origin smuggling a second one after a comma with INVALID_ORIGIN', () => {
      const request = aTokenRequest({ allowedOrigins: ['https://a.example.com,https://evil.example'] });

      const error = refusalOf(request);

      expect(error.code).toBe('INVALID_ORIGIN');
    });

    it.each([
      ['a string', 'https://a.example.com'],
      ['an object', { 0: 'https://a.example.com', length: 1 }],
    ])('refuses allowedOrigins that is %s with INVALID_REQUEST', (_reason, allowedOrigins) => {
      const request = junk({ allowedOrigins });

      const error = refusalOf(request);

      expect(error.code).toBe('INVALID_REQUEST');
      expect(error.details).toEqual({ field: 'allowedOrigins' });
    });

    it('refuses a non-string entry with INVALID_ORIGIN', () => {
      const request = junk({ allowedOrigins: ['https://a.example.com', 42] });

      const error = refusalOf(request);

      expect(error.code).toBe('INVALID_ORIGIN');
      expect(error.details).toEqual({ field: 'allowedOrigins[1]' });
    });

    it('refuses a sparse allowedOrigins array with INVALID_ORIGIN rather than emitting an empty origin', () => {
      const allowedOrigins: string[] = [];
      allowedOrigins[1] = 'https://a.example.com';

      const error = refusalOf(aTokenRequest({ allowedOrigins }));

      expect(error.code).toBe('INVALID_ORIGIN');
      expect(error.details).toEqual({ field: 'allowedOrigins[0]' });
    });

    it.each([
      ['the string "true"', 'true'],
      ['1', 1],
    ])(
      'refuses strictOriginEnforcement that is %s with INVALID_REQUEST',
      (_reason, strictOriginEnforcement) => {
        const request = junk({ allowedOrigins: ['https://a.example.com'], strictOriginEnforcement });

        const error = refusalOf(request);

        expect(error.code).toBe('INVALID_REQUEST');
        expect(error.details).toEqual({ field: 'strictOriginEnforcement' });
      },
    );
  });

  describe('singleUse', () => {
    it('puts a fresh UUID from newUuid into aws:single-use-uuid', () => {
      const uuids = ['11111111-1111-4111-8111-111111111111', '22222222-2222-4222-8222-222222222222'];
      const context = aClaimsContext({ newUuid: () => uuids.shift() ?? 'exhausted' });

      const first = buildPlaybackClaims(aTokenRequest({ singleUse: true }), context);
      const second = buildPlaybackClaims(aTokenRequest({ singleUse: true }), context);

      expect(first.claims).toEqual({
        'aws:channel-arn': CHANNEL_ARN,
        'aws:single-use-uuid': '11111111-1111-4111-8111-111111111111',
        exp: NOW_SECONDS + 300,
      });
      expect(second.claims['aws:single-use-uuid']).toBe('22222222-2222-4222-8222-222222222222');
    });

    it('adds nothing and asks for no UUID when singleUse is false', () => {
      let calls = 0;
      const context = aClaimsContext({
        newUuid: () => {
          calls++;
          return SINGLE_USE_UUID;
        },
      });

      const { claims } = buildPlaybackClaims(aTokenRequest({ singleUse: false }), context);

      expect(claims).toEqual({ 'aws:channel-arn': CHANNEL_ARN, exp: NOW_SECONDS + 300 });
      expect(calls).toBe(0);
    });

    it('refuses singleUse given as a string with INVALID_REQUEST', () => {
      const request = junk({ singleUse: 'yes' });

      const error = refusalOf(request);

      expect(error.code).toBe('INVALID_REQUEST');
      expect(error.details).toEqual({ field: 'singleUse' });
    });
  });

  describe('maximumResolution', () => {
    it.each(MAXIMUM_RESOLUTIONS)('emits %s as aws:maximum-resolution', (maximumResolution) => {
      const request = aTokenRequest({ maximumResolution });

      const { claims } = buildPlaybackClaims(request, aClaimsContext());

      expect(claims).toEqual({
        'aws:channel-arn': CHANNEL_ARN,
        'aws:maximum-resolution': maximumResolution,
        exp: NOW_SECONDS + 300,
      });
    });

    it.each(['UHD', 'sd', 'FULL HD', ''])(
      'refuses %j with INVALID_MAXIMUM_RESOLUTION',
      (maximumResolution) => {
        const request = junk({ maximumResolution });

        const error = refusalOf(request);

        expect(error.code).toBe('INVALID_MAXIMUM_RESOLUTION');
        expect(error.details).toEqual({ field: 'maximumResolution', allowed: ['SD', 'HD', 'FULL_HD'] });
      },
    );
  });

  describe('TTL', () => {
    it('sets exp in Unix seconds to now (rounded down) plus ttlSeconds, and expiresAt to match', () => {
      const now = new Date('2026-01-01T00:00:00.999Z');

      const built = buildPlaybackClaims(aTokenRequest({ ttlSeconds: 120 }), aClaimsContext({ now }));

      expect(built.claims.exp).toBe(1767225600 + 120);
      expect(built.expiresAt).toEqual(new Date('2026-01-01T00:02:00.000Z'));
    });

    it('uses the default TTL when the request names none', () => {
      const context = aClaimsContext({ policy: { defaultTtlSeconds: 900, maxTtlSeconds: 3600 } });

      const built = buildPlaybackClaims(aTokenRequest(), context);

      expect(built.claims.exp).toBe(NOW_SECONDS + 900);
      expect(built.expiresAt).toEqual(new Date('2026-01-01T00:15:00.000Z'));
    });

    it.each([
      ['a viewerId', { viewerId: 'viewer-1' }],
      ['singleUse', { singleUse: true }],
    ])('accepts 600 seconds for a token with %s', (_reason, fields) => {
      const request = aTokenRequest({ ...fields, ttlSeconds: 600 });

      const { claims } = buildPlaybackClaims(request, aClaimsContext());

      expect(claims.exp).toBe(NOW_SECONDS + 600);
    });

    it.each([
      ['a viewerId', { viewerId: 'viewer-1' }],
      ['singleUse', { singleUse: true }],
    ])('refuses 601 seconds for a token with %s with TTL_ABOVE_VIEWER_LIMIT', (_reason, fields) => {
      const request = aTokenRequest({ ...fields, ttlSeconds: 601 });

      const error = refusalOf(request);

      expect(error.code).toBe('TTL_ABOVE_VIEWER_LIMIT');
      expect(error.details).toEqual({ field: 'ttlSeconds', maximum: 600 });
    });

    it('accepts a TTL equal to the configured maximum', () => {
      const request = aTokenRequest({ ttlSeconds: 3600 });

      const { claims } = buildPlaybackClaims(request, aClaimsContext());

      expect(claims.exp).toBe(NOW_SECONDS + 3600);
    });

    it('refuses a TTL one second above the configured maximum with TTL_ABOVE_MAXIMUM', () => {
      const request = aTokenRequest({ ttlSeconds: 3601 });

      const error = refusalOf(request);

      expect(error.code).toBe('TTL_ABOVE_MAXIMUM');
      expect(error.details).toEqual({ field: 'ttlSeconds', maximum: 3600 });
    });

    it('refuses a viewer token above a configured maximum lower than 600 with TTL_ABOVE_MAXIMUM', () => {
      const context = aClaimsContext({ policy: { defaultTtlSeconds: 60, maxTtlSeconds: 300 } });

      const error = refusalOf(aTokenRequest({ viewerId: 'viewer-1', ttlSeconds: 301 }), context);

      expect(error.code).toBe('TTL_ABOVE_MAXIMUM');
    });

    it.each([
      ['0', 0],
      ['-1', -1],
      ['1.5', 1.5],
      ['NaN', Number.NaN],
      ['Infinity', Number.POSITIVE_INFINITY],
    ])('refuses ttlSeconds %s with INVALID_TTL', (_reason, ttlSeconds) => {
      const request = aTokenRequest({ ttlSeconds });

      const error = refusalOf(request);

      expect(error.code).toBe('INVALID_TTL');
      expect(error.details).toEqual({ field: 'ttlSeconds' });
    });

    it('refuses ttlSeconds given as a string with INVALID_TTL', () => {
      const request = junk({ ttlSeconds: '60' });

      const error = refusalOf(request);

      expect(error.code).toBe('INVALID_TTL');
    });

    it.each([
      ['a viewerId', { viewerId: 'viewer-1' }],
      ['singleUse', { singleUse: true }],
    ])(
      'gives a token with %s and no ttlSeconds 600 seconds when the default is longer',
      (_reason, fields) => {
        const context = aClaimsContext({ policy: { defaultTtlSeconds: 3600, maxTtlSeconds: 86400 } });

        const built = buildPlaybackClaims(aTokenRequest(fields), context);

        expect(built.claims.exp).toBe(NOW_SECONDS + 600);
        expect(built.expiresAt).toEqual(new Date('2026-01-01T00:10:00.000Z'));
      },
    );

    it('gives a viewer token without ttlSeconds the default when it is shorter than 600 seconds', () => {
      const context = aClaimsContext({ policy: { defaultTtlSeconds: 120, maxTtlSeconds: 3600 } });

      const { claims } = buildPlaybackClaims(aTokenRequest({ viewerId: 'viewer-1' }), context);

      expect(claims.exp).toBe(NOW_SECONDS + 120);
    });

    it('never shortens an explicit TTL: 3600 seconds for a viewer token is refused, not clamped', () => {
      const context = aClaimsContext({ policy: { defaultTtlSeconds: 3600, maxTtlSeconds: 86400 } });

      const error = refusalOf(aTokenRequest({ viewerId: 'viewer-1', ttlSeconds: 3600 }), context);

      expect(error.code).toBe('TTL_ABOVE_VIEWER_LIMIT');
    });
  });

  describe('the claim set', () => {
    it('emits exactly the documented claims for a request using every option', () => {
      const request = aTokenRequest({
        viewerId: 'viewer-1',
        viewerSessionVersion: 3,
        ttlSeconds: 600,
        allowedOrigins: ['https://a.example.com', 'https://*.example.org'],
        strictOriginEnforcement: true,
        singleUse: true,
        maximumResolution: 'HD',
      });

      const built = buildPlaybackClaims(request, aClaimsContext());

      expect(built).toEqual({
        claims: {
          'aws:channel-arn': CHANNEL_ARN,
          'aws:access-control-allow-origin': 'https://a.example.com,https://*.example.org',
          'aws:strict-origin-enforcement': true,
          'aws:single-use-uuid': SINGLE_USE_UUID,
          'aws:viewer-id': 'viewer-1',
          'aws:viewer-session-version': 3,
          'aws:maximum-resolution': 'HD',
          exp: NOW_SECONDS + 600,
        },
        expiresAt: new Date('2026-01-01T00:10:00.000Z'),
      });
      expect(Object.keys(built.claims).sort()).toEqual([...DOCUMENTED_CLAIMS].sort());
    });

    it('ignores request fields that are not claim options', () => {
      const request = junk({ iat: 1, kid: 'k', exp: 1, 'aws:viewer-id': 'sneaky' });

      const { claims } = buildPlaybackClaims(request, aClaimsContext());

      expect(claims).toEqual({ 'aws:channel-arn': CHANNEL_ARN, exp: NOW_SECONDS + 300 });
    });
  });
});

// ---------------------------------------------------------------------------------------------------
// Property-based tests
// ---------------------------------------------------------------------------------------------------

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const CONTROL_OR_SURROGATE = /[\u0000-\u001f\u007f-\u009f]|\p{Surrogate}/u;

/** Checks every rule on claims built from an unknown request; returns nothing, fails via expect. */
function expectClaimsToFollowTheRules(built: BuiltClaims, context: ClaimsContext): void {
  const { claims, expiresAt } = built;
  const nowSeconds = Math.floor(context.now.getTime() / 1000);
  for (const key of Object.keys(claims)) expect(DOCUMENTED_CLAIMS).toContain(key);

  expect(typeof claims['aws:channel-arn']).toBe('string');
  expect(parseChannelArn(claims['aws:channel-arn'])).toBeDefined();

  expect(Number.isInteger(claims.exp)).toBe(true);
  const ttl = claims.exp - nowSeconds;
  expect(ttl).toBeGreaterThanOrEqual(1);
  expect(ttl).toBeLessThanOrEqual(context.policy.maxTtlSeconds);
  expect(expiresAt.getTime()).toBe(claims.exp * 1000);
  if ('aws:viewer-id' in claims || 'aws:single-use-uuid' in claims) {
    expect(claims.exp).toBeLessThanOrEqual(context.now.getTime() / 1000 + 600);
  }

  const viewerId = claims['aws:viewer-id'];
  if ('aws:viewer-id' in claims) {
    expect(typeof viewerId).toBe('string');
    expect([...(viewerId as string)].length).toBeGreaterThanOrEqual(1);
    expect([...(viewerId as string)].length).toBeLessThanOrEqual(40);
    expect(viewerId).not.toMatch(CONTROL_OR_SURROGATE);
  }
  if ('aws:viewer-session-version' in claims) {
    expect('aws:viewer-id' in claims).toBe(true);
    const version = claims['aws:viewer-session-version'];
    expect(Number.isInteger(version)).toBe(true);
    expect(version).toBeGreaterThanOrEqual(0);
    expect(version).toBeLessThanOrEqual(2 ** 31 - 1);
  }

  if ('aws:access-control-allow-origin' in claims) {
    const list = (claims['aws:access-control-allow-origin'] as string).split(',');
    expect(list.length).toBeGreaterThanOrEqual(1);
    expect(list.length).toBeLessThanOrEqual(50);
    expect(new Set(list).size).toBe(list.length);
    for (const origin of list) expect(checkOrigin(origin)).toEqual({ ok: true, origin });
  }
  if ('aws:strict-origin-enforcement' in claims) {
    expect(claims['aws:strict-origin-enforcement']).toBe(true);
    const list = claims['aws:access-control-allow-origin']?.split(',') ?? [];
    expect(list.length).toBeGreaterThanOrEqual(1);
    expect(list.length).toBeLessThanOrEqual(5);
  }
  if ('aws:single-use-uuid' in claims) expect(claims['aws:single-use-uuid']).toBe(SINGLE_USE_UUID);
  if ('aws:maximum-resolution' in claims) {
    expect(MAXIMUM_RESOLUTIONS).toContain(claims['aws:maximum-resolution']);
  }
}

const dnsLabel = fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,14}[a-z0-9])?$/);

/** A valid origin in its normalized form. */
const normalizedOrigin = fc
  .record({
    scheme: fc.constantFrom('http', 'https'),
    wildcard: fc.boolean(),
    labels: fc.array(dnsLabel, { minLength: 1, maxLength: 4 }),
    port: fc.option(fc.oneof(fc.constantFrom(1, 65535, 8080), fc.integer({ min: 1, max: 65535 })), {
      nil: undefined,
    }),
  })
  .filter(({ wildcard, labels }) => !wildcard || labels.length >= 2)
  .filter(({ scheme, port }) => port !== (scheme === 'http' ? 80 : 443))
  .map(
    ({ scheme, wildcard, labels, port }) =>
      `${scheme}://${wildcard ? '*.' : ''}${labels.join('.')}${port === undefined ? '' : `:${port}`}`,
  );

/** A valid origin as a caller may write it (any case), with the form the claim must carry. */
const anOrigin = normalizedOrigin.chain((normalized) =>
  fc.mixedCase(fc.constant(normalized)).map((raw) => ({ raw, normalized })),
);

function uniqueOrigins(constraints: { minLength?: number; maxLength: number }) {
  return fc.uniqueArray(anOrigin, { ...constraints, selector: (origin) => origin.normalized, size: 'max' });
}

const aViewerIdCodePoint = fc.oneof(
  fc.integer({ min: 0x20, max: 0x7e }),
  fc.integer({ min: 0xa0, max: 0xd7ff }),
  fc.integer({ min: 0xe000, max: 0x10ffff }),
);
const aViewerId = fc
  .array(aViewerIdCodePoint, { minLength: 1, maxLength: 40 })
  .map((codePoints) => String.fromCodePoint(...codePoints));

const aPolicy: fc.Arbitrary<TokenPolicy> = fc
  .oneof(fc.constantFrom(1, 600, 601, 3600, 86400), fc.integer({ min: 1, max: 7 * 86400 }))
  .chain((maxTtlSeconds) =>
    fc
      .integer({ min: 1, max: maxTtlSeconds })
      .map((defaultTtlSeconds) => ({ defaultTtlSeconds, maxTtlSeconds })),
  );

const aNow = fc.integer({ min: 0, max: 20 * 365 * 86400 * 1000 }).map((ms) => new Date(NOW.getTime() + ms));

interface ValidCase {
  readonly request: PlaybackTokenRequest;
  readonly context: ClaimsContext;
  /** The origins as the claim must list them. */
  readonly normalizedOrigins: readonly string[];
}

const aValidCase: fc.Arbitrary<ValidCase> = fc
  .record({
    policy: aPolicy,
    now: aNow,
    viewerId: fc.option(aViewerId, { nil: undefined }),
    viewerSessionVersion: fc.option(fc.oneof(fc.constantFrom(0, 2 ** 31 - 1), fc.nat({ max: 2 ** 31 - 1 })), {
      nil: undefined,
    }),
    origins: fc.option(fc.oneof(uniqueOrigins({ maxLength: 5 }), uniqueOrigins({ maxLength: 50 })), {
      nil: undefined,
    }),
    strictOriginEnforcement: fc.option(fc.boolean(), { nil: undefined }),
    singleUse: fc.option(fc.boolean(), { nil: undefined }),
    maximumResolution: fc.option(fc.constantFrom(...MAXIMUM_RESOLUTIONS), { nil: undefined }),
  })
  .chain((shape) => {
    const isViewerToken = shape.viewerId !== undefined || shape.singleUse === true;
    const ttlLimit = isViewerToken ? Math.min(600, shape.policy.maxTtlSeconds) : shape.policy.maxTtlSeconds;
    return fc
      .option(fc.oneof(fc.constantFrom(1, ttlLimit), fc.integer({ min: 1, max: ttlLimit })), {
        nil: undefined,
      })
      .map((ttlSeconds): ValidCase => {
        const originCount = shape.origins?.length ?? 0;
        const strict = originCount >= 1 && originCount <= 5 ? shape.strictOriginEnforcement : false;
        const request: PlaybackTokenRequest = {
          channelArn: CHANNEL_ARN,
          viewerId: shape.viewerId,
          viewerSessionVersion: shape.viewerId === undefined ? undefined : shape.viewerSessionVersion,
          ttlSeconds,
          allowedOrigins: shape.origins?.map((origin) => origin.raw),
          strictOriginEnforcement: strict,
          singleUse: shape.singleUse,
          maximumResolution: shape.maximumResolution,
        };
        return {
          request,
          context: aClaimsContext({ policy: shape.policy, now: shape.now }),
          normalizedOrigins: shape.origins?.map((origin) => origin.normalized) ?? [],
        };
      });
  });

function expectedClaimKeys(request: PlaybackTokenRequest, normalizedOrigins: readonly string[]): string[] {
  const keys = ['aws:channel-arn', 'exp'];
  if (normalizedOrigins.length > 0) keys.push('aws:access-control-allow-origin');
  if (request.strictOriginEnforcement === true) keys.push('aws:strict-origin-enforcement');
  if (request.singleUse === true) keys.push('aws:single-use-uuid');
  if (request.viewerId !== undefined) keys.push('aws:viewer-id');
  if (request.viewerSessionVersion !== undefined) keys.push('aws:viewer-session-version');
  if (request.maximumResolution !== undefined) keys.push('aws:maximum-resolution');
  return keys.sort();
}

interface BrokenCase {
  readonly request: PlaybackTokenRequest;
  readonly context: ClaimsContext;
  readonly code: ErrorCode;
}

function insertAt<T>(list: readonly T[], index: number, item: T): T[] {
  const position = Math.min(index, list.length);
  return [...list.slice(0, position), item, ...list.slice(position)];
}

const aBadChannelArn = fc.oneof(
  fc.constantFrom(
    `${CHANNEL_ARN}\n`,
    `arn:aws:ivs:us-west-2:123456789012:channel/${'a'.repeat(86)}`,
    'arn:aws:ivs:US-WEST-2:123456789012:channel/AbCd',
    'arn:aws:ivs:us-west-2:123456789012:stream-key/AbCd',
    'arn:aws:ivs:us-west-2:123456789012:channel/',
  ),
  fc.string().filter((value) => parseChannelArn(value) === undefined),
);
const aBadViewerId = fc.oneof(
  fc.constant(''),
  fc.array(aViewerIdCodePoint, { minLength: 41, maxLength: 60 }).map((cps) => String.fromCodePoint(...cps)),
  fc
    .tuple(
      aViewerId,
      fc.oneof(fc.integer({ min: 0, max: 0x1f }), fc.integer({ min: 0x7f, max: 0x9f })),
      fc.nat(),
    )
    .map(([id, control, at]) => {
      const chars = [...id].slice(0, 39);
      chars.splice(at % (chars.length + 1), 0, String.fromCharCode(control));
      return chars.join('');
    }),
  fc
    .tuple(aViewerId, fc.integer({ min: 0xd800, max: 0xdfff }))
    .map(([id, surrogate]) => [...id].slice(0, 39).join('') + String.fromCharCode(surrogate)),
);
const aBadVersion = fc.oneof(
  fc.integer({ min: -(2 ** 31), max: -1 }),
  fc.integer({ min: 2 ** 31, max: Number.MAX_SAFE_INTEGER }),
  fc.double({ noInteger: true }),
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY),
);
const aBadOrigin = fc.oneof(
  fc.constantFrom(
    '',
    'https://example.com/',
    'https://example.com:443',
    'https://*.com',
    'https://user@example.com',
    'ftp://example.com',
    'https://bücher.example',
    'https://a..b',
  ),
  fc
    .tuple(normalizedOrigin, fc.constantFrom(',', ' ', '\n', '\t', '/x', '?q'))
    .map(([origin, tail]) => origin + tail),
);
const aBadTtl = fc.oneof(
  fc.integer({ min: -1_000_000, max: 0 }),
  fc.double({ noInteger: true }),
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY),
);

/** Each breaks exactly one rule of a valid case and names the code that rule must produce. */
const breakers: ((valid: ValidCase) => fc.Arbitrary<BrokenCase>)[] = [
  ({ request, context }) =>
    aBadChannelArn.map((channelArn) => ({
      request: { ...request, channelArn },
      context,
      code: 'INVALID_CHANNEL_ARN',
    })),
  ({ request, context }) =>
    aBadViewerId.map((viewerId) => ({
      request: { ...request, viewerId },
      context,
      code: 'INVALID_VIEWER_ID',
    })),
  ({ request, context }) =>
    aBadVersion.map((viewerSessionVersion) => ({
      request: { ...request, viewerId: request.viewerId ?? 'viewer-1', viewerSessionVersion },
      context,
      code: 'INVALID_VIEWER_SESSION_VERSION',
    })),
  ({ request, context }) =>
    fc.nat({ max: 2 ** 31 - 1 }).map((viewerSessionVersion) => ({
      request: { ...request, viewerId: undefined, viewerSessionVersion },
      context,
      code: 'VIEWER_SESSION_VERSION_WITHOUT_VIEWER_ID',
    })),
  ({ request, context }) =>
    fc.tuple(aBadOrigin, fc.nat()).map(([bad, at]) => ({
      request: { ...request, allowedOrigins: insertAt((request.allowedOrigins ?? []).slice(0, 49), at, bad) },
      context,
      code: 'INVALID_ORIGIN',
    })),
  ({ request, context }) =>
    fc.tuple(anOrigin, fc.nat(), fc.nat()).chain(([extra, pick, at]) => {
      const list = request.allowedOrigins?.length ? request.allowedOrigins.slice(0, 49) : [extra.raw];
      const index = pick % list.length;
      const original = checkOrigin(list[index] as string);
      if (!original.ok) throw new Error('the valid case holds an invalid origin');
      return fc.mixedCase(fc.constant(original.origin)).map((copy) => ({
        request: {
          ...request,
          allowedOrigins: insertAt(list, index + 1 + (at % (list.length - index)), copy),
        },
        context,
        code: 'DUPLICATE_ORIGIN' as const,
      }));
    }),
  ({ request, context }) =>
    fc
      .tuple(uniqueOrigins({ minLength: 51, maxLength: 70 }), fc.option(fc.boolean(), { nil: undefined }))
      .map(([list, strictOriginEnforcement]) => ({
        request: { ...request, allowedOrigins: list.map((origin) => origin.raw), strictOriginEnforcement },
        context,
        code: 'TOO_MANY_ORIGINS',
      })),
  ({ request, context }) =>
    uniqueOrigins({ minLength: 6, maxLength: 50 }).map((list) => ({
      request: {
        ...request,
        allowedOrigins: list.map((origin) => origin.raw),
        strictOriginEnforcement: true,
      },
      context,
      code: 'TOO_MANY_STRICT_ORIGINS',
    })),
  ({ request, context }) =>
    fc.constantFrom(undefined, []).map((allowedOrigins) => ({
      request: { ...request, allowedOrigins, strictOriginEnforcement: true },
      context,
      code: 'STRICT_ORIGIN_WITHOUT_ORIGINS',
    })),
  ({ request, context }) =>
    fc.constantFrom('true', 1, null, {}).map((strictOriginEnforcement) => ({
      request: { ...request, strictOriginEnforcement } as unknown as PlaybackTokenRequest,
      context,
      code: 'INVALID_REQUEST',
    })),
  ({ request, context }) =>
    fc.constantFrom('true', 1, null, {}).map((singleUse) => ({
      request: { ...request, singleUse } as unknown as PlaybackTokenRequest,
      context,
      code: 'INVALID_REQUEST',
    })),
  ({ request, context }) =>
    fc
      .oneof(fc.constantFrom('UHD', 'sd', 'FULL HD', '', 'full_hd'), fc.string())
      .filter((value) => !(MAXIMUM_RESOLUTIONS as readonly string[]).includes(value))
      .map((maximumResolution) => ({
        request: { ...request, maximumResolution } as unknown as PlaybackTokenRequest,
        context,
        code: 'INVALID_MAXIMUM_RESOLUTION',
      })),
  ({ request, context }) =>
    aBadTtl.map((ttlSeconds) => ({ request: { ...request, ttlSeconds }, context, code: 'INVALID_TTL' })),
  ({ request, context }) =>
    fc.integer({ min: 1, max: 1_000_000 }).map((excess) => ({
      request: { ...request, ttlSeconds: context.policy.maxTtlSeconds + excess },
      context,
      code: 'TTL_ABOVE_MAXIMUM',
    })),
  ({ request, context }) =>
    fc
      .tuple(fc.integer({ min: 601, max: 7 * 86400 }), fc.nat(), fc.boolean())
      .map(([atLeast, offset, viaViewerId]) => {
        const maxTtlSeconds = Math.max(atLeast, context.policy.maxTtlSeconds);
        const isViewerToken = request.viewerId !== undefined || request.singleUse === true;
        const ttlSeconds = 601 + (offset % (maxTtlSeconds - 600));
        return {
          request: {
            ...request,
            ...(isViewerToken ? {} : viaViewerId ? { viewerId: 'viewer-1' } : { singleUse: true }),
            ttlSeconds,
          },
          context: { ...context, policy: { ...context.policy, maxTtlSeconds } },
          code: 'TTL_ABOVE_VIEWER_LIMIT' as const,
        };
      }),
];

const aBrokenCase = aValidCase.chain((valid) => fc.oneof(...breakers.map((breaker) => breaker(valid))));

/** A field value that is sometimes valid, sometimes absent, and otherwise anything at all. */
function junkOr<T>(plausible: fc.Arbitrary<T>): fc.Arbitrary<unknown> {
  return fc.oneof(
    fc.constant(undefined),
    plausible,
    fc.anything({
      withBigInt: true,
      withBoxedValues: true,
      withDate: true,
      withMap: true,
      withSet: true,
      withNullPrototype: true,
      withObjectString: true,
      withSparseArray: true,
      withTypedArray: true,
    }),
  );
}

describe('buildPlaybackClaims properties', () => {
  it('turns any valid request into claims that follow every rule, never throwing', () => {
    fc.assert(
      fc.property(aValidCase, ({ request, context, normalizedOrigins }) => {
        const built = buildPlaybackClaims(request, context);

        const claims: PlaybackClaims = built.claims;
        expect(Object.keys(claims).sort()).toEqual(expectedClaimKeys(request, normalizedOrigins));
        expectClaimsToFollowTheRules(built, context);
        expect(claims['aws:channel-arn']).toBe(request.channelArn);
        expect(claims['aws:access-control-allow-origin']?.split(',') ?? []).toEqual(normalizedOrigins);
        const expectedTtl =
          request.ttlSeconds ??
          (request.viewerId !== undefined || request.singleUse === true
            ? Math.min(context.policy.defaultTtlSeconds, 600)
            : context.policy.defaultTtlSeconds);
        expect(claims.exp).toBe(Math.floor(context.now.getTime() / 1000) + expectedTtl);
        expect(claims.exp).toBeLessThan(1e11);
      }),
    );
  });

  it('refuses any request breaking one rule with that rule’s code', () => {
    fc.assert(
      fc.property(aBrokenCase, ({ request, context, code }) => {
        const error = refusalOf(request, context);

        expect(error.code).toBe(code);
      }),
    );
  });

  it('turns junk in any field into valid claims or a ServiceError, never another error', () => {
    const aJunkRequest = fc.record({
      channelArn: junkOr(fc.constant(CHANNEL_ARN)),
      viewerId: junkOr(aViewerId),
      viewerSessionVersion: junkOr(fc.nat()),
      ttlSeconds: junkOr(fc.integer({ min: 1, max: 600 })),
      allowedOrigins: junkOr(uniqueOrigins({ maxLength: 5 }).map((list) => list.map((origin) => origin.raw))),
      strictOriginEnforcement: junkOr(fc.boolean()),
      singleUse: junkOr(fc.boolean()),
      maximumResolution: junkOr(fc.constantFrom(...MAXIMUM_RESOLUTIONS)),
    });

    fc.assert(
      fc.property(aJunkRequest, aPolicy, (fields, policy) => {
        const context = aClaimsContext({ policy });
        let built: BuiltClaims | undefined;
        let thrown: unknown;

        try {
          built = buildPlaybackClaims(fields as unknown as PlaybackTokenRequest, context);
        } catch (error) {
          thrown = error;
        }

        if (built) {
          expectClaimsToFollowTheRules(built, context);
        } else {
          expect(thrown).toBeInstanceOf(ServiceError);
          expect(ERROR_CODES).toContain((thrown as ServiceError).code);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
