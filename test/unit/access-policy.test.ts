import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type AccessPolicy,
  decideAccess,
  originAllowed,
  restrictionPolicyAsAccessPolicy,
} from '../../src/domain/access-policy.js';
import { isServiceError } from '../../src/domain/errors.js';
import { MAXIMUM_RESOLUTIONS, type PlaybackTokenRequest } from '../../src/domain/playback-claims.js';
import { parseViewerIp, viewerCountryOf } from '../../src/domain/viewer-location.js';
import { byDepth } from '../support/test-depth.js';

const CHANNEL = 'arn:aws:ivs:us-west-2:123456789012:channel/AbCdEf123456';
const tokenPolicy = { defaultTtlSeconds: 600, maxTtlSeconds: 3600 };
const context = (country?: string) => ({
  tokenPolicy,
  unknownCountry: 'deny' as const,
  viewerCountry: () =>
    country === undefined
      ? ({ known: false, reason: 'not-given' } as const)
      : ({ known: true, country, from: 'viewerCountry' } as const),
});
const policy = (fields: Partial<AccessPolicy>): AccessPolicy => ({
  source: 'policies-file',
  name: 'p',
  ...fields,
});

describe('decideAccess', () => {
  it('returns the very request, with nothing applied, when no policy applies', () => {
    const request = { channelArn: CHANNEL };

    const decision = decideAccess(request, [], context());

    expect(decision.request).toBe(request);
    expect(decision.applied).toEqual([]);
  });

  it('asks for the country only when a policy limits countries', () => {
    let asked = 0;
    decideAccess({ channelArn: CHANNEL }, [policy({ maximumResolution: 'HD' })], {
      ...context(),
      viewerCountry: () => {
        asked += 1;
        return { known: false, reason: 'not-given' };
      },
    });

    expect(asked).toBe(0);
  });

  it('takes the lowest ceiling and the shortest cap of several policies, naming the one that refused', () => {
    const policies = [
      policy({ name: 'a', maximumResolution: 'FULL_HD', maxTtlSeconds: 60 }),
      policy({ name: 'b', maximumResolution: 'SD', maxTtlSeconds: 300 }),
    ];

    const filled = decideAccess({ channelArn: CHANNEL }, policies, context());

    expect(filled.request).toMatchObject({ maximumResolution: 'SD', ttlSeconds: 60 });
    expect(() => decideAccess({ channelArn: CHANNEL, maximumResolution: 'HD' }, policies, context())).toThrow(
      expect.objectContaining({
        code: 'RESOLUTION_ABOVE_POLICY',
        details: expect.objectContaining({ policy: { source: 'policies-file', name: 'b' } }),
      }),
    );
  });

  it('caps a viewer token default at the policy cap only when the default (600 s at most) is longer', () => {
    const decision = decideAccess({ channelArn: CHANNEL, viewerId: 'v' }, [policy({ maxTtlSeconds: 900 })], {
      ...context(),
      tokenPolicy: { defaultTtlSeconds: 3000, maxTtlSeconds: 3600 },
    });

    expect(decision.filled).toEqual([]);
  });

  it('fills in origins for an empty allowedOrigins, which puts no claim in a token either', () => {
    const decision = decideAccess(
      { channelArn: CHANNEL, allowedOrigins: [] },
      [policy({ allowedOrigins: ['https://a.example'] })],
      context(),
    );

    expect(decision.request.allowedOrigins).toEqual(['https://a.example']);
    expect(decision.filled).toEqual(['allowedOrigins']);
  });

  it('refuses origins when two policies have none in common', () => {
    expect(() =>
      decideAccess(
        { channelArn: CHANNEL },
        [
          policy({ name: 'a', allowedOrigins: ['https://a.example'] }),
          policy({ name: 'b', allowedOrigins: ['https://b.example'] }),
        ],
        context(),
      ),
    ).toThrow(expect.objectContaining({ code: 'ORIGIN_NOT_ALLOWED_BY_POLICY' }));
  });

  it('fills in strict enforcement only to refuse it when more than 5 origins would be filled', () => {
    const origins = ['a', 'b', 'c', 'd', 'e', 'f'].map((host) => `https://${host}.example`);

    expect(() =>
      decideAccess(
        { channelArn: CHANNEL },
        [policy({ allowedOrigins: origins, strictOriginEnforcement: true })],
        context(),
      ),
    ).toThrow(expect.objectContaining({ code: 'TOO_MANY_STRICT_ORIGINS' }));
    expect(
      decideAccess(
        { channelArn: CHANNEL, allowedOrigins: ['https://a.example'] },
        [policy({ allowedOrigins: origins, strictOriginEnforcement: true })],
        context(),
      ).request,
    ).toMatchObject({ allowedOrigins: ['https://a.example'], strictOriginEnforcement: true });
  });

  const requests = fc.record(
    {
      channelArn: fc.constant(CHANNEL),
      viewerId: fc.constantFrom('v1', 'v2'),
      ttlSeconds: fc.integer({ min: 1, max: 3600 }),
      allowedOrigins: fc.subarray([
        'https://a.example',
        'https://b.example',
        'https://*.c.example',
        'https://x.c.example',
      ]),
      strictOriginEnforcement: fc.boolean(),
      singleUse: fc.boolean(),
      maximumResolution: fc.constantFrom(...MAXIMUM_RESOLUTIONS),
      viewerCountry: fc.constantFrom('US', 'CA', 'DE'),
    },
    { requiredKeys: ['channelArn'] },
  );
  const policies = fc.array(
    fc.record(
      {
        source: fc.constantFrom('policies-file' as const, 'ivs-restriction-policy' as const),
        name: fc.constantFrom('p', 'q'),
        allowedCountries: fc.subarray(['US', 'CA', 'DE'], { minLength: 1 }).map((codes) => new Set(codes)),
        blockedCountries: fc.subarray(['US', 'CA', 'DE'], { minLength: 1 }).map((codes) => new Set(codes)),
        allowedOrigins: fc.subarray(['https://a.example', 'https://b.example', 'https://*.c.example'], {
          minLength: 1,
        }),
        strictOriginEnforcement: fc.boolean(),
        maximumResolution: fc.constantFrom(...MAXIMUM_RESOLUTIONS),
        maxTtlSeconds: fc.integer({ min: 1, max: 3600 }),
        requireViewerId: fc.boolean(),
        requireSingleUse: fc.boolean(),
      },
      { requiredKeys: ['source', 'name'] },
    ),
    { maxLength: 2 },
  );

  it('never changes what a request names, only fills in what it leaves out, or refuses with a policy code', () => {
    fc.assert(
      fc.property(requests, policies, (request: PlaybackTokenRequest, applying) => {
        try {
          const decision = decideAccess(request, applying, context(request.viewerCountry));
          // An empty allowedOrigins puts no claim in a token, as if left out: it is left out.
          const leftOut = (field: keyof PlaybackTokenRequest) =>
            request[field] === undefined ||
            (field === 'allowedOrigins' && request.allowedOrigins?.length === 0);
          for (const [field, value] of Object.entries(request)) {
            if (leftOut(field as keyof PlaybackTokenRequest)) continue;
            expect((decision.request as unknown as Record<string, unknown>)[field]).toEqual(value);
          }
          for (const field of decision.filled) expect(leftOut(field)).toBe(true);
          expect(decision.applied).toHaveLength(applying.length);
        } catch (error) {
          if (!isServiceError(error)) throw error;
          expect(error.details?.['policy']).toBeDefined();
          expect(error.code).toMatch(/POLICY|VIEWER_COUNTRY|TOO_MANY_STRICT_ORIGINS/);
        }
      }),
      { numRuns: byDepth(300, 3000) },
    );
  });
});

describe('originAllowed', () => {
  it.each([
    ['https://a.example.com', ['https://*.example.com'], true],
    ['https://*.a.example.com', ['https://*.example.com'], true],
    ['https://*.example.com', ['https://*.example.com'], true],
    ['https://example.com', ['https://*.example.com'], false],
    ['https://*.example.com', ['https://a.example.com'], false],
    ['https://a.example.com:8443', ['https://*.example.com'], false],
    ['https://a.example.com:8443', ['https://*.example.com:8443'], true],
    ['http://a.example.com', ['https://*.example.com'], false],
    ['https://aexample.com', ['https://*.example.com'], false],
    ['https://anything.example', ['*'], true],
  ])('%s against %j: %s', (origin, allowed, expected) => {
    expect(originAllowed(origin, allowed)).toBe(expected);
  });
});

describe('restrictionPolicyAsAccessPolicy', () => {
  const base = { arn: 'arn:aws:ivs:us-west-2:123456789012:playback-restriction-policy/AbCd', name: 'n' };

  it('reads empty lists as "every country, every origin", as IVS does, and ignores strict mode then', () => {
    expect(
      restrictionPolicyAsAccessPolicy({
        ...base,
        allowedCountries: [],
        allowedOrigins: [],
        enableStrictOriginEnforcement: true,
      }),
    ).toEqual({
      source: 'ivs-restriction-policy',
      name: base.arn,
      allowedCountries: undefined,
      allowedOrigins: undefined,
      strictOriginEnforcement: false,
    });
  });

  it('normalises origins and leaves out what a token cannot carry', () => {
    const access = restrictionPolicyAsAccessPolicy({
      ...base,
      allowedCountries: ['us'],
      allowedOrigins: ['https://Example.com', 'https://example.com/path', 'null'],
      enableStrictOriginEnforcement: true,
    });

    expect(access.allowedOrigins).toEqual(['https://example.com']);
    expect([...(access.allowedCountries ?? [])]).toEqual(['US']);
    expect(access.strictOriginEnforcement).toBe(true);
  });
});

describe('viewer location', () => {
  it.each([
    ['203.0.113.7', '203.0.113.7', 'reserved'],
    ['8.8.8.8', '8.8.8.8', 'unicast'],
    ['::ffff:8.8.8.8', '8.8.8.8', 'unicast'],
    ['::FFFF:808:808', '8.8.8.8', 'unicast'],
    ['2001:4860:4860::8888', '2001:4860:4860:0:0:0:0:8888', 'unicast'],
    ['10.0.0.1', '10.0.0.1', 'private'],
    ['fe80::1', 'fe80:0:0:0:0:0:0:1', 'linkLocal'],
  ])('parses %s as %s (%s)', (text, address, range) => {
    expect(parseViewerIp(text)).toEqual({ address, range });
  });

  it('looks up only public addresses, and only when viewerCountry is absent', () => {
    const asked: string[] = [];
    const lookup = (address: string) => {
      asked.push(address);
      return address === '8.8.8.8' ? 'US' : undefined;
    };

    expect(viewerCountryOf({ viewerIp: '8.8.8.8' }, lookup)).toEqual({
      known: true,
      country: 'US',
      from: 'viewerIp',
    });
    expect(viewerCountryOf({ viewerIp: '8.8.8.8', viewerCountry: 'fr' }, lookup)).toEqual({
      known: true,
      country: 'FR',
      from: 'viewerCountry',
    });
    expect(viewerCountryOf({ viewerIp: '10.0.0.1' }, lookup)).toEqual({
      known: false,
      reason: 'non-public-address',
    });
    expect(viewerCountryOf({ viewerIp: '9.9.9.9' }, lookup)).toEqual({
      known: false,
      reason: 'not-in-database',
    });
    expect(asked).toEqual(['8.8.8.8', '9.9.9.9']);
  });

  it('treats a database answer that is no country code (EU, AP) as unknown', () => {
    expect(viewerCountryOf({ viewerIp: '8.8.8.8' }, () => 'EU')).toEqual({
      known: false,
      reason: 'not-in-database',
    });
  });
});
