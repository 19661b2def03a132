import { generateKeyPairSync } from 'node:crypto';
import {
  BatchGetChannelCommand,
  BatchStartViewerSessionRevocationCommand,
  DeletePlaybackKeyPairCommand,
  GetChannelCommand,
  GetPlaybackKeyPairCommand,
  ImportPlaybackKeyPairCommand,
  ListPlaybackKeyPairsCommand,
  ListTagsForResourceCommand,
  paginateListPlaybackKeyPairs,
  StartViewerSessionRevocationCommand,
  TagResourceCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-ivs';
import { describe, expect, it } from 'vitest';
import { generateP384KeyPair, playbackKeyFingerprint, sdkErrorOf } from '../support/aws-stand-in/index.js';
import { useStandIn } from '../support/aws-stand-in/use-stand-in.js';

const fixedNow = new Date('2030-01-02T03:04:05.000Z');
const { standIn, ivsClient: ivs } = useStandIn({
  standIn: { clock: () => fixedNow },
  ivsClient: { maxAttempts: 1 },
});

function importKey(
  name = 'key',
  tags: Record<string, string> = {},
  publicKeyMaterial = generateP384KeyPair().publicKeyPem,
) {
  return ivs().send(new ImportPlaybackKeyPairCommand({ publicKeyMaterial, name, tags }));
}

describe('ImportPlaybackKeyPair', () => {
  it('returns the key pair with an ARN, the name, a SHA-256 SPKI fingerprint and the tags', async () => {
    const { publicKeyPem } = generateP384KeyPair();

    const { keyPair } = await importKey('signing-1', { owner: 'ivs-playback-auth' }, publicKeyPem);

    expect(keyPair?.arn).toMatch(/^arn:aws:ivs:us-west-2:123456789012:playback-key\/[a-zA-Z0-9]{12}$/);
    expect(keyPair).toMatchObject({
      name: 'signing-1',
      fingerprint: playbackKeyFingerprint(publicKeyPem),
      tags: { owner: 'ivs-playback-auth' },
    });
    expect(standIn.ivs.keyPairs).toEqual([
      {
        arn: keyPair?.arn,
        name: 'signing-1',
        fingerprint: playbackKeyFingerprint(publicKeyPem),
        publicKeyMaterial: publicKeyPem,
        tags: { owner: 'ivs-playback-auth' },
        importedAt: fixedNow,
      },
    ]);
    expect(standIn.rejected()).toEqual([]);
  });

  it('refuses a fourth key pair with ServiceQuotaExceededException (HTTP 402)', async () => {
    await importKey('one');
    await importKey('two');
    standIn.ivs.addForeignKeyPair({ name: 'someone-elses' });

    const failure = await sdkErrorOf(importKey('four'));

    expect(failure).toMatchObject({ name: 'ServiceQuotaExceededException', status: 402 });
    expect(standIn.ivs.keyPairs).toHaveLength(3);
  });

  it('refuses the same public key twice with ConflictException (HTTP 409)', async () => {
    const { publicKeyPem } = generateP384KeyPair();
    await importKey('first', {}, publicKeyPem);

    const failure = await sdkErrorOf(importKey('again', {}, publicKeyPem));

    expect(failure).toMatchObject({ name: 'ConflictException', status: 409 });
  });

  it.each([
    [
      'an RSA key',
      generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' }),
    ],
    [
      'a P-256 key',
      generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }),
    ],
    [
      'a private key',
      generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey.export({ type: 'pkcs8', format: 'pem' }),
    ],
    ['garbage', '-----BEGIN PUBLIC KEY-----\nbm90IGEga2V5\n-----END PUBLIC KEY-----\n'],
  ])('refuses %s with ValidationException', async (_what, pem) => {
    const failure = await sdkErrorOf(importKey('bad', {}, pem.toString()));

    expect(failure).toMatchObject({ name: 'ValidationException', status: 400 });
    expect(standIn.ivs.keyPairs).toEqual([]);
  });
});

describe('GetPlaybackKeyPair and DeletePlaybackKeyPair', () => {
  it('gets a key pair with its fingerprint', async () => {
    const { keyPair } = await importKey('k');

    const got = await ivs().send(new GetPlaybackKeyPairCommand({ arn: keyPair?.arn }));

    expect(got.keyPair).toEqual(keyPair);
  });

  it('answers ResourceNotFoundException (HTTP 404) for an unknown key pair', async () => {
    const arn = 'arn:aws:ivs:us-west-2:123456789012:playback-key/AbCdEfGhIjKl';

    const failure = await sdkErrorOf(ivs().send(new GetPlaybackKeyPairCommand({ arn })));

    expect(failure).toMatchObject({ name: 'ResourceNotFoundException', status: 404 });
    expect(failure.exceptionMessage).toContain(arn);
  });

  it('deletes a key pair, which frees its quota slot', async () => {
    const first = await importKey('a');
    await importKey('b');
    await importKey('c');

    await ivs().send(new DeletePlaybackKeyPairCommand({ arn: first.keyPair?.arn }));
    const again = await sdkErrorOf(ivs().send(new DeletePlaybackKeyPairCommand({ arn: first.keyPair?.arn })));
    const fourth = await importKey('d');

    expect(again).toMatchObject({ name: 'ResourceNotFoundException', status: 404 });
    expect(fourth.keyPair?.name).toBe('d');
    expect(standIn.ivs.keyPairs.map((keyPair) => keyPair.name)).toEqual(['b', 'c', 'd']);
  });
});

describe('ListPlaybackKeyPairs', () => {
  it('pages with maxResults and nextToken, summaries without fingerprints', async () => {
    const imported = [await importKey('a'), await importKey('b'), await importKey('c')];

    const first = await ivs().send(new ListPlaybackKeyPairsCommand({ maxResults: 2 }));
    const second = await ivs().send(
      new ListPlaybackKeyPairsCommand({ maxResults: 2, nextToken: first.nextToken }),
    );

    expect(first.keyPairs?.map((keyPair) => keyPair.name)).toEqual(['a', 'b']);
    expect(first.nextToken).toEqual(expect.any(String));
    expect(second.keyPairs).toEqual([{ arn: imported[2]?.keyPair?.arn, name: 'c', tags: {} }]);
    expect(second.nextToken).toBeUndefined();
  });

  it('works with the SDK paginator one key pair per page', async () => {
    await importKey('a');
    await importKey('b');
    await importKey('c');

    const names: string[] = [];
    for await (const page of paginateListPlaybackKeyPairs({ client: ivs(), pageSize: 1 }, {})) {
      names.push(...(page.keyPairs ?? []).map((keyPair) => keyPair.name ?? ''));
    }

    expect(names).toEqual(['a', 'b', 'c']);
    expect(standIn.requests.filter((request) => request.operation === 'ListPlaybackKeyPairs')).toHaveLength(
      3,
    );
  });

  it('keeps paging correctly when a key pair is deleted between pages', async () => {
    const a = await importKey('a');
    await importKey('b');
    await importKey('c');

    const first = await ivs().send(new ListPlaybackKeyPairsCommand({ maxResults: 1 }));
    await ivs().send(new DeletePlaybackKeyPairCommand({ arn: a.keyPair?.arn }));
    const rest = await ivs().send(new ListPlaybackKeyPairsCommand({ nextToken: first.nextToken }));

    expect(rest.keyPairs?.map((keyPair) => keyPair.name)).toEqual(['b', 'c']);
  });

  it('returns an empty list when nothing is imported', async () => {
    const listed = await ivs().send(new ListPlaybackKeyPairsCommand({}));

    expect(listed.keyPairs).toEqual([]);
    expect(listed.nextToken).toBeUndefined();
  });
});

describe('GetChannel and BatchGetChannel', () => {
  it('returns a seeded channel with its playback URL and authorization flag', async () => {
    const channel = standIn.ivs.addChannel({ name: 'private', authorized: true, latencyMode: 'NORMAL' });

    const got = await ivs().send(new GetChannelCommand({ arn: channel.arn }));

    expect(channel.arn).toMatch(/^arn:aws:ivs:us-west-2:123456789012:channel\/[a-zA-Z0-9]{12}$/);
    const id = channel.arn.split('/')[1];
    expect(channel.playbackUrl).toMatch(
      new RegExp(
        `^https://[0-9a-f]{12}\\.us-west-2\\.playback\\.live-video\\.net/api/video/v1/us-west-2\\.123456789012\\.channel\\.${id}\\.m3u8$`,
      ),
    );
    expect(got.channel).toMatchObject({
      arn: channel.arn,
      name: 'private',
      authorized: true,
      latencyMode: 'NORMAL',
      type: 'STANDARD',
      playbackUrl: channel.playbackUrl,
    });
  });

  it('answers ResourceNotFoundException for an unknown channel', async () => {
    const failure = await sdkErrorOf(
      ivs().send(new GetChannelCommand({ arn: 'arn:aws:ivs:us-west-2:123456789012:channel/AbCdEfGhIjKl' })),
    );

    expect(failure).toMatchObject({ name: 'ResourceNotFoundException', status: 404 });
  });

  it('returns known channels and lists unknown ARNs under errors', async () => {
    const known = standIn.ivs.addChannel({ authorized: true });
    const unknownArn = 'arn:aws:ivs:us-west-2:123456789012:channel/AbCdEfGhIjKl';

    const batch = await ivs().send(new BatchGetChannelCommand({ arns: [known.arn, unknownArn] }));

    expect(batch.channels?.map((channel) => channel.arn)).toEqual([known.arn]);
    expect(batch.errors).toEqual([
      { arn: unknownArn, code: 'ResourceNotFoundException', message: expect.any(String) },
    ]);
  });
});

describe('viewer session revocation', () => {
  it('records a single revocation, defaulting the session version to 0', async () => {
    const channel = standIn.ivs.addChannel({ authorized: true });

    await ivs().send(
      new StartViewerSessionRevocationCommand({ channelArn: channel.arn, viewerId: 'viewer-1' }),
    );
    await ivs().send(
      new StartViewerSessionRevocationCommand({
        channelArn: channel.arn,
        viewerId: 'viewer-2',
        viewerSessionVersionsLessThanOrEqualTo: 7,
      }),
    );

    expect(standIn.ivs.revocations).toEqual([
      {
        channelArn: channel.arn,
        viewerId: 'viewer-1',
        viewerSessionVersionsLessThanOrEqualTo: 0,
        operation: 'StartViewerSessionRevocation',
        at: fixedNow,
      },
      {
        channelArn: channel.arn,
        viewerId: 'viewer-2',
        viewerSessionVersionsLessThanOrEqualTo: 7,
        operation: 'StartViewerSessionRevocation',
        at: fixedNow,
      },
    ]);
  });

  it('refuses a revocation on an unknown channel with ResourceNotFoundException', async () => {
    const failure = await sdkErrorOf(
      ivs().send(
        new StartViewerSessionRevocationCommand({
          channelArn: 'arn:aws:ivs:us-west-2:123456789012:channel/AbCdEfGhIjKl',
          viewerId: 'v',
        }),
      ),
    );

    expect(failure).toMatchObject({ name: 'ResourceNotFoundException', status: 404 });
    expect(standIn.ivs.revocations).toEqual([]);
  });

  it('revokes a batch and reports errors only for the bad items', async () => {
    const channel = standIn.ivs.addChannel({ authorized: true });
    const unknownArn = 'arn:aws:ivs:us-west-2:123456789012:channel/AbCdEfGhIjKl';

    const result = await ivs().send(
      new BatchStartViewerSessionRevocationCommand({
        viewerSessions: [
          { channelArn: channel.arn, viewerId: 'a' },
          { channelArn: unknownArn, viewerId: 'b' },
          { channelArn: channel.arn, viewerId: 'c', viewerSessionVersionsLessThanOrEqualTo: 3 },
        ],
      }),
    );

    expect(result.errors).toEqual([
      {
        channelArn: unknownArn,
        viewerId: 'b',
        code: 'ResourceNotFoundException',
        message: expect.any(String),
      },
    ]);
    expect(
      standIn.ivs.revocations.map(({ viewerId, viewerSessionVersionsLessThanOrEqualTo, operation }) => ({
        viewerId,
        viewerSessionVersionsLessThanOrEqualTo,
        operation,
      })),
    ).toEqual([
      {
        viewerId: 'a',
        viewerSessionVersionsLessThanOrEqualTo: 0,
        operation: 'BatchStartViewerSessionRevocation',
      },
      {
        viewerId: 'c',
        viewerSessionVersionsLessThanOrEqualTo: 3,
        operation: 'BatchStartViewerSessionRevocation',
      },
    ]);
  });
});

describe('tagging', () => {
  it('adds, lists and removes tags on a key pair', async () => {
    const { keyPair } = await importKey('k', { owner: 'svc' });
    const resourceArn = keyPair?.arn;

    await ivs().send(
      new TagResourceCommand({ resourceArn, tags: { state: 'current', 'spaced key': 'a:b/c' } }),
    );
    await ivs().send(new UntagResourceCommand({ resourceArn, tagKeys: ['owner'] }));
    const listed = await ivs().send(new ListTagsForResourceCommand({ resourceArn }));

    expect(listed.tags).toEqual({ state: 'current', 'spaced key': 'a:b/c' });
    expect(standIn.ivs.keyPair(resourceArn ?? '')?.tags).toEqual({ state: 'current', 'spaced key': 'a:b/c' });
  });

  it('tags channels too', async () => {
    const channel = standIn.ivs.addChannel({ authorized: false, tags: { team: 'video' } });

    await ivs().send(new TagResourceCommand({ resourceArn: channel.arn, tags: { tier: 'gold' } }));
    const listed = await ivs().send(new ListTagsForResourceCommand({ resourceArn: channel.arn }));

    expect(listed.tags).toEqual({ team: 'video', tier: 'gold' });
  });

  it('answers ResourceNotFoundException for an unknown resource', async () => {
    const failure = await sdkErrorOf(
      ivs().send(
        new ListTagsForResourceCommand({
          resourceArn: 'arn:aws:ivs:us-west-2:123456789012:playback-key/AbCdEfGhIjKl',
        }),
      ),
    );

    expect(failure).toMatchObject({ name: 'ResourceNotFoundException', status: 404 });
  });
});

describe('reset', () => {
  it('forgets key pairs, channels, revocations and recorded requests', async () => {
    await importKey('k');
    const channel = standIn.ivs.addChannel({ authorized: true });
    await ivs().send(new StartViewerSessionRevocationCommand({ channelArn: channel.arn, viewerId: 'v' }));

    standIn.reset();

    expect(standIn.ivs.keyPairs).toEqual([]);
    expect(standIn.ivs.channels).toEqual([]);
    expect(standIn.ivs.revocations).toEqual([]);
    expect(standIn.requests).toEqual([]);
  });
});
