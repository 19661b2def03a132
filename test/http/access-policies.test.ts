import { writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import fc from 'fast-check';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { countryCode } from '../../src/domain/countries.js';
import { MapCountryLookup } from '../support/fakes.js';
import { expectToMatchSpec } from '../support/spec.js';
import { buildTestApp, CHANNEL_ARN, OTHER_CHANNEL_ARN, type TestAppOptions } from '../support/test-app.js';
import { byDepth } from '../support/test-depth.js';

// Addresses whose country the bundled database (ip-location-db geo-whois-asn-country) states from
// the registries' allocations, stable for years: Deutsche Telekom (DE), Bell Canada (CA), Google (US).
const GERMAN_IPV4 = '80.128.0.1';
const GERMAN_IPV6 = '2003:e0::1';
const CANADIAN_IPV4 = '142.112.0.1';
const AMERICAN_IPV4 = '8.8.8.8';

const PATH = '/v1/playback-tokens';
const BATCH = '/v1/playback-tokens/batch';
const US_WEST_2_CHANNELS = 'arn:aws:ivs:us-west-2:123456789012:channel/*';
const POLICY_ARN = 'arn:aws:ivs:us-west-2:123456789012:playback-restriction-policy/AbCdEfGhIjKl';

const northAmerica = {
  version: 1,
  policies: [{ name: 'north-america', channels: [US_WEST_2_CHANNELS], allowedCountries: ['US', 'CA'] }],
};

function rule(fields: Record<string, unknown>) {
  return { version: 1, policies: [{ name: 'the-rule', channels: [US_WEST_2_CHANNELS], ...fields }] };
}

async function appWith(options: TestAppOptions) {
  const context = await buildTestApp(options);
  const post = (body: object, path = PATH) =>
    request(context.app).post(path).set('Authorization', `Bearer ${context.apiKeys.issuer}`).send(body);
  return { context, post };
}

function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
}

const fromFile = (name: string) => ({ source: 'policies-file', name });

describe('access policies: countries', () => {
  it('refuses a viewer in Germany where the pattern allows US and CA, and issues for one in Canada', async () => {
    const { post } = await appWith({ policies: northAmerica });

    const germany = await post({ channelArn: CHANNEL_ARN, viewerIp: GERMAN_IPV4 });
    const canada = await post({ channelArn: CHANNEL_ARN, viewerIp: CANADIAN_IPV4 });

    expect(germany.status).toBe(403);
    expectToMatchSpec(germany, 'post', PATH);
    expect(germany.body).toMatchObject({
      code: 'VIEWER_COUNTRY_NOT_ALLOWED',
      message: 'viewers in DE may not watch this channel (policies-file rule "north-america")',
      details: {
        field: 'viewerIp',
        policy: fromFile('north-america'),
        country: 'DE',
        allowedCountries: ['US', 'CA'],
      },
    });
    expect(canada.status).toBe(201);
    expectToMatchSpec(canada, 'post', PATH);
    expect(canada.body.policy).toEqual({ applied: [fromFile('north-america')], filled: [] });
    expect(claimsOf(canada.body.token)).toEqual({ 'aws:channel-arn': CHANNEL_ARN, exp: expect.any(Number) });
  });

  it.each([
    ['IPv6', GERMAN_IPV6, 403],
    ['IPv4-mapped IPv6 (Germany)', `::ffff:${GERMAN_IPV4}`, 403],
    ['IPv4-mapped IPv6 (Canada)', `::ffff:${CANADIAN_IPV4}`, 201],
    ['IPv4-mapped IPv6 in hex (Canada)', '::ffff:8e70:1', 201],
    ['IPv6 in upper case, uncompressed', '2003:00E0:0000:0000:0000:0000:0000:0001', 403],
  ])('looks up %s addresses: %s → %i', async (_what, viewerIp, status) => {
    const { post } = await appWith({ policies: northAmerica });

    const response = await post({ channelArn: CHANNEL_ARN, viewerIp });

    expect(response.status).toBe(status);
    expectToMatchSpec(response, 'post', PATH);
  });

  it('refuses a blocked country and lets others through', async () => {
    const { post } = await appWith({ policies: rule({ blockedCountries: ['DE'] }) });

    const germany = await post({ channelArn: CHANNEL_ARN, viewerIp: GERMAN_IPV6 });
    const america = await post({ channelArn: CHANNEL_ARN, viewerIp: AMERICAN_IPV4 });

    expect(germany.body).toMatchObject({
      code: 'VIEWER_COUNTRY_NOT_ALLOWED',
      details: { country: 'DE', blockedCountries: ['DE'], policy: fromFile('the-rule') },
    });
    expect(america.status).toBe(201);
  });

  it('takes viewerCountry (a CDN header) over viewerIp, in any case', async () => {
    const { post } = await appWith({ policies: northAmerica });

    const fromCdn = await post({ channelArn: CHANNEL_ARN, viewerIp: GERMAN_IPV4, viewerCountry: 'ca' });
    const refused = await post({ channelArn: CHANNEL_ARN, viewerIp: CANADIAN_IPV4, viewerCountry: 'DE' });

    expect(fromCdn.status).toBe(201);
    expect(refused.body).toMatchObject({
      code: 'VIEWER_COUNTRY_NOT_ALLOWED',
      details: { field: 'viewerCountry', country: 'DE' },
    });
  });

  const nonPublic = [
    '10.1.2.3',
    '172.16.0.1',
    '192.168.1.1',
    '127.0.0.1',
    '100.64.0.1',
    '169.254.10.10',
    '0.0.0.0',
    '255.255.255.255',
    '224.0.0.1',
    '192.0.2.1',
    '198.51.100.7',
    '203.0.113.9',
    '240.0.0.1',
    '::1',
    '::',
    'fc00::1',
    'fd12:3456::1',
    'fe80::1',
    'ff02::1',
    '2001:db8::7',
    '::ffff:10.0.0.1',
    '::ffff:127.0.0.1',
  ];

  it.each(nonPublic)(
    'a private or reserved address (%s) has no country: refused with UNKNOWN_COUNTRY=deny',
    async (viewerIp) => {
      const { post } = await appWith({ policies: northAmerica, unknownCountry: 'deny' });

      const response = await post({ channelArn: CHANNEL_ARN, viewerIp });

      expect(response.status).toBe(403);
      expectToMatchSpec(response, 'post', PATH);
      expect(response.body).toMatchObject({
        code: 'VIEWER_COUNTRY_UNKNOWN',
        details: { field: 'viewerIp', reason: 'non-public-address', policy: fromFile('north-america') },
      });
    },
  );

  it('lets a viewer whose country cannot be told through by default (UNKNOWN_COUNTRY=allow)', async () => {
    const countries = new MapCountryLookup();
    const { post } = await appWith({ policies: northAmerica, countries });

    const responses = await Promise.all([
      post({ channelArn: CHANNEL_ARN, viewerIp: '192.168.1.1' }),
      post({ channelArn: CHANNEL_ARN, viewerIp: AMERICAN_IPV4 }),
      post({ channelArn: CHANNEL_ARN, viewerCountry: 'XX' }),
      post({ channelArn: CHANNEL_ARN }),
    ]);

    expect(responses.map((response) => response.status)).toEqual([201, 201, 201, 201]);
    // The database is not asked about a private address.
    expect(countries.asked).toEqual([AMERICAN_IPV4]);
  });

  it.each([
    [{}, 'not-given', 'viewerIp'],
    [{ viewerCountry: 'XX' }, 'marked-unknown', 'viewerCountry'],
    [{ viewerCountry: 't1' }, 'marked-unknown', 'viewerCountry'],
    [{ viewerIp: '1.2.3.4' }, 'not-in-database', 'viewerIp'],
  ])('with UNKNOWN_COUNTRY=deny, %o is refused (%s)', async (location, reason, field) => {
    const { post } = await appWith({
      policies: northAmerica,
      unknownCountry: 'deny',
      countries: new MapCountryLookup(),
    });

    const response = await post({ channelArn: CHANNEL_ARN, ...location });

    expect(response.status).toBe(403);
    expect(response.body).toMatchObject({ code: 'VIEWER_COUNTRY_UNKNOWN', details: { reason, field } });
  });

  it('never asks the database, and adds nothing to the response, for a channel no policy covers', async () => {
    const countries = new MapCountryLookup(new Map([[GERMAN_IPV4, 'DE']]));
    const { post } = await appWith({
      policies: {
        version: 1,
        policies: [{ name: 'elsewhere', channels: ['arn:aws:ivs:eu-west-1:*'], allowedCountries: ['FR'] }],
      },
      countries,
    });

    const response = await post({ channelArn: CHANNEL_ARN, viewerIp: GERMAN_IPV4 });

    expect(response.status).toBe(201);
    expect(response.body.policy).toBeUndefined();
    expect(countries.asked).toEqual([]);
  });
});

describe('access policies: viewer location fields', () => {
  it.each([
    '1.2.3',
    '127.1',
    '0x7f.0.0.1',
    '1.2.3.256',
    '01.2.3.4',
    '[::1]',
    'fe80::1%eth0',
    '1.2.3.4:80',
    '1:2:3:4:5:6:7:8:9',
    'not-an-ip',
    '',
    ':::',
    'a'.repeat(46),
  ])('refuses viewerIp %j with INVALID_VIEWER_IP, with or without a policy', async (viewerIp) => {
    for (const options of [{}, { policies: northAmerica }]) {
      const { post } = await appWith(options);

      const response = await post({ channelArn: CHANNEL_ARN, viewerIp });

      expect(response.status).toBe(400);
      expectToMatchSpec(response, 'post', PATH);
      expect(response.body).toMatchObject({ code: 'INVALID_VIEWER_IP', details: { field: 'viewerIp' } });
    }
  });

  it.each(['USA', 'ZZ', 'U1', 'A', '', 'E', 'EU', 'UK'])(
    'refuses viewerCountry %j with INVALID_VIEWER_COUNTRY',
    async (viewerCountry) => {
      const { post } = await appWith({});

      const response = await post({ channelArn: CHANNEL_ARN, viewerCountry });

      expect(response.status).toBe(400);
      expectToMatchSpec(response, 'post', PATH);
      expect(response.body.code).toBe('INVALID_VIEWER_COUNTRY');
    },
  );

  it('refuses a viewerIp that is not a string with INVALID_VIEWER_IP', async () => {
    const { post } = await appWith({});

    const response = await post({ channelArn: CHANNEL_ARN, viewerIp: 2130706433 });

    expect(response.body.code).toBe('INVALID_VIEWER_IP');
  });

  it('accepts both fields without a policy and puts neither in the token or the logs', async () => {
    const { context, post } = await appWith({});

    const response = await post({ channelArn: CHANNEL_ARN, viewerIp: GERMAN_IPV6, viewerCountry: 'DE' });

    expect(response.status).toBe(201);
    expect(claimsOf(response.body.token)).toEqual({
      'aws:channel-arn': CHANNEL_ARN,
      exp: expect.any(Number),
    });
    expect(JSON.stringify(context.logger.entries)).not.toContain('2003:e0');
  });

  it('never logs the viewer address, issued or refused', async () => {
    const { context, post } = await appWith({ policies: northAmerica });

    await post({ channelArn: CHANNEL_ARN, viewerIp: GERMAN_IPV4 });
    await post({ channelArn: CHANNEL_ARN, viewerIp: CANADIAN_IPV4 });

    const logged = JSON.stringify(context.logger.entries);
    expect(logged).not.toContain(GERMAN_IPV4);
    expect(logged).not.toContain(CANADIAN_IPV4);
  });
});

describe('access policies: what a token may carry', () => {
  it('refuses an origin outside the policy, naming it, and fills in the policy origins when none is asked', async () => {
    const { post } = await appWith({
      policies: rule({ allowedOrigins: ['https://watch.example.com', 'https://*.partner.example'] }),
    });

    const outside = await post({
      channelArn: CHANNEL_ARN,
      allowedOrigins: ['https://watch.example.com', 'https://evil.example'],
    });
    const covered = await post({
      channelArn: CHANNEL_ARN,
      allowedOrigins: [
        'https://WATCH.example.com',
        'https://a.partner.example',
        'https://*.b.partner.example',
      ],
    });
    const filled = await post({ channelArn: CHANNEL_ARN });

    expect(outside.status).toBe(403);
    expectToMatchSpec(outside, 'post', PATH);
    expect(outside.body).toMatchObject({
      code: 'ORIGIN_NOT_ALLOWED_BY_POLICY',
      details: {
        field: 'allowedOrigins[1]',
        origin: 'https://evil.example',
        policy: fromFile('the-rule'),
        allowedOrigins: ['https://watch.example.com', 'https://*.partner.example'],
      },
    });
    expect(covered.status).toBe(201);
    expect(covered.body.policy.filled).toEqual([]);
    expect(filled.status).toBe(201);
    expect(filled.body.policy).toEqual({ applied: [fromFile('the-rule')], filled: ['allowedOrigins'] });
    expect(claimsOf(filled.body.token)['aws:access-control-allow-origin']).toBe(
      'https://watch.example.com,https://*.partner.example',
    );
  });

  it.each([
    'https://partner.example',
    'http://a.partner.example',
    'https://a.partner.example:8443',
    'https://*.partner.example.net',
  ])('does not let the wildcard https://*.partner.example cover %s', async (origin) => {
    const { post } = await appWith({ policies: rule({ allowedOrigins: ['https://*.partner.example'] }) });

    const response = await post({ channelArn: CHANNEL_ARN, allowedOrigins: [origin] });

    expect(response.body.code).toBe('ORIGIN_NOT_ALLOWED_BY_POLICY');
  });

  it('fills in strict origin enforcement and refuses a request that turns it off', async () => {
    const { post } = await appWith({
      policies: rule({ allowedOrigins: ['https://watch.example.com'], strictOriginEnforcement: true }),
    });

    const filled = await post({ channelArn: CHANNEL_ARN });
    const off = await post({ channelArn: CHANNEL_ARN, strictOriginEnforcement: false });

    expect(filled.status).toBe(201);
    expect(filled.body.policy.filled).toEqual(['allowedOrigins', 'strictOriginEnforcement']);
    expect(claimsOf(filled.body.token)).toMatchObject({
      'aws:access-control-allow-origin': 'https://watch.example.com',
      'aws:strict-origin-enforcement': true,
    });
    expect(off.status).toBe(403);
    expect(off.body).toMatchObject({
      code: 'STRICT_ORIGIN_REQUIRED_BY_POLICY',
      details: { field: 'strictOriginEnforcement', policy: fromFile('the-rule') },
    });
  });

  it('holds the resolution ceiling: higher refused, lower kept, none filled in', async () => {
    const { post } = await appWith({ policies: rule({ maximumResolution: 'HD' }) });

    const higher = await post({ channelArn: CHANNEL_ARN, maximumResolution: 'FULL_HD' });
    const lower = await post({ channelArn: CHANNEL_ARN, maximumResolution: 'SD' });
    const none = await post({ channelArn: CHANNEL_ARN });

    expect(higher.status).toBe(403);
    expect(higher.body).toMatchObject({
      code: 'RESOLUTION_ABOVE_POLICY',
      details: { field: 'maximumResolution', maximumResolution: 'HD', allowed: ['SD', 'HD'] },
    });
    expect(claimsOf(lower.body.token)['aws:maximum-resolution']).toBe('SD');
    expect(lower.body.policy.filled).toEqual([]);
    expect(claimsOf(none.body.token)['aws:maximum-resolution']).toBe('HD');
    expect(none.body.policy.filled).toEqual(['maximumResolution']);
  });

  it('holds the TTL cap: longer refused, shorter kept, the default capped when it is longer', async () => {
    const { context, post } = await appWith({ policies: rule({ maxTtlSeconds: 120 }) });
    const now = Math.floor(context.clock.now().getTime() / 1000);

    const longer = await post({ channelArn: CHANNEL_ARN, ttlSeconds: 121 });
    const shorter = await post({ channelArn: CHANNEL_ARN, ttlSeconds: 60 });
    const none = await post({ channelArn: CHANNEL_ARN });

    expect(longer.status).toBe(403);
    expect(longer.body).toMatchObject({
      code: 'TTL_ABOVE_POLICY',
      details: { field: 'ttlSeconds', maximum: 120 },
    });
    expect(claimsOf(shorter.body.token)['exp']).toBe(now + 60);
    expect(claimsOf(none.body.token)['exp']).toBe(now + 120);
    expect(none.body.policy.filled).toEqual(['ttlSeconds']);
    expect(none.body.expiresAt).toBe(new Date((now + 120) * 1000).toISOString());
  });

  it('does not fill in a TTL cap above the default', async () => {
    const { post } = await appWith({ policies: rule({ maxTtlSeconds: 3000 }) });

    const response = await post({ channelArn: CHANNEL_ARN });

    expect(response.body.policy.filled).toEqual([]);
  });

  it('requires a viewerId', async () => {
    const { post } = await appWith({ policies: rule({ require: { viewerId: true } }) });

    const without = await post({ channelArn: CHANNEL_ARN });
    const withId = await post({ channelArn: CHANNEL_ARN, viewerId: 'viewer-1' });

    expect(without.status).toBe(403);
    expectToMatchSpec(without, 'post', PATH);
    expect(without.body).toMatchObject({
      code: 'VIEWER_ID_REQUIRED_BY_POLICY',
      details: { field: 'viewerId', policy: fromFile('the-rule') },
    });
    expect(withId.status).toBe(201);
  });

  it('requires single use: fills it in, refuses a request that turns it off', async () => {
    const { post } = await appWith({ policies: rule({ require: { singleUse: true } }) });

    const filled = await post({ channelArn: CHANNEL_ARN });
    const off = await post({ channelArn: CHANNEL_ARN, singleUse: false });

    expect(filled.status).toBe(201);
    expect(filled.body.policy.filled).toEqual(['singleUse']);
    expect(claimsOf(filled.body.token)['aws:single-use-uuid']).toMatch(/^[0-9a-f-]{36}$/);
    expect(off.body).toMatchObject({
      code: 'SINGLE_USE_REQUIRED_BY_POLICY',
      details: { field: 'singleUse' },
    });
  });

  it('checks the token rules first: a malformed origin is INVALID_ORIGIN, not a policy refusal', async () => {
    const { post } = await appWith({ policies: rule({ allowedOrigins: ['https://watch.example.com'] }) });

    const response = await post({ channelArn: CHANNEL_ARN, allowedOrigins: ['https://a.example/path'] });

    expect(response.status).toBe(400);
    expect(response.body.code).toBe('INVALID_ORIGIN');
  });
});

describe('access policies: the most specific pattern wins', () => {
  const exact = CHANNEL_ARN;
  const prefix = 'arn:aws:ivs:us-west-2:123456789012:channel/AbCd*';
  const region = 'arn:aws:ivs:eu-west-1:123456789012:channel/*';
  const account = 'arn:aws:ivs:*:123456789012:channel/*';
  const rules = {
    version: 1,
    policies: [
      { name: 'wide', channels: [account], maximumResolution: 'FULL_HD' },
      { name: 'region', channels: [region], maximumResolution: 'SD' },
      { name: 'prefix', channels: [prefix], maximumResolution: 'HD' },
      { name: 'exact', channels: [exact], maxTtlSeconds: 60 },
    ],
  };

  it.each([
    [CHANNEL_ARN, 'exact'],
    ['arn:aws:ivs:us-west-2:123456789012:channel/AbCdZZZZZZZZ', 'prefix'],
    ['arn:aws:ivs:us-west-2:123456789012:channel/Zzzzzzzzzzzz', 'wide'],
    [OTHER_CHANNEL_ARN, 'region'],
    ['arn:aws:ivs:ap-south-1:123456789012:channel/Zzzzzzzzzzzz', 'wide'],
  ])('%s gets the rule %s', async (channelArn, name) => {
    const { post } = await appWith({ policies: rules });

    const response = await post({ channelArn });

    expect(response.status).toBe(201);
    expect(response.body.policy.applied).toEqual([fromFile(name)]);
  });

  it('between patterns as specific, the first in the file wins', async () => {
    const { post } = await appWith({
      policies: {
        version: 1,
        policies: [
          {
            name: 'first',
            channels: ['arn:aws:ivs:us-west-2:123456789012:channel/AbC*'],
            maximumResolution: 'SD',
          },
          {
            name: 'second',
            channels: ['arn:aws:ivs:us-west-2:123456789012:channel/*Def123456'],
            maximumResolution: 'HD',
          },
        ],
      },
    });

    const response = await post({ channelArn: CHANNEL_ARN });

    expect(response.body.policy.applied).toEqual([fromFile('first')]);
  });
});

describe('access policies: the channel IVS restriction policy (RESTRICTION_POLICIES=enforce)', () => {
  async function enforcing(
    policy: { allowedCountries?: string[]; allowedOrigins?: string[]; strict?: boolean },
    options: TestAppOptions = {},
  ) {
    const app = await appWith({ restrictionPolicies: 'enforce', ...options });
    app.context.channels.restrictionPolicyArns.set(CHANNEL_ARN, POLICY_ARN);
    app.context.restrictionPolicies.policies.set(POLICY_ARN, {
      arn: POLICY_ARN,
      name: 'only-example',
      allowedCountries: policy.allowedCountries ?? [],
      allowedOrigins: policy.allowedOrigins ?? [],
      enableStrictOriginEnforcement: policy.strict ?? false,
    });
    return app;
  }
  const fromIvs = { source: 'ivs-restriction-policy', name: POLICY_ARN };

  it('refuses another origin than https://example.com and fills in https://example.com when none is asked', async () => {
    const { post } = await enforcing({ allowedOrigins: ['https://example.com'] });

    const other = await post({ channelArn: CHANNEL_ARN, allowedOrigins: ['https://other.example'] });
    const none = await post({ channelArn: CHANNEL_ARN });

    expect(other.status).toBe(403);
    expectToMatchSpec(other, 'post', PATH);
    expect(other.body).toMatchObject({
      code: 'ORIGIN_NOT_ALLOWED_BY_POLICY',
      details: { field: 'allowedOrigins[0]', policy: fromIvs, allowedOrigins: ['https://example.com'] },
    });
    expect(other.body.message).toContain(`IVS playback restriction policy ${POLICY_ARN}`);
    expect(none.status).toBe(201);
    expectToMatchSpec(none, 'post', PATH);
    expect(none.body.policy).toEqual({ applied: [fromIvs], filled: ['allowedOrigins'] });
    expect(claimsOf(none.body.token)['aws:access-control-allow-origin']).toBe('https://example.com');
  });

  it('applies its countries and strict origin enforcement', async () => {
    const { post } = await enforcing({
      allowedCountries: ['CA'],
      allowedOrigins: ['https://example.com'],
      strict: true,
    });

    const germany = await post({ channelArn: CHANNEL_ARN, viewerIp: GERMAN_IPV4 });
    const canada = await post({ channelArn: CHANNEL_ARN, viewerIp: CANADIAN_IPV4 });

    expect(germany.body).toMatchObject({ code: 'VIEWER_COUNTRY_NOT_ALLOWED', details: { policy: fromIvs } });
    expect(canada.status).toBe(201);
    expect(claimsOf(canada.body.token)).toMatchObject({
      'aws:access-control-allow-origin': 'https://example.com',
      'aws:strict-origin-enforcement': true,
    });
  });

  it('an empty IVS policy restricts nothing, and a channel without a policy gets none', async () => {
    const { context, post } = await enforcing({});
    context.channels.urls.set(OTHER_CHANNEL_ARN, 'https://a.eu-west-1.playback.live-video.net/x.m3u8');

    const withPolicy = await post({
      channelArn: CHANNEL_ARN,
      viewerIp: GERMAN_IPV4,
      allowedOrigins: ['https://any.example'],
    });
    const without = await post({ channelArn: OTHER_CHANNEL_ARN, viewerIp: GERMAN_IPV4 });

    expect(withPolicy.status).toBe(201);
    expect(withPolicy.body.policy).toEqual({ applied: [fromIvs], filled: [] });
    expect(without.status).toBe(201);
    expect(without.body.policy).toBeUndefined();
  });

  it('answers 503 DEPENDENCY_UNAVAILABLE when IVS cannot tell the channel, rather than issue unchecked', async () => {
    const { post } = await enforcing({});

    // OTHER_CHANNEL_ARN is unknown to the channel directory: "cannot tell".
    const response = await post({ channelArn: OTHER_CHANNEL_ARN });

    expect(response.status).toBe(503);
    expect(response.body).toMatchObject({ code: 'DEPENDENCY_UNAVAILABLE', details: { field: 'channelArn' } });
  });

  it('answers 503 DEPENDENCY_UNAVAILABLE when IVS cannot tell the policy', async () => {
    const { context, post } = await enforcing({ allowedOrigins: ['https://example.com'] });
    context.restrictionPolicies.unavailable = true;

    const response = await post({ channelArn: CHANNEL_ARN });

    expect(response.status).toBe(503);
    expectToMatchSpec(response, 'post', PATH);
    expect(response.headers['retry-after']).toBe('5');
  });

  it('applies both sources: a token must satisfy each, and both are named', async () => {
    const { post } = await enforcing(
      { allowedOrigins: ['https://example.com', 'https://b.example.com'] },
      { policies: rule({ allowedOrigins: ['https://*.example.com'], allowedCountries: ['US'] }) },
    );

    const filled = await post({ channelArn: CHANNEL_ARN, viewerCountry: 'US' });
    const outsideFile = await post({
      channelArn: CHANNEL_ARN,
      viewerCountry: 'US',
      allowedOrigins: ['https://example.com'],
    });

    expect(filled.status).toBe(201);
    expect(filled.body.policy.applied).toEqual([fromIvs, fromFile('the-rule')]);
    expect(claimsOf(filled.body.token)['aws:access-control-allow-origin']).toBe('https://b.example.com');
    expect(outsideFile.body).toMatchObject({
      code: 'ORIGIN_NOT_ALLOWED_BY_POLICY',
      details: { policy: fromFile('the-rule') },
    });
  });
});

describe('access policies: batches, metrics and reloads', () => {
  it('decides batch items one by one', async () => {
    const { post } = await appWith({ policies: northAmerica });

    const response = await post(
      {
        requests: [
          { channelArn: CHANNEL_ARN, viewerIp: CANADIAN_IPV4 },
          { channelArn: CHANNEL_ARN, viewerIp: GERMAN_IPV4 },
          { channelArn: CHANNEL_ARN, viewerIp: 'nonsense' },
          { channelArn: CHANNEL_ARN, viewerIp: AMERICAN_IPV4 },
        ],
      },
      BATCH,
    );

    expect(response.status).toBe(200);
    expectToMatchSpec(response, 'post', BATCH);
    expect(
      response.body.results.map((result: { status: number; error?: { code: string } }) => [
        result.status,
        result.error?.code,
      ]),
    ).toEqual([
      [201, undefined],
      [403, 'VIEWER_COUNTRY_NOT_ALLOWED'],
      [400, 'INVALID_VIEWER_IP'],
      [201, undefined],
    ]);
    expect(response.body.results[0].policy).toEqual({ applied: [fromFile('north-america')], filled: [] });
    expect(response.body.results[1].error.details.policy).toEqual(fromFile('north-america'));
  });

  it('counts refusals by code in /metrics', async () => {
    const { context, post } = await appWith({ policies: northAmerica });

    await post({ channelArn: CHANNEL_ARN, viewerIp: GERMAN_IPV4 });
    await post({ channelArn: CHANNEL_ARN, viewerIp: GERMAN_IPV6 });
    // Passes the schema's pattern, so it reaches the issuer (bodies the schema refuses are not counted here).
    await post({ channelArn: CHANNEL_ARN, viewerIp: ':::' });
    await post({ requests: [{ channelArn: CHANNEL_ARN, viewerCountry: 'DE' }] }, BATCH);
    const metrics = await request(context.app).get('/metrics');

    expect(metrics.text).toContain('playback_token_refusals_total{code="VIEWER_COUNTRY_NOT_ALLOWED"} 3');
    expect(metrics.text).toContain('playback_token_refusals_total{code="INVALID_VIEWER_IP"} 1');
  });

  it('a changed policies file applies after a reload; one with problems leaves the rules in force and says why', async () => {
    const { context, post } = await appWith({ policies: northAmerica });
    const path = context.policiesFile as string;

    await writeFile(
      path,
      JSON.stringify({
        version: 1,
        policies: [{ name: 'europe', channels: [US_WEST_2_CHANNELS], allowedCountries: ['DE'] }],
      }),
    );
    await context.runtime.access?.reload();
    const afterChange = await post({ channelArn: CHANNEL_ARN, viewerIp: GERMAN_IPV4 });
    await writeFile(
      path,
      'version: 1\npolicies:\n  - name: broken\n    channels: [nope]\n    allowedCountries: [Germany]\n',
    );
    await context.runtime.access?.reload();
    const afterBadChange = await post({ channelArn: CHANNEL_ARN, viewerIp: GERMAN_IPV4 });

    expect(afterChange.status).toBe(201);
    expect(afterChange.body.policy.applied).toEqual([fromFile('europe')]);
    expect(afterBadChange.status).toBe(201);
    const warning = context.logger.entries.find((entry) =>
      entry.message.startsWith('policies file not reloaded'),
    );
    expect(warning?.fields['problems']).toEqual([
      'policies[0] ("broken").allowedCountries[0] "Germany" is not an ISO 3166-1 alpha-2 country code (such as US, CA, DE)',
      'policies[0] ("broken").channels[0] must be a channel ARN where * matches any characters, e.g. arn:aws:ivs:us-west-2:123456789012:channel/*',
    ]);
  });
});

describe('access policies: fuzzing the new fields', () => {
  it('accepts as viewerIp exactly what node:net calls an IP address (without zone), and answers 201, 400 or 403 only', async () => {
    const { post } = await appWith({ policies: northAmerica, unknownCountry: 'deny' });
    const candidates = fc.oneof(
      fc.ipV4(),
      fc.ipV6(),
      fc.ipV4Extended(),
      fc.ipV6().map((address) => address.toUpperCase()),
      fc.stringMatching(/^[0-9a-fA-F:.]{0,45}$/),
      fc.string({ maxLength: 50 }),
    );

    await fc.assert(
      fc.asyncProperty(candidates, async (viewerIp) => {
        const response = await post({ channelArn: CHANNEL_ARN, viewerIp });
        const strictlyValid =
          (isIP(viewerIp) === 4 && /^\d{1,3}(\.\d{1,3}){3}$/.test(viewerIp) && !/(^|\.)0\d/.test(viewerIp)) ||
          (isIP(viewerIp) === 6 && !viewerIp.includes('%'));
        if (strictlyValid) {
          expect([201, 403], viewerIp).toContain(response.status);
          if (response.status === 403)
            expect(response.body.code).toMatch(/^VIEWER_COUNTRY_(NOT_ALLOWED|UNKNOWN)$/);
        } else {
          expect(response.status, viewerIp).toBe(400);
          expect(response.body.code).toBe('INVALID_VIEWER_IP');
        }
      }),
      { numRuns: byDepth(400, 4000) },
    );
  });

  it('accepts as viewerCountry exactly the assigned codes (any case) and XX/T1, refusing the rest with INVALID_VIEWER_COUNTRY', async () => {
    const { post } = await appWith({ policies: northAmerica });

    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.stringMatching(/^[A-Za-z0-9]{2}$/), fc.string({ maxLength: 4 })),
        async (viewerCountry) => {
          const response = await post({ channelArn: CHANNEL_ARN, viewerCountry });
          const upper = viewerCountry.toUpperCase();
          if (countryCode(viewerCountry) !== undefined) {
            expect(response.status).toBe(['US', 'CA'].includes(upper) ? 201 : 403);
          } else if (upper === 'XX' || upper === 'T1') {
            expect(response.status).toBe(201);
          } else {
            expect(response.body.code, viewerCountry).toBe('INVALID_VIEWER_COUNTRY');
          }
        },
      ),
      { numRuns: byDepth(300, 3000) },
    );
  });
});
