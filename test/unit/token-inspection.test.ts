import { describe, expect, it } from 'vitest';
import {
  FINDING_CODES,
  type FindingCode,
  forPublicChannel,
  summaryOf,
  verdictOf,
} from '../../src/domain/inspection-findings.js';
import { originAllowed } from '../../src/domain/origin.js';
import { readPlaybackUrl } from '../../src/domain/playback-url.js';
import { derToRaw, readToken } from '../../src/domain/token-inspection.js';
import { CHANNEL_ARN, NOW, SINGLE_USE_UUID } from '../support/builders.js';
import { craftKey, craftToken, secondsFrom } from '../support/crafted-tokens.js';

const KEY = craftKey();
const URL_BASE =
  'https://abc.us-west-2.playback.live-video.net/api/video/v1/us-west-2.123456789012.channel.AbCd1234efGH.m3u8';
const GOOD = { 'aws:channel-arn': CHANNEL_ARN, exp: secondsFrom(NOW, 300) };

const codesOf = (token: string, extra: { origin?: string } = {}) =>
  readToken({ token, ...extra }, NOW).findings.map((item) => item.code);
const urlCodesOf = (url: string) => readToken({ url }, NOW).findings.map((item) => item.code);

describe('token inspection, the token alone (domain)', () => {
  it('finds nothing in a good channel-wide token', () => {
    const reading = readToken({ token: craftToken(GOOD, KEY) }, NOW);

    expect(reading.findings).toEqual([]);
    expect(reading.token?.signature).toMatchObject({ form: 'raw', bytes: 96 });
    expect(reading.channelArn).toBe(CHANNEL_ARN);
    expect(verdictOf(reading.findings)).toBe('plays');
  });

  // Each token breaks exactly one rule, and exactly that finding comes out.
  const oneRuleBroken: readonly [string, Record<string, unknown>, FindingCode, { origin?: string }?][] = [
    ['exp in milliseconds', { ...GOOD, exp: NOW.getTime() + 300_000 }, 'EXP_IN_MILLISECONDS'],
    ['an expired token', { ...GOOD, exp: secondsFrom(NOW, -1) }, 'TOKEN_EXPIRED'],
    ['exp exactly now', { ...GOOD, exp: secondsFrom(NOW, 0) }, 'TOKEN_EXPIRED'],
    ['exp as a string', { ...GOOD, exp: String(secondsFrom(NOW, 300)) }, 'EXP_INVALID'],
    ['exp with a fraction', { ...GOOD, exp: secondsFrom(NOW, 300) + 0.5 }, 'EXP_INVALID'],
    ['no exp', { 'aws:channel-arn': CHANNEL_ARN }, 'EXP_INVALID'],
    ['no channel', { exp: GOOD.exp }, 'CHANNEL_ARN_INVALID'],
    [
      'a wildcard channel',
      { ...GOOD, 'aws:channel-arn': 'arn:aws:ivs:us-west-2:123456789012:channel/*' },
      'CHANNEL_ARN_INVALID',
    ],
    [
      'a viewer token with a 20-minute exp',
      { ...GOOD, 'aws:viewer-id': 'v', exp: secondsFrom(NOW, 1200) },
      'TTL_OVER_VIEWER_LIMIT',
    ],
    [
      'a single-use token with an 11-minute exp',
      { ...GOOD, 'aws:single-use-uuid': SINGLE_USE_UUID, exp: secondsFrom(NOW, 660) },
      'TTL_OVER_VIEWER_LIMIT',
    ],
    ['a 41-character viewer id', { ...GOOD, 'aws:viewer-id': 'v'.repeat(41) }, 'VIEWER_ID_INVALID'],
    ['a numeric viewer id', { ...GOOD, 'aws:viewer-id': 42 }, 'VIEWER_ID_INVALID'],
    [
      'a single-use id that is no UUID',
      { ...GOOD, 'aws:single-use-uuid': 'once' },
      'SINGLE_USE_UUID_INVALID',
    ],
    [
      'a negative session version',
      { ...GOOD, 'aws:viewer-session-version': -1 },
      'VIEWER_SESSION_VERSION_INVALID',
    ],
    ['resolution 4K', { ...GOOD, 'aws:maximum-resolution': '4K' }, 'MAXIMUM_RESOLUTION_INVALID'],
    [
      'origins as an array',
      { ...GOOD, 'aws:access-control-allow-origin': ['https://a.com'] },
      'ORIGIN_CLAIM_INVALID',
    ],
    ['strict as a string', { ...GOOD, 'aws:strict-origin-enforcement': 'true' }, 'ORIGIN_CLAIM_INVALID'],
    ['strict without origins', { ...GOOD, 'aws:strict-origin-enforcement': true }, 'ORIGIN_CLAIM_INVALID'],
    [
      'strict with six origins',
      {
        ...GOOD,
        'aws:strict-origin-enforcement': true,
        'aws:access-control-allow-origin': ['a', 'b', 'c', 'd', 'e', 'f']
          .map((h) => `https://${h}.com`)
          .join(','),
      },
      'ORIGIN_CLAIM_INVALID',
      { origin: 'https://a.com' },
    ],
    [
      'strict, inspected with another Origin',
      {
        ...GOOD,
        'aws:strict-origin-enforcement': true,
        'aws:access-control-allow-origin': 'https://www.example.com',
      },
      'ORIGIN_NOT_ALLOWED',
      { origin: 'https://evil.example.net' },
    ],
    [
      'strict, inspected without an Origin',
      {
        ...GOOD,
        'aws:strict-origin-enforcement': true,
        'aws:access-control-allow-origin': 'https://www.example.com',
      },
      'ORIGIN_NOT_GIVEN',
    ],
    [
      'listed origins (not strict), inspected with another Origin',
      { ...GOOD, 'aws:access-control-allow-origin': 'https://www.example.com' },
      'ORIGIN_NOT_LISTED',
      { origin: 'https://other.example.com' },
    ],
    ['an iat claim', { ...GOOD, iat: secondsFrom(NOW, 0) }, 'UNDOCUMENTED_CLAIMS'],
  ];

  it.each(oneRuleBroken)('%s: %s', (_name, claims, code, extra) => {
    const reading = readToken({ token: craftToken(claims, KEY), ...extra }, NOW);
    // What decides the verdict, and the finding expected (single use and revocation notes aside).
    const found = reading.findings
      .filter((item) => item.severity === 'error' || item.severity === 'unknown' || item.code === code)
      .map((item) => item.code);

    expect(found).toEqual([code]);
    expect(FINDING_CODES[code]).toBeDefined();
  });

  it('says a single-use token plays once and a viewer token can be revoked, without changing the verdict', () => {
    const reading = readToken(
      {
        token: craftToken(
          {
            ...GOOD,
            'aws:viewer-id': 'viewer-1',
            'aws:viewer-session-version': 3,
            'aws:single-use-uuid': SINGLE_USE_UUID,
          },
          KEY,
        ),
      },
      NOW,
    );

    expect(reading.findings.map((item) => [item.code, item.severity])).toEqual([
      ['SINGLE_USE', 'warning'],
      ['REVOCABLE_VIEWER_SESSION', 'info'],
    ]);
    expect(reading.findings[1]?.message).toContain('viewerSessionVersionsLessThanOrEqualTo 3');
    expect(verdictOf(reading.findings)).toBe('plays');
  });

  it('accepts a viewer token expiring in exactly 600 s, and a strict token from an allowed wildcard origin', () => {
    expect(codesOf(craftToken({ ...GOOD, 'aws:viewer-id': 'v', exp: secondsFrom(NOW, 600) }, KEY))).toEqual([
      'REVOCABLE_VIEWER_SESSION',
    ]);
    const strict = {
      ...GOOD,
      'aws:strict-origin-enforcement': true,
      'aws:access-control-allow-origin': 'https://*.example.com,http://localhost:3000',
    };
    expect(codesOf(craftToken(strict, KEY), { origin: 'https://WWW.Example.com' })).toEqual([]);
    expect(codesOf(craftToken(strict, KEY), { origin: 'http://localhost:3000' })).toEqual([]);
    expect(codesOf(craftToken(strict, KEY), { origin: 'https://example.com' })).toEqual([
      'ORIGIN_NOT_ALLOWED',
    ]);
  });

  describe('the form of the token', () => {
    it('recognises a DER signature, and still reads R‖S from it', () => {
      const reading = readToken({ token: craftToken(GOOD, KEY, { form: 'der' }) }, NOW);

      expect(reading.findings.map((item) => item.code)).toEqual(['SIGNATURE_DER_ENCODED']);
      expect(reading.token?.signature.form).toBe('der');
      expect(reading.token?.signature.raw).toHaveLength(96);
    });

    it('calls a cut token truncated, whether the cut took part of the signature or all of it', () => {
      const token = craftToken(GOOD, KEY);

      expect(codesOf(token.slice(0, -20))).toEqual(['TOKEN_TRUNCATED']);
      expect(codesOf(token.slice(0, token.lastIndexOf('.')))).toEqual(['TOKEN_TRUNCATED']);
      expect(codesOf(token.slice(0, token.lastIndexOf('.') + 1))).toEqual(['TOKEN_TRUNCATED']);
    });

    it('calls a signature with bytes appended the wrong length', () => {
      expect(codesOf(`${craftToken(GOOD, KEY)}AAAA`)).toEqual(['SIGNATURE_WRONG_LENGTH']);
    });

    it('names an algorithm other than ES384', () => {
      expect(codesOf(craftToken(GOOD, KEY, { header: { alg: 'ES256', typ: 'JWT' } }))).toEqual([
        'ALGORITHM_NOT_ES384',
      ]);
    });

    it.each([
      ['', 'empty'],
      ['not a token', 'one part'],
      ['a.b.c.d', 'four parts'],
      ['eyJhbGciOiJFUzM4NCJ9.e30=.abc', 'padding'],
      ['%7B%7D.e30.abc', 'URL-encoded'],
      ['eyJhbGciOiJFUzM4NCJ9.W10.abc', 'claims that are an array'],
    ])('finds %j malformed (%s), never throws', (token) => {
      const reading = readToken({ token }, NOW);

      expect(reading.findings.map((item) => item.code)).toContain('TOKEN_MALFORMED');
      expect(reading.token).toBeUndefined();
      expect(verdictOf(reading.findings)).toBe('will-not-play');
    });

    it('takes a pasted "token=" prefix as part of the paste, not of the token', () => {
      expect(codesOf(`token=${craftToken(GOOD, KEY)}`)).toEqual([]);
    });

    it('converts only well-formed DER', () => {
      expect(derToRaw(new Uint8Array([0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x02]))).toHaveLength(96);
      expect(derToRaw(new Uint8Array([0x30, 0x07, 0x02, 0x01, 0x01, 0x02, 0x01, 0x02]))).toBeUndefined();
      expect(derToRaw(new Uint8Array(96))).toBeUndefined();
    });
  });

  describe('playback URLs', () => {
    const token = craftToken(GOOD, KEY);

    it('reads the channel and the one token of a good URL', () => {
      const reading = readToken({ url: `${URL_BASE}?token=${token}` }, NOW);

      expect(reading.findings).toEqual([]);
      expect(reading.url).toMatchObject({
        base: URL_BASE,
        channelArn: CHANNEL_ARN,
        tokens: [token],
        doubled: false,
      });
      expect(reading.source).toBe('url');
    });

    it('finds a token doubled in the URL and inspects the last token in it', () => {
      const second = craftToken({ ...GOOD, exp: secondsFrom(NOW, -5) }, KEY);

      for (const url of [
        `${URL_BASE}?token=${token}?token=${second}`,
        `${URL_BASE}?token=${URL_BASE}?token=${second}`,
        `${URL_BASE}?token=${encodeURIComponent(`${URL_BASE}?token=${second}`)}`,
      ]) {
        const reading = readToken({ url }, NOW);
        expect(
          reading.findings.map((item) => item.code),
          url,
        ).toEqual(['TOKEN_DOUBLED_IN_URL', 'TOKEN_EXPIRED']);
      }
    });

    it('finds two token parameters, none, and a URL that is not a playback URL', () => {
      expect(urlCodesOf(`${URL_BASE}?token=${token}&token=${token}`)).toEqual(['MULTIPLE_TOKENS_IN_URL']);
      expect(readPlaybackUrl(`${URL_BASE}?token=a&token=b`)).toMatchObject({
        ok: true,
        url: { doubled: false, tokens: ['a', 'b'] },
      });
      expect(urlCodesOf(URL_BASE)).toEqual(['TOKEN_MISSING']);
      expect(urlCodesOf(`${URL_BASE}?token=`)).toEqual(['TOKEN_MISSING']);
      expect(urlCodesOf(`http://example.com/x.m3u8?token=${token}`)).toEqual(['URL_INVALID']);
      expect(urlCodesOf(`https://example.com/live/x.m3u8?token=${token}`)).toEqual(['URL_INVALID']);
      expect(urlCodesOf('no url at all')).toEqual(['URL_INVALID']);
    });

    it("finds a token for another channel than the URL's", () => {
      const other = craftToken(
        { ...GOOD, 'aws:channel-arn': 'arn:aws:ivs:us-west-2:123456789012:channel/Other' },
        KEY,
      );

      const reading = readToken({ url: `${URL_BASE}?token=${other}` }, NOW);

      expect(reading.findings.map((item) => item.code)).toEqual(['URL_CHANNEL_MISMATCH']);
      expect(reading.channelArn).toBe(CHANNEL_ARN);
    });

    it('says a URL pasted as the token is a URL', () => {
      expect(codesOf(`${URL_BASE}?token=${token}`)).toEqual(['URL_INVALID']);
    });
  });

  describe('the verdict', () => {
    it('is decided by errors, then unknowns; warnings and infos never change it', () => {
      const f = (code: FindingCode) => ({ code, severity: FINDING_CODES[code], message: code });

      expect(verdictOf([f('SINGLE_USE'), f('CHANNEL_NOT_CHECKED')])).toBe('plays');
      expect(verdictOf([f('KEY_UNKNOWN'), f('SINGLE_USE')])).toBe('cannot-tell');
      expect(verdictOf([f('KEY_UNKNOWN'), f('TOKEN_EXPIRED')])).toBe('will-not-play');
      expect(summaryOf('will-not-play', [f('TOKEN_EXPIRED'), f('KEY_RETIRED')])).toBe(
        'Will not play: TOKEN_EXPIRED (and 1 more reason)',
      );
    });

    it("turns the token's errors into warnings on a channel without playback authorization", () => {
      const f = (code: FindingCode) => ({ code, severity: FINDING_CODES[code], message: code });

      const findings = forPublicChannel([
        f('TOKEN_EXPIRED'),
        f('KEY_UNKNOWN'),
        f('CHANNEL_NOT_FOUND'),
        f('URL_INVALID'),
      ]);

      expect(findings.map((item) => item.severity)).toEqual(['warning', 'warning', 'error', 'error']);
    });
  });

  it('matches origins as docs/ivs-playback-rules.md says', () => {
    expect(originAllowed('*', 'https://any.example')).toBe(true);
    expect(originAllowed('https://*.example.com', 'https://a.b.example.com')).toBe(true);
    expect(originAllowed('https://*.example.com', 'https://example.com')).toBe(false);
    expect(originAllowed('https://example.com', 'http://example.com')).toBe(false);
    expect(originAllowed('https://example.com:8443', 'https://example.com')).toBe(false);
    expect(originAllowed('HTTPS://Example.COM', 'https://example.com')).toBe(true);
    expect(originAllowed('https://example.com', 'null')).toBe(false);
  });
});
