import fc from 'fast-check';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import type { ChannelDirectory, ChannelInfo } from '../../src/domain/ports.js';
import { craftKey, craftToken, craftTokenWith, secondsFrom } from '../support/crafted-tokens.js';
import { expectToMatchSpec } from '../support/spec.js';
import { buildTestApp, CHANNEL_ARN, PLAYBACK_URL, type TestApp } from '../support/test-app.js';
import { byDepth } from '../support/test-depth.js';

const PATH = '/v1/playback-tokens/inspect';
const PUBLIC_CHANNEL = 'arn:aws:ivs:us-west-2:123456789012:channel/Public000001';
const PUBLIC_PLAYBACK_URL = 'https://p.example/api/video/v1/us-west-2.123456789012.channel.Public000001.m3u8';
const DELETED_CHANNEL = 'arn:aws:ivs:us-west-2:123456789012:channel/Deleted00001';

/** Three channels: CHANNEL_ARN (private), a public one, and one IVS does not have; others: cannot tell. */
class ThreeChannels implements ChannelDirectory {
  async lookup(channelArn: string): Promise<ChannelInfo | null | undefined> {
    if (channelArn === CHANNEL_ARN) return { arn: channelArn, playbackUrl: PLAYBACK_URL, authorized: true };
    if (channelArn === PUBLIC_CHANNEL) {
      return { arn: channelArn, playbackUrl: PUBLIC_PLAYBACK_URL, authorized: false };
    }
    return channelArn === DELETED_CHANNEL ? null : undefined;
  }
}

async function inspect(context: TestApp, body: object, key = context.apiKeys.issuer) {
  const response = await request(context.app).post(PATH).set('Authorization', `Bearer ${key}`).send(body);
  expectToMatchSpec(response, 'post', PATH);
  return response;
}

const codes = (response: request.Response): string[] =>
  (response.body.findings as { code: string }[]).map((item) => item.code);

async function issue(context: TestApp, body: object): Promise<{ token: string; playbackUrl: string }> {
  const response = await request(context.app)
    .post('/v1/playback-tokens')
    .set('Authorization', `Bearer ${context.apiKeys.issuer}`)
    .send({ channelArn: CHANNEL_ARN, ...body });
  expect(response.status).toBe(201);
  return response.body;
}

/** Signs any claims with the service's current key, as a broken client with that key would. */
function signedByService(context: TestApp, claims: Record<string, unknown>): Promise<string> {
  return craftTokenWith(context.keyCache.signingKey(), claims);
}

describe('POST /v1/playback-tokens/inspect', () => {
  it('says a token from the service plays, with its claims, key and channel, and never repeats the token', async () => {
    const context = await buildTestApp({ channelDirectory: new ThreeChannels() });
    const { token, playbackUrl } = await issue(context, { viewerId: 'viewer-1', ttlSeconds: 300 });

    const byUrl = await inspect(context, { url: playbackUrl });
    const byToken = await inspect(context, { token });

    expect(byUrl.status).toBe(200);
    expect(byUrl.body).toMatchObject({
      verdict: 'plays',
      summary: 'Plays.',
      source: 'url',
      url: { channelArn: CHANNEL_ARN, tokens: 1 },
      token: {
        header: { alg: 'ES384', typ: 'JWT' },
        claims: { 'aws:channel-arn': CHANNEL_ARN, 'aws:viewer-id': 'viewer-1' },
        expiry: { relative: 'in 300 s' },
        signature: { form: 'raw', bytes: 96 },
      },
      key: {
        status: 'ours',
        keyId: context.keyCache.status().currentKeyId,
        state: 'current',
        regions: [{ holds: 'held' }],
      },
      channel: { arn: CHANNEL_ARN, status: 'private', playbackUrl: PLAYBACK_URL },
    });
    expect(codes(byUrl)).toEqual(['REVOCABLE_VIEWER_SESSION']);
    expect(byToken.body.verdict).toBe('plays');
    expect(byToken.body.source).toBe('token');
    expect(byUrl.headers['cache-control']).toBe('no-store');
    for (const response of [byUrl, byToken]) {
      expect(response.text).not.toContain(token.split('.')[2]);
    }
    expect(JSON.stringify(context.logger.entries)).not.toContain(token.split('.')[2]);
    const metrics = await request(context.app).get('/metrics');
    expect(metrics.text).toContain('playback_token_inspections_total{verdict="plays"} 2');
    expect(metrics.text).toContain('playback_token_inspections_total{verdict="will-not-play"} 0');
  });

  it('answers any valid API key, whatever its scopes, and refuses a missing one', async () => {
    const context = await buildTestApp();
    const { token } = await issue(context, {});

    for (const key of Object.values(context.apiKeys)) {
      expect((await inspect(context, { token }, key)).status).toBe(200);
    }
    const anonymous = await request(context.app).post(PATH).send({ token });
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.code).toBe('UNAUTHENTICATED');
  });

  it('asks for a token or a URL, not both and not neither, and refuses unknown fields', async () => {
    const context = await buildTestApp();

    const neither = await inspect(context, { origin: 'https://a.example' });
    const both = await inspect(context, { token: 'a.b.c', url: PLAYBACK_URL });
    const unknown = await inspect(context, { token: 'a.b.c', kid: 'x' });

    expect(neither.status).toBe(400);
    expect(neither.body).toMatchObject({
      code: 'INVALID_REQUEST',
      message: expect.stringContaining('"url"'),
    });
    expect(both.status).toBe(400);
    expect(both.body.message).toContain('not both');
    expect(unknown.status).toBe(400);
  });

  it('is rate-limited like every route', async () => {
    const context = await buildTestApp({ rateLimitPerSecond: 1 });

    const statuses: number[] = [];
    for (let attempt = 0; attempt < 4; attempt++)
      statuses.push((await inspect(context, { token: 'x' })).status);

    expect(statuses.slice(0, 2)).toEqual([200, 200]);
    expect(statuses.at(-1)).toBe(429);
  });

  describe('the six cases people ask about', () => {
    it('exp in milliseconds: will not play, EXP_IN_MILLISECONDS', async () => {
      const context = await buildTestApp();
      const token = await signedByService(context, {
        'aws:channel-arn': CHANNEL_ARN,
        exp: context.clock.now().getTime() + 300_000,
      });

      const response = await inspect(context, { token });

      expect(response.body.verdict).toBe('will-not-play');
      expect(codes(response)).toEqual(['EXP_IN_MILLISECONDS']);
      expect(response.body.summary).toMatch(/^Will not play: exp is \d+, a time in milliseconds/);
      expect(response.body.key).toMatchObject({ status: 'ours', state: 'current' });
    });

    it('a viewer token with a 20-minute exp: will not play, TTL_OVER_VIEWER_LIMIT', async () => {
      const context = await buildTestApp();
      const token = await signedByService(context, {
        'aws:channel-arn': CHANNEL_ARN,
        'aws:viewer-id': 'viewer-1',
        exp: secondsFrom(context.clock.now(), 1200),
      });

      const response = await inspect(context, { token });

      expect(response.body.verdict).toBe('will-not-play');
      expect(codes(response)[0]).toBe('TTL_OVER_VIEWER_LIMIT');
      expect(response.body.findings[0].message).toContain('in 1200 s');
    });

    it('a strict-origin token with another Origin: will not play, ORIGIN_NOT_ALLOWED; with its own: plays', async () => {
      const context = await buildTestApp();
      const { token } = await issue(context, {
        allowedOrigins: ['https://www.example.com'],
        strictOriginEnforcement: true,
      });

      const other = await inspect(context, { token, origin: 'https://evil.example.net' });
      const own = await inspect(context, { token, origin: 'https://www.example.com' });
      const none = await inspect(context, { token });

      expect(other.body.verdict).toBe('will-not-play');
      expect(codes(other)).toEqual(['ORIGIN_NOT_ALLOWED']);
      expect(own.body.verdict).toBe('plays');
      expect(none.body.verdict).toBe('cannot-tell');
      expect(codes(none)).toEqual(['ORIGIN_NOT_GIVEN']);
    });

    it('a playback URL with the token doubled: will not play, TOKEN_DOUBLED_IN_URL', async () => {
      const context = await buildTestApp();
      const first = await issue(context, {});
      const second = await issue(context, { ttlSeconds: 60 });

      const response = await inspect(context, { url: `${first.playbackUrl}?token=${second.token}` });

      expect(response.body.verdict).toBe('will-not-play');
      expect(codes(response)).toEqual(['TOKEN_DOUBLED_IN_URL']);
      expect(response.body.token.claims.exp).toBe(secondsFrom(context.clock.now(), 60));
    });

    it('a token signed by a deleted key (emergency rotation): will not play, KEY_RETIRED', async () => {
      const context = await buildTestApp();
      const { token } = await issue(context, {});
      const deletedKey = context.keyCache.status().currentKeyId;

      await context.rotator.rotate({ emergency: true });
      await context.runtime.coverage.refresh();
      const response = await inspect(context, { token });

      expect(response.body.verdict).toBe('will-not-play');
      expect(codes(response)).toEqual(['KEY_RETIRED']);
      expect(response.body.key).toMatchObject({
        status: 'ours',
        keyId: deletedKey,
        state: 'retired',
        retiredAt: expect.any(String),
        regions: [{ holds: 'missing' }],
      });
    });
  });

  it('follows a key through a rotation: previous plays until its drain ends, retired does not', async () => {
    const context = await buildTestApp();
    const oldKeyId = context.keyCache.status().currentKeyId;
    // Longer than any token the service issues, so only the key decides.
    const token = await signedByService(context, {
      'aws:channel-arn': CHANNEL_ARN,
      exp: secondsFrom(context.clock.now(), 10_000),
    });

    await context.rotator.rotate({ emergency: false });
    await context.runtime.coverage.refresh();
    const draining = await inspect(context, { token });
    context.clock.advance(3600 + 60 + 300 + 1);
    await context.keyCache.refresh();
    const drained = await inspect(context, { token });
    await context.rotator.rotate({ emergency: false });
    await context.runtime.coverage.refresh();
    const retired = await inspect(context, { token });

    expect(draining.body.verdict).toBe('plays');
    expect(codes(draining)).toEqual(['KEY_PREVIOUS']);
    expect(draining.body.key).toMatchObject({
      keyId: oldKeyId,
      state: 'previous',
      drainEndsAt: expect.any(String),
    });
    expect(draining.body.findings[0].message).toContain(draining.body.key.drainEndsAt);
    // Drained but not yet deleted: IVS still holds the key, so the token still plays.
    expect(drained.body.verdict).toBe('plays');
    expect(drained.body.findings[0].message).toContain('whose drain ended 1 s ago');
    expect(retired.body.verdict).toBe('will-not-play');
    expect(codes(retired)).toEqual(['KEY_RETIRED']);
  });

  it('finds a key IVS lost in the channel region, and a channel in a region or account not served', async () => {
    const context = await buildTestApp({ regions: ['us-west-2', 'eu-west-1'] });
    const { token } = await issue(context, {});
    const keyId = context.keyCache.status().currentKeyId;
    const pair = context.registry.pairs.find((candidate) => candidate.keyId === keyId);
    await context.registry.deleteKeyPair(pair as NonNullable<typeof pair>);
    await context.runtime.coverage.refresh();

    const lost = await inspect(context, { token });
    const elsewhere = await inspect(context, {
      token: await signedByService(context, {
        'aws:channel-arn': 'arn:aws:ivs:ap-south-1:123456789012:channel/Mumbai000001',
        exp: secondsFrom(context.clock.now(), 60),
      }),
    });
    const otherAccount = await inspect(context, {
      token: await signedByService(context, {
        'aws:channel-arn': 'arn:aws:ivs:eu-west-1:999999999999:channel/Other0000001',
        exp: secondsFrom(context.clock.now(), 60),
      }),
    });

    expect(lost.body.verdict).toBe('will-not-play');
    expect(codes(lost)).toEqual(['KEY_NOT_IN_REGION']);
    expect(lost.body.key.regions).toEqual([
      { region: 'us-west-2', holds: 'missing', checkedAt: expect.any(String) },
      { region: 'eu-west-1', holds: 'held', checkedAt: expect.any(String) },
    ]);
    expect(codes(elsewhere)).toEqual(['CHANNEL_REGION_NOT_SERVED', 'CHANNEL_NOT_CHECKED']);
    expect(elsewhere.body.channel).toMatchObject({ region: 'ap-south-1', regionServed: false });
    expect(codes(otherAccount)).toEqual(['CHANNEL_ACCOUNT_NOT_SERVED', 'CHANNEL_NOT_CHECKED']);
  });

  it('inspects tokens it did not sign as far as it can, and checks their signature with a public key given', async () => {
    const context = await buildTestApp();
    const foreign = craftKey();
    const stranger = craftKey();
    const claims = { 'aws:channel-arn': CHANNEL_ARN, exp: secondsFrom(context.clock.now(), 60) };
    const token = craftToken(claims, foreign);

    const unknown = await inspect(context, { token });
    const supplied = await inspect(context, { token, publicKeyPem: foreign.publicKeyPem });
    const wrong = await inspect(context, { token, publicKeyPem: stranger.publicKeyPem });
    const invalid = await inspect(context, { token, publicKeyPem: 'not a key' });
    // A private key sent by mistake is refused and never repeated (the leak scan checks every answer).
    const privatePem = foreign.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const privateGiven = await inspect(context, { token, publicKeyPem: privatePem });
    const der = await inspect(context, {
      token: craftToken(claims, foreign, { form: 'der' }),
      publicKeyPem: foreign.publicKeyPem,
    });

    expect([unknown.body.verdict, codes(unknown)]).toEqual(['cannot-tell', ['KEY_UNKNOWN']]);
    expect(unknown.body.key).toEqual({ status: 'unknown', regions: [] });
    expect([supplied.body.verdict, codes(supplied)]).toEqual(['cannot-tell', ['KEY_NOT_OURS']]);
    expect(supplied.body.key.status).toBe('supplied');
    expect([wrong.body.verdict, codes(wrong)]).toEqual(['will-not-play', ['SIGNATURE_INVALID']]);
    expect([invalid.body.verdict, codes(invalid)]).toEqual(['cannot-tell', ['PUBLIC_KEY_INVALID']]);
    expect(codes(privateGiven)).toEqual(['PUBLIC_KEY_INVALID']);
    expect(privateGiven.body.findings[0].message).toContain('never send a private key');
    expect([der.body.verdict, codes(der)]).toEqual([
      'will-not-play',
      ['SIGNATURE_DER_ENCODED', 'KEY_NOT_OURS'],
    ]);
  });

  it('names the key of a DER-encoded token the service key made', async () => {
    const context = await buildTestApp();
    const { token } = await issue(context, {});
    const [header, claims, signature] = token.split('.') as [string, string, string];
    const raw = Buffer.from(signature, 'base64url');
    const integer = (bytes: Buffer) => {
      let value = bytes;
      while (value.length > 1 && value[0] === 0 && (value[1] ?? 0) < 0x80) value = value.subarray(1);
      if ((value[0] ?? 0) >= 0x80) value = Buffer.concat([Buffer.from([0]), value]);
      return Buffer.concat([Buffer.from([0x02, value.length]), value]);
    };
    const body = Buffer.concat([integer(raw.subarray(0, 48)), integer(raw.subarray(48))]);
    const der = Buffer.concat([Buffer.from([0x30, body.length]), body]).toString('base64url');

    const response = await inspect(context, { token: `${header}.${claims}.${der}` });

    expect(codes(response)).toEqual(['SIGNATURE_DER_ENCODED']);
    expect(response.body.key).toMatchObject({ status: 'ours', state: 'current' });
  });

  it('knows the channel: missing, public (plays whatever the token), or another URL', async () => {
    const context = await buildTestApp({ channelDirectory: new ThreeChannels() });
    const now = context.clock.now();
    const expired = (channelArn: string) =>
      signedByService(context, { 'aws:channel-arn': channelArn, exp: secondsFrom(now, -10) });

    const deleted = await inspect(context, {
      token: await signedByService(context, {
        'aws:channel-arn': DELETED_CHANNEL,
        exp: secondsFrom(now, 60),
      }),
    });
    const publicChannel = await inspect(context, { token: await expired(PUBLIC_CHANNEL) });
    const publicWithoutToken = await inspect(context, { url: PUBLIC_PLAYBACK_URL });
    const otherHost = await inspect(context, {
      url: `${PLAYBACK_URL.replace('abc123', 'xyz789')}?token=${(await issue(context, {})).token}`,
    });

    expect([deleted.body.verdict, codes(deleted)]).toEqual(['will-not-play', ['CHANNEL_NOT_FOUND']]);
    expect(publicChannel.body.verdict).toBe('plays');
    expect(
      publicChannel.body.findings.map((item: { code: string; severity: string }) => [
        item.code,
        item.severity,
      ]),
    ).toEqual([
      ['TOKEN_EXPIRED', 'warning'],
      ['CHANNEL_NOT_PRIVATE', 'warning'],
    ]);
    expect(publicWithoutToken.body.verdict).toBe('plays');
    expect(codes(publicWithoutToken)).toEqual(['TOKEN_MISSING', 'CHANNEL_NOT_PRIVATE']);
    expect([otherHost.body.verdict, codes(otherHost)]).toEqual([
      'will-not-play',
      ['URL_NOT_CHANNEL_PLAYBACK_URL'],
    ]);
  });

  it('never repeats a secret pasted by mistake (an API key as the token; the leak scan holds this route to the log rules)', async () => {
    const context = await buildTestApp();

    const response = await inspect(context, { token: context.apiKeys.all, origin: context.apiKeys.admin });

    expect(response.body.verdict).toBe('will-not-play');
    expect(codes(response)).toEqual(['TOKEN_MALFORMED']);
    expect(response.text).not.toContain(context.apiKeys.all.slice(17));
    expect(response.text).not.toContain(context.apiKeys.admin.slice(17));
  });

  it('answers input of any shape with findings, never a 5xx', async () => {
    const context = await buildTestApp();
    const { token, playbackUrl } = await issue(context, {});
    const mangled = fc.oneof(
      fc.string({ maxLength: 300 }),
      fc.string({ unit: 'binary', maxLength: 200 }),
      fc
        .tuple(fc.nat({ max: token.length }), fc.string({ maxLength: 5 }))
        .map(([at, text]) => token.slice(0, at) + text),
      fc
        .tuple(fc.nat({ max: playbackUrl.length }), fc.string({ maxLength: 5 }))
        .map(([at, text]) => playbackUrl.slice(0, at) + text),
    );

    await fc.assert(
      fc.asyncProperty(
        mangled,
        fc.boolean(),
        fc.option(fc.string({ maxLength: 40 }), { nil: undefined }),
        async (text, asUrl, origin) => {
          const response = await inspect(context, {
            [asUrl ? 'url' : 'token']: text,
            ...(origin === undefined ? {} : { origin }),
          });
          expect(response.status).toBe(200);
          expect(['plays', 'will-not-play', 'cannot-tell']).toContain(response.body.verdict);
        },
      ),
      { numRuns: byDepth(150, 1500) },
    );
  });
});

describe('POST /v1/playback-tokens/inspect with access policies', () => {
  const policies = {
    version: 1,
    policies: [
      {
        name: 'licensed-sports',
        channels: [CHANNEL_ARN],
        allowedCountries: ['US', 'CA'],
        allowedOrigins: ['https://watch.example.com'],
        maxTtlSeconds: 300,
      },
    ],
  };

  it('names the policy a token of the service was issued under; the verdict stays plays', async () => {
    const context = await buildTestApp({ policies });
    const { token } = await issue(context, { viewerCountry: 'CA' });

    const response = await inspect(context, { token, origin: 'https://watch.example.com' });

    expect(response.status).toBe(200);
    expect(response.body.verdict).toBe('plays');
    expect(response.body.policies).toEqual([{ source: 'policies-file', name: 'licensed-sports' }]);
    expect(codes(response)).toContain('ACCESS_POLICY');
    expect(codes(response)).not.toContain('OUTSIDE_ACCESS_POLICY');
  });

  it('warns that a token outside the policy would not be issued today, without changing the verdict', async () => {
    const context = await buildTestApp({ policies });
    const now = new Date();
    const token = await signedByService(context, {
      'aws:channel-arn': CHANNEL_ARN,
      'aws:access-control-allow-origin': 'https://other.example.net',
      exp: secondsFrom(now, 120),
    });

    const response = await inspect(context, { token, origin: 'https://other.example.net' });
    const outside = (response.body.findings as { code: string; severity: string; message: string }[]).find(
      (item) => item.code === 'OUTSIDE_ACCESS_POLICY',
    );

    expect(response.body.verdict).toBe('plays');
    expect(outside).toMatchObject({
      severity: 'warning',
      message: expect.stringContaining('ORIGIN_NOT_ALLOWED_BY_POLICY'),
    });
    expect(outside?.message).not.toContain(token);
  });

  it('says nothing of policies for a channel no policy covers', async () => {
    const context = await buildTestApp({
      policies: {
        version: 1,
        policies: [{ name: 'elsewhere', channels: ['arn:aws:ivs:eu-west-1:*'], allowedCountries: ['FR'] }],
      },
    });
    const { token } = await issue(context, {});

    const response = await inspect(context, { token });

    expect(response.body).not.toHaveProperty('policies');
    expect(codes(response)).not.toContain('ACCESS_POLICY');
  });
});
