import fc from 'fast-check';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, isServiceError } from '../../src/domain/errors.js';
import { buildPlaybackClaims } from '../../src/domain/playback-claims.js';
import { parseViewerCountry, parseViewerIp } from '../../src/domain/viewer-location.js';
import { loadOpenApiContract } from '../../src/http/openapi-contract.js';
import { buildTestApp, CHANNEL_ARN } from '../support/test-app.js';

const contract = loadOpenApiContract();

describe('openapi.yaml and the domain agree', () => {
  it('lists exactly the error codes the code can produce', () => {
    const schemas = (contract.document['components'] as { schemas: Record<string, { enum?: string[] }> })
      .schemas;

    expect(schemas['ErrorCode']?.enum).toEqual([...ERROR_CODES]);
  });

  it('names only known error codes in x-error-code', () => {
    const declared = [...contract.text.matchAll(/x-error-code: (\{[^}]*\}|\w+)/g)].flatMap((match) =>
      (match[1] ?? '')
        .replace(/[{}]/g, '')
        .split(',')
        .map((part) => part.split(':').pop()?.trim() ?? ''),
    );

    expect(declared.length).toBeGreaterThan(5);
    for (const code of declared) expect(ERROR_CODES).toContain(code);
  });

  it('gives every /v1 operation a scope and every other one no security', () => {
    for (const operation of contract.operations) {
      expect(operation.requiredScope !== undefined, operation.path).toBe(operation.path.startsWith('/v1/'));
    }
  });

  it('answers any request with one broken or valid field the same way over HTTP as in the domain', async () => {
    const context = await buildTestApp();
    const field = fc.oneof(
      fc.record({
        viewerId: fc.oneof(
          fc.string({ maxLength: 45 }),
          fc.constant('a\u0007b'),
          fc.constant('😀'.repeat(40)),
        ),
      }),
      fc.record({
        viewerId: fc.constant('v'),
        viewerSessionVersion: fc.oneof(fc.integer({ min: -2, max: 2 ** 31 + 1 }), fc.constant(1.5)),
      }),
      fc.record({ viewerSessionVersion: fc.nat() }),
      fc.record({
        ttlSeconds: fc.oneof(fc.integer({ min: -1, max: 4000 }), fc.double({ min: 0, max: 10, noNaN: true })),
      }),
      fc.record({ viewerId: fc.constant('v'), ttlSeconds: fc.integer({ min: 590, max: 610 }) }),
      fc.record({
        allowedOrigins: fc.array(
          fc.oneof(
            fc.constantFrom(
              'https://a.example.com',
              'https://*.example.com',
              'http://localhost:3000',
              'https://A.example.com',
            ),
            fc.constantFrom(
              'https://*.com',
              'https://a.com:443',
              'https://a.com/',
              'https://a.com,https://b.com',
              'ftp://a.com',
            ),
          ),
          { maxLength: 7 },
        ),
        strictOriginEnforcement: fc.boolean(),
      }),
      fc.record({ maximumResolution: fc.constantFrom('SD', 'HD', 'FULL_HD', 'UHD', 'sd') }),
      fc.record({
        viewerIp: fc.oneof(
          fc.ipV4(),
          fc.ipV6(),
          fc.ipV4Extended(),
          fc.string({ maxLength: 50 }),
          fc.constantFrom('1.2.3', '::ffff:1.2.3.4', 'fe80::1%eth0', ':::', '1::2::3', 'a'.repeat(46)),
        ),
      }),
      fc.record({
        viewerCountry: fc.oneof(
          fc.string({ maxLength: 3 }),
          fc.constantFrom('US', 'de', 'XX', 't1', 'ZZ', 'UK'),
        ),
      }),
      fc.record({
        channelArn: fc.oneof(
          fc.constant(CHANNEL_ARN),
          fc.string({ maxLength: 20 }),
          fc.constant(`${CHANNEL_ARN}\n`),
        ),
      }),
    );

    await fc.assert(
      fc.asyncProperty(field, async (fields) => {
        const body = { channelArn: CHANNEL_ARN, ...fields };
        let domainCode: string | undefined;
        try {
          if ('viewerIp' in body) parseViewerIp(body.viewerIp);
          if ('viewerCountry' in body) parseViewerCountry(body.viewerCountry);
          buildPlaybackClaims(body as Parameters<typeof buildPlaybackClaims>[0], {
            policy: { defaultTtlSeconds: 600, maxTtlSeconds: 3600 },
            now: new Date(),
            newUuid: () => '00000000-0000-4000-8000-000000000000',
          });
        } catch (error) {
          if (!isServiceError(error)) throw error;
          domainCode = error.code;
        }

        const response = await request(context.app)
          .post('/v1/playback-tokens')
          .set('Authorization', `Bearer ${context.apiKeys.issuer}`)
          .send(body);

        if (domainCode === undefined) expect(response.status).toBe(201);
        else expect(response.body.code).toBe(domainCode);
      }),
      { numRuns: 150 },
    );
  });
});
