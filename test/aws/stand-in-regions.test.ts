import {
  DeletePlaybackKeyPairCommand,
  GetChannelCommand,
  GetPlaybackKeyPairCommand,
  ImportPlaybackKeyPairCommand,
  type IvsClient,
  ListPlaybackKeyPairsCommand,
  StartViewerSessionRevocationCommand,
} from '@aws-sdk/client-ivs';
import { afterAll, describe, expect, it } from 'vitest';
import { generateP384KeyPair, ivsClientFor, sdkErrorOf } from '../support/aws-stand-in/index.js';
import { useStandIn } from '../support/aws-stand-in/use-stand-in.js';

const { standIn, ivsClient: usWest2 } = useStandIn({ ivsClient: { maxAttempts: 1 } });

/** Clients signing for other regions, made once and destroyed with the suite. */
const regionalClients = new Map<string, IvsClient>();
function ivsIn(region: string): IvsClient {
  let client = regionalClients.get(region);
  if (!client) {
    client = ivsClientFor(standIn, { maxAttempts: 1, region });
    regionalClients.set(region, client);
  }
  return client;
}
afterAll(() => {
  for (const client of regionalClients.values()) client.destroy();
});

const importInto = (
  client: IvsClient,
  name: string,
  publicKeyMaterial = generateP384KeyPair().publicKeyPem,
) => client.send(new ImportPlaybackKeyPairCommand({ publicKeyMaterial, name }));

describe('IVS state per region (the region of the SigV4 credential scope)', () => {
  it('lists a key pair imported through eu-west-1 only to eu-west-1, with eu-west-1 in its ARN', async () => {
    const { keyPair } = await importInto(ivsIn('eu-west-1'), 'european');

    const fromUsWest2 = await usWest2().send(new ListPlaybackKeyPairsCommand({}));
    const fromEuWest1 = await ivsIn('eu-west-1').send(new ListPlaybackKeyPairsCommand({}));

    expect(keyPair?.arn).toMatch(/^arn:aws:ivs:eu-west-1:123456789012:playback-key\/[a-zA-Z0-9]{12}$/);
    expect(fromUsWest2.keyPairs).toEqual([]);
    expect(fromEuWest1.keyPairs?.map((pair) => pair.arn)).toEqual([keyPair?.arn]);
    expect(standIn.ivs.keyPairs).toEqual([]);
    expect(standIn.ivsIn('eu-west-1').keyPairs.map((pair) => pair.name)).toEqual(['european']);
    expect(standIn.ivsRegions()).toEqual(['eu-west-1']);
    expect(standIn.requests.map((request) => request.region)).toEqual([
      'eu-west-1',
      'us-west-2',
      'eu-west-1',
    ]);
    expect(standIn.rejected()).toEqual([]);
  });

  it('does not find, get or delete a key pair through a region other than its own', async () => {
    const { keyPair } = await importInto(ivsIn('eu-west-1'), 'european');
    const arn = keyPair?.arn ?? '';

    const get = await sdkErrorOf(usWest2().send(new GetPlaybackKeyPairCommand({ arn })));
    const remove = await sdkErrorOf(usWest2().send(new DeletePlaybackKeyPairCommand({ arn })));

    expect(get).toMatchObject({ name: 'ResourceNotFoundException', status: 404 });
    expect(remove).toMatchObject({ name: 'ResourceNotFoundException', status: 404 });
    expect(standIn.ivsIn('eu-west-1').keyPairs.map((pair) => pair.arn)).toEqual([arn]);
  });

  it('counts the 3-key-pair quota per region', async () => {
    for (const name of ['a', 'b', 'c']) await importInto(usWest2(), name);
    for (const name of ['a', 'b', 'c']) await importInto(ivsIn('eu-west-1'), name);

    const fourthInEurope = await sdkErrorOf(importInto(ivsIn('eu-west-1'), 'd'));
    const firstInTokyo = await importInto(ivsIn('ap-northeast-1'), 'a');

    expect(fourthInEurope).toMatchObject({ name: 'ServiceQuotaExceededException', status: 402 });
    expect(firstInTokyo.keyPair?.arn).toContain(':ap-northeast-1:');
    expect(standIn.ivs.keyPairs).toHaveLength(3);
    expect(standIn.ivsIn('eu-west-1').keyPairs).toHaveLength(3);
    expect(standIn.ivsIn('eu-west-1').keyPairQuota).toBe(3);
  });

  it('imports one public key into several regions without a conflict, and refuses it twice in one region', async () => {
    const { publicKeyPem } = generateP384KeyPair();

    const inUs = await importInto(usWest2(), 'shared', publicKeyPem);
    const inEu = await importInto(ivsIn('eu-west-1'), 'shared', publicKeyPem);
    const againInEu = await sdkErrorOf(importInto(ivsIn('eu-west-1'), 'again', publicKeyPem));

    expect(inUs.keyPair?.fingerprint).toBe(inEu.keyPair?.fingerprint);
    expect(inUs.keyPair?.arn).not.toBe(inEu.keyPair?.arn);
    expect(againInEu).toMatchObject({ name: 'ConflictException', status: 409 });
  });

  it('keeps channels per region: their ARN and playback URL name the region, and only that region finds them', async () => {
    const channel = standIn.ivsIn('eu-west-1').addChannel({ authorized: true });

    const fromEurope = await ivsIn('eu-west-1').send(new GetChannelCommand({ arn: channel.arn }));
    const fromOregon = await sdkErrorOf(usWest2().send(new GetChannelCommand({ arn: channel.arn })));

    expect(channel.arn).toMatch(/^arn:aws:ivs:eu-west-1:123456789012:channel\/[a-zA-Z0-9]{12}$/);
    expect(channel.playbackUrl).toMatch(
      /^https:\/\/[0-9a-f]{12}\.eu-west-1\.playback\.live-video\.net\/api\/video\/v1\/eu-west-1\.123456789012\.channel\.[a-zA-Z0-9]{12}\.m3u8$/,
    );
    expect(fromEurope.channel).toMatchObject({ arn: channel.arn, authorized: true });
    expect(fromOregon).toMatchObject({ name: 'ResourceNotFoundException', status: 404 });
    expect(standIn.ivs.channels).toEqual([]);
  });

  it('records a revocation in the channel region only, and refuses it through another region', async () => {
    const channel = standIn.ivsIn('eu-west-1').addChannel({ authorized: true });
    const session = {
      channelArn: channel.arn,
      viewerId: 'viewer-1',
      viewerSessionVersionsLessThanOrEqualTo: 2,
    };

    await ivsIn('eu-west-1').send(new StartViewerSessionRevocationCommand(session));
    const elsewhere = await sdkErrorOf(usWest2().send(new StartViewerSessionRevocationCommand(session)));

    expect(standIn.ivsIn('eu-west-1').revocations).toEqual([
      expect.objectContaining({ ...session, operation: 'StartViewerSessionRevocation' }),
    ]);
    expect(standIn.ivs.revocations).toEqual([]);
    expect(elsewhere).toMatchObject({ name: 'ResourceNotFoundException', status: 404 });
  });

  it('seeds a channel with a given ARN, and refuses one of another region or account', () => {
    const arn = 'arn:aws:ivs:ap-northeast-1:123456789012:channel/Tokyo0000001';

    const seeded = standIn.ivsIn('ap-northeast-1').addChannel({ arn, authorized: false });

    expect(seeded).toMatchObject({ arn, authorized: false });
    expect(seeded.playbackUrl).toContain('/ap-northeast-1.123456789012.channel.Tokyo0000001.m3u8');
    expect(() => standIn.ivs.addChannel({ arn, authorized: true })).toThrow(
      /is in ap-northeast-1, not us-west-2/,
    );
    expect(() =>
      standIn.ivs.addChannel({
        arn: 'arn:aws:ivs:us-west-2:210987654321:channel/Other0000001',
        authorized: true,
      }),
    ).toThrow(/account 210987654321/);
    expect(() =>
      standIn.ivs.addChannel({ arn: 'arn:aws:ivs:us-west-2:123456789012:stage/x', authorized: true }),
    ).toThrow(/not an IVS channel ARN/);
    expect(() => standIn.ivsIn('Europe')).toThrow(/not an AWS region name/);
  });

  it('forgets every region on reset', async () => {
    await importInto(ivsIn('eu-west-1'), 'european');
    standIn.ivsIn('ap-northeast-1').addChannel({ authorized: true });

    standIn.reset();

    expect(standIn.ivsRegions()).toEqual([]);
    expect(standIn.ivsIn('eu-west-1').keyPairs).toEqual([]);
  });
});

describe('faults aimed at one region', () => {
  it('fails ImportPlaybackKeyPair in eu-west-1 only, while us-west-2 imports', async () => {
    standIn.faults.add({
      service: 'ivs',
      operation: 'ImportPlaybackKeyPair',
      region: 'eu-west-1',
      kind: 'unavailable',
    });

    const inEurope = await sdkErrorOf(importInto(ivsIn('eu-west-1'), 'european'));
    const inOregon = await importInto(usWest2(), 'oregon');
    const listInEurope = await ivsIn('eu-west-1').send(new ListPlaybackKeyPairsCommand({}));

    expect(inEurope).toMatchObject({ name: 'ServiceUnavailable', status: 503 });
    expect(inOregon.keyPair?.arn).toContain(':us-west-2:');
    expect(listInEurope.keyPairs).toEqual([]);
    expect(standIn.requests.map(({ operation, region, fault }) => ({ operation, region, fault }))).toEqual([
      { operation: 'ImportPlaybackKeyPair', region: 'eu-west-1', fault: 'unavailable' },
      { operation: 'ImportPlaybackKeyPair', region: 'us-west-2', fault: undefined },
      { operation: 'ListPlaybackKeyPairs', region: 'eu-west-1', fault: undefined },
    ]);
    expect(standIn.faults.list()).toEqual([expect.objectContaining({ region: 'eu-west-1', fired: 1 })]);
  });

  it('applies an after-effect fault in its region only: the import lands there and the reply is lost', async () => {
    standIn.faults.add({
      operation: 'ImportPlaybackKeyPair',
      region: 'ap-northeast-1',
      kind: 'drop',
      afterEffect: true,
      times: 1,
    });

    const lost = await sdkErrorOf(importInto(ivsIn('ap-northeast-1'), 'tokyo'));
    await importInto(ivsIn('eu-west-1'), 'european');

    expect(lost.code ?? lost.name).toMatch(/ECONNRESET|socket hang up/i);
    expect(standIn.ivsIn('ap-northeast-1').keyPairs.map((pair) => pair.name)).toEqual(['tokyo']);
    expect(standIn.ivsIn('eu-west-1').keyPairs.map((pair) => pair.name)).toEqual(['european']);
  });

  it('takes one whole region down: every IVS call signed for it fails, other regions answer', async () => {
    standIn.faults.add({ service: 'ivs', region: 'eu-west-1', kind: 'unavailable' });
    const channel = standIn.ivsIn('eu-west-1').addChannel({ authorized: true });

    const list = await sdkErrorOf(ivsIn('eu-west-1').send(new ListPlaybackKeyPairsCommand({})));
    const get = await sdkErrorOf(ivsIn('eu-west-1').send(new GetChannelCommand({ arn: channel.arn })));
    const elsewhere = await ivsIn('ap-northeast-1').send(new ListPlaybackKeyPairsCommand({}));

    expect([list.name, get.name]).toEqual(['ServiceUnavailable', 'ServiceUnavailable']);
    expect(elsewhere.keyPairs).toEqual([]);
  });

  it('refuses a fault whose region is not a region name', () => {
    expect(() => standIn.faults.add({ kind: 'throttle', region: 'EU' })).toThrow(
      /fault region must be an AWS region name/,
    );
  });
});
