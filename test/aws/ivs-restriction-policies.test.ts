import {
  CreatePlaybackRestrictionPolicyCommand,
  GetChannelCommand,
  GetPlaybackRestrictionPolicyCommand,
  ListPlaybackRestrictionPoliciesCommand,
} from '@aws-sdk/client-ivs';
import request from 'supertest';
import { beforeEach, describe, expect, it } from 'vitest';
import { IvsChannelDirectory } from '../../src/adapters/aws/ivs-channel-directory.js';
import { IvsRestrictionPolicyDirectory } from '../../src/adapters/aws/ivs-restriction-policy-directory.js';
import {
  regionalChannelDirectory,
  regionalRestrictionPolicyDirectory,
} from '../../src/services/regional-routing.js';
import { ivsClientFor } from '../support/aws-stand-in/sdk-clients.js';
import { useStandIn } from '../support/aws-stand-in/use-stand-in.js';
import { CountingLimiter, ManualClock, RecordingLogger } from '../support/fakes.js';
import { expectToMatchSpec } from '../support/spec.js';
import { buildTestApp } from '../support/test-app.js';

const { standIn, ivsClient: client } = useStandIn({ ivsClient: { maxAttempts: 1 }, clientsPerTest: true });
let clock: ManualClock;

beforeEach(() => {
  clock = new ManualClock();
});

function directory(ttlSeconds = 60) {
  return new IvsRestrictionPolicyDirectory({
    client: client(),
    logger: new RecordingLogger(),
    clock: clock.now,
    ttlSeconds,
    rateLimiter: new CountingLimiter(),
  });
}

const policyCalls = () =>
  standIn.requests.filter((recorded) => recorded.operation === 'GetPlaybackRestrictionPolicy');

describe('AWS stand-in: playback restriction policies', () => {
  it('creates, gets and lists policies, and channels name theirs, as the SDK reads them', async () => {
    const ivs = client();
    const { playbackRestrictionPolicy: created } = await ivs.send(
      new CreatePlaybackRestrictionPolicyCommand({
        name: 'north-america',
        allowedCountries: ['US', 'CA'],
        allowedOrigins: ['https://example.com'],
        enableStrictOriginEnforcement: true,
        tags: { team: 'sports' },
      }),
    );
    standIn.ivs.addRestrictionPolicy({ name: 'second' });
    const channel = standIn.ivs.addChannel({
      authorized: true,
      playbackRestrictionPolicyArn: created?.arn ?? '',
    });

    const got = await ivs.send(new GetPlaybackRestrictionPolicyCommand({ arn: created?.arn }));
    const firstPage = await ivs.send(new ListPlaybackRestrictionPoliciesCommand({}));
    const secondPage = await ivs.send(
      new ListPlaybackRestrictionPoliciesCommand({ nextToken: firstPage.nextToken }),
    );
    const all = await ivs.send(new ListPlaybackRestrictionPoliciesCommand({ maxResults: 100 }));
    const { channel: described } = await ivs.send(new GetChannelCommand({ arn: channel.arn }));

    expect(created?.arn).toMatch(
      /^arn:aws:ivs:us-west-2:123456789012:playback-restriction-policy\/[a-zA-Z0-9]{12}$/,
    );
    expect(got.playbackRestrictionPolicy).toEqual({
      arn: created?.arn,
      name: 'north-america',
      allowedCountries: ['US', 'CA'],
      allowedOrigins: ['https://example.com'],
      enableStrictOriginEnforcement: true,
      tags: { team: 'sports' },
    });
    // The API reference gives 1 as the default page size.
    expect(firstPage.playbackRestrictionPolicies?.map((policy) => policy.name)).toEqual(['north-america']);
    expect(secondPage.playbackRestrictionPolicies?.map((policy) => policy.name)).toEqual(['second']);
    expect(secondPage.nextToken).toBeUndefined();
    expect(all.playbackRestrictionPolicies).toHaveLength(2);
    expect(described?.playbackRestrictionPolicyArn).toBe(created?.arn);
    expect(standIn.rejected()).toEqual([]);
  });

  it('refuses what IVS refuses: a malformed ARN, a country that is no code, an unknown member, an unknown policy', async () => {
    const ivs = client();

    const results = await Promise.allSettled([
      ivs.send(
        new GetPlaybackRestrictionPolicyCommand({ arn: 'arn:aws:ivs:us-west-2:123456789012:channel/AbCd' }),
      ),
      ivs.send(new CreatePlaybackRestrictionPolicyCommand({ allowedCountries: ['USA'] })),
      ivs.send(new CreatePlaybackRestrictionPolicyCommand({ allowedCountries: ['us'] })),
      ivs.send(new CreatePlaybackRestrictionPolicyCommand({ name: 'spaces are not allowed' })),
      ivs.send(
        new GetPlaybackRestrictionPolicyCommand({
          arn: 'arn:aws:ivs:us-west-2:123456789012:playback-restriction-policy/Missing00001',
        }),
      ),
    ]);

    expect(
      results.map((result) => (result.status === 'rejected' ? (result.reason as Error).name : 'ok')),
    ).toEqual([
      'ValidationException',
      'ValidationException',
      'ValidationException',
      'ValidationException',
      'ResourceNotFoundException',
    ]);
  });
});

describe('IvsRestrictionPolicyDirectory', () => {
  it('reads a policy once per cache period: a change made in IVS takes effect after it', async () => {
    const policy = standIn.ivs.addRestrictionPolicy({ allowedCountries: ['US'] });
    const policies = directory(60);

    const first = await policies.lookup(policy.arn);
    standIn.ivs.updateRestrictionPolicy(policy.arn, { allowedCountries: ['CA'] });
    clock.advance(59);
    const cached = await policies.lookup(policy.arn);
    clock.advance(2);
    const changed = await policies.lookup(policy.arn);

    expect(first).toEqual({
      arn: policy.arn,
      name: '',
      allowedCountries: ['US'],
      allowedOrigins: [],
      enableStrictOriginEnforcement: false,
    });
    expect(cached).toBe(first);
    expect(changed?.allowedCountries).toEqual(['CA']);
    expect(policyCalls()).toHaveLength(2);
    expect(standIn.rejected()).toEqual([]);
  });

  it('shares one call among concurrent lookups, and remembers that a policy does not exist', async () => {
    const policy = standIn.ivs.addRestrictionPolicy({});
    const missing = 'arn:aws:ivs:us-west-2:123456789012:playback-restriction-policy/Missing00001';
    const policies = directory();

    const answers = await Promise.all([
      policies.lookup(policy.arn),
      policies.lookup(policy.arn),
      policies.lookup(missing),
    ]);
    const again = await policies.lookup(missing);

    expect(answers[0]).toBe(answers[1]);
    expect(answers[2]).toBeNull();
    expect(again).toBeNull();
    expect(policyCalls()).toHaveLength(2);
  });

  it('answers from what it knew while IVS fails, and "cannot tell" when it knew nothing', async () => {
    const policy = standIn.ivs.addRestrictionPolicy({ allowedOrigins: ['https://example.com'] });
    const other = standIn.ivs.addRestrictionPolicy({});
    const policies = directory(10);
    const known = await policies.lookup(policy.arn);
    standIn.faults.add({ kind: 'unavailable', operation: 'GetPlaybackRestrictionPolicy' });
    clock.advance(11);

    expect(await policies.lookup(policy.arn)).toBe(known);
    expect(await policies.lookup(other.arn)).toBeUndefined();
  });

  it('asks the region the policy ARN names', async () => {
    const european = standIn.ivsIn('eu-west-1').addRestrictionPolicy({ allowedCountries: ['DE'] });
    const routed = regionalRestrictionPolicyDirectory({
      byRegion: new Map([
        ['us-west-2', directory()],
        [
          'eu-west-1',
          new IvsRestrictionPolicyDirectory({
            client: ivsClientFor(standIn, { region: 'eu-west-1', maxAttempts: 1 }),
            logger: new RecordingLogger(),
            clock: clock.now,
            ttlSeconds: 60,
          }),
        ],
      ]),
    });

    expect((await routed.lookup(european.arn))?.allowedCountries).toEqual(['DE']);
    expect(
      await routed.lookup('arn:aws:ivs:ap-south-1:123456789012:playback-restriction-policy/AbCdEfGhIjKl'),
    ).toBeUndefined();
    expect(policyCalls().map((recorded) => recorded.region)).toEqual(['eu-west-1']);
  });
});

describe('tokens for a channel whose IVS restriction policy allows only https://example.com', () => {
  it('refuses another origin and fills in the allowed one when none is asked; the token plays', async () => {
    const policy = standIn.ivs.addRestrictionPolicy({
      name: 'only-example',
      allowedOrigins: ['https://example.com'],
    });
    const channel = standIn.ivs.addChannel({ authorized: true, playbackRestrictionPolicyArn: policy.arn });
    const ivs = client();
    const context = await buildTestApp({
      restrictionPolicies: 'enforce',
      channelDirectory: regionalChannelDirectory({
        byRegion: new Map([
          [
            'us-west-2',
            new IvsChannelDirectory({ client: ivs, logger: new RecordingLogger(), clock: clock.now }),
          ],
        ]),
      }),
      restrictionPolicyDirectory: regionalRestrictionPolicyDirectory({
        byRegion: new Map([['us-west-2', directory()]]),
      }),
    });
    // The key the app signs with, imported into the stand-in's IVS so the oracle can verify tokens.
    standIn.ivs.addForeignKeyPair({
      publicKeyMaterial: (await context.store.readKeys()).current?.publicKeyPem as string,
    });
    const post = (body: object) =>
      request(context.app)
        .post('/v1/playback-tokens')
        .set('Authorization', `Bearer ${context.apiKeys.issuer}`)
        .send(body);

    const other = await post({ channelArn: channel.arn, allowedOrigins: ['https://other.example'] });
    const filled = await post({ channelArn: channel.arn });

    expect(other.status).toBe(403);
    expectToMatchSpec(other, 'post', '/v1/playback-tokens');
    expect(other.body).toMatchObject({
      code: 'ORIGIN_NOT_ALLOWED_BY_POLICY',
      details: { policy: { source: 'ivs-restriction-policy', name: policy.arn }, field: 'allowedOrigins[0]' },
    });
    expect(filled.status).toBe(201);
    expectToMatchSpec(filled, 'post', '/v1/playback-tokens');
    expect(filled.body.policy).toEqual({
      applied: [{ source: 'ivs-restriction-policy', name: policy.arn }],
      filled: ['allowedOrigins'],
    });
    expect(
      standIn.play({ playbackUrl: filled.body.playbackUrl, origin: 'https://example.com' }),
    ).toMatchObject({
      plays: true,
    });
    expect(standIn.rejected()).toEqual([]);
  });
});
