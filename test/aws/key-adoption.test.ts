import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { drainSeconds } from '../../src/domain/key-lifecycle.js';
import { type AdoptionRole, PrivateKeyPem } from '../../src/domain/signing-key.js';
import { createRuntime, type Runtime } from '../../src/runtime.js';
import type { ChannelRecord } from '../support/aws-stand-in/ivs-state.js';
import { useStandIn } from '../support/aws-stand-in/use-stand-in.js';
import { ManualClock, RecordingLogger } from '../support/fakes.js';
import { type LegacyKey, makeLegacyKey, signLegacyToken } from '../support/legacy-signer.js';

const KEY_ID_TAG = 'ivs-playback-auth:key-id';
/** A drain short enough to reason about: 600 s TTL, no skew, 5 s staleness. */
const DRAIN_ENV = {
  TOKEN_MAX_TTL_SECONDS: '600',
  CLOCK_SKEW_SECONDS: '0',
  KEY_MAX_STALENESS_SECONDS: '5',
  KEY_REFRESH_SECONDS: '1',
};

/**
 * Moving to the service from a signer of one's own (docs/key-lifecycle.md, "Adopting a key"),
 * through the real SDK clients against the AWS stand-in, with the playback oracle deciding
 * whether each token plays: the legacy signer's tokens play before, during and after the adoption
 * until the drain ends, the service's own tokens play, and no region ever holds more than 3 pairs.
 */
describe('adopting a legacy signer’s key, through the stand-in', () => {
  const { standIn } = useStandIn({ processEnv: true });

  interface Replica {
    readonly runtime: Runtime;
    readonly clock: ManualClock;
  }

  async function replica(
    secretId: string,
    regions: readonly string[],
    clock = new ManualClock(new Date().toISOString()),
  ): Promise<Replica> {
    const config = loadConfig({
      ...DRAIN_ENV,
      KEY_STORE: 'secrets-manager',
      SECRET_ID: secretId,
      API_KEYS_FILE: '/nonexistent',
      ROTATION_TAKEOVER_SECONDS: '0',
      IVS_REGIONS: regions.join(','),
    });
    return {
      runtime: await createRuntime(config, { logger: new RecordingLogger(), clock: clock.now }),
      clock,
    };
  }

  const drain = drainSeconds({ maxTtlSeconds: 600, clockSkewSeconds: 0, maxSigningStalenessSeconds: 5 });

  /** The legacy key pair, imported by hand (no tags of ours) into each region, and a private channel in each. */
  function legacySetUp(regions: readonly string[], importedInto = regions) {
    const legacy = makeLegacyKey();
    const pairs = importedInto.map(
      (region) =>
        standIn
          .ivsIn(region)
          .addForeignKeyPair({ publicKeyMaterial: legacy.publicKeyPem, name: 'legacy-playback-key' }).arn,
    );
    const channels = regions.map((region) => standIn.ivsIn(region).addChannel({ authorized: true }));
    return { legacy, pairs, channels };
  }

  async function legacyPlays(legacy: LegacyKey, channels: readonly ChannelRecord[]): Promise<string[]> {
    const reasons: string[] = [];
    for (const channel of channels) {
      const token = await signLegacyToken(legacy, { channelArn: channel.arn, viewerId: 'legacy-viewer' });
      reasons.push(standIn.play({ playbackUrl: `${channel.playbackUrl}?token=${token}` }).reason);
    }
    return reasons;
  }

  async function serviceTokensPlay(
    { runtime }: Replica,
    channels: readonly ChannelRecord[],
  ): Promise<string[]> {
    await runtime.keyCache.refresh();
    await runtime.coverage.refresh();
    const reasons: string[] = [];
    for (const channel of channels) {
      // Channel-wide: its exp follows the replica's clock, which the tests move ahead of the oracle's.
      const issued = await runtime.tokenIssuer.issue({ channelArn: channel.arn });
      reasons.push(standIn.play({ playbackUrl: `${channel.playbackUrl}?token=${issued.token}` }).reason);
    }
    return reasons;
  }

  /** No region ever held more than 3 pairs (IVS would have refused), and nothing was malformed. */
  function expectNoSlotOvercommitted(regions: readonly string[]) {
    expect(
      standIn.requests.filter((request) => request.errorType === 'ServiceQuotaExceededException'),
    ).toEqual([]);
    for (const region of regions) expect(standIn.ivsIn(region).keyPairs.length).toBeLessThanOrEqual(3);
    expect(standIn.rejected()).toEqual([]);
  }

  const adopt = ({ runtime }: Replica, legacy: LegacyKey | string, as?: AdoptionRole) =>
    runtime.adoptKey(new PrivateKeyPem(typeof legacy === 'string' ? legacy : legacy.sec1Pem), { as });

  describe.each([[['us-west-2']], [['us-west-2', 'eu-west-1', 'ap-northeast-1']]])(
    'serving %j',
    (regions) => {
      it('as previous: the legacy tokens play until the drain ends, then the key retires and leaves IVS', async () => {
        const { legacy, pairs, channels } = legacySetUp(regions);
        const all = regions.map(() => 'TOKEN_ACCEPTED');
        expect(await legacyPlays(legacy, channels)).toEqual(all);
        const service = await replica(`ivs-playback-auth/adopt-${randomUUID()}`, regions);
        await service.runtime.rotator.ensureCurrentKey();
        expect(await legacyPlays(legacy, channels)).toEqual(all);
        const ownKeyId = (await service.runtime.store.readKeys()).current?.keyId;

        const result = await adopt(service, legacy, 'previous');

        expect(result).toMatchObject({
          state: 'previous',
          currentKeyId: ownKeyId,
          previousKeyId: result.keyId,
        });
        // The pairs imported by hand are now the service's: tagged, not imported again.
        expect(result.regions.map((region) => region.arn)).toEqual(pairs);
        for (const region of regions) {
          const held = standIn.ivsIn(region).keyPairs;
          expect(held).toHaveLength(2);
          expect(held.find((pair) => pair.arn === pairs[regions.indexOf(region)])?.tags).toMatchObject({
            'managed-by': 'ivs-playback-auth',
            [KEY_ID_TAG]: result.keyId,
          });
        }
        expect(await legacyPlays(legacy, channels)).toEqual(all);
        expect(await serviceTokensPlay(service, channels)).toEqual(all);
        const listed = (await service.runtime.inventory()).keys.find((key) => key.keyId === result.keyId);
        expect(listed).toMatchObject({
          state: 'previous',
          adoptedAs: 'previous',
          published: true,
          drift: undefined,
        });
        expect(listed?.adoptedAt).toEqual(result.adoptedAt);
        expect(listed?.drainEndsAt).toEqual(result.drainEndsAt);

        service.clock.advance(drain - 1);
        expect(await service.runtime.rotator.cleanUp()).toEqual([]);
        expect(await legacyPlays(legacy, channels)).toEqual(all);

        service.clock.advance(2);
        expect(await service.runtime.rotator.cleanUp()).toEqual([`retired ${result.keyId}`]);
        expect(await legacyPlays(legacy, channels)).toEqual(regions.map(() => 'SIGNATURE_NOT_VERIFIED'));
        expect(await serviceTokensPlay(service, channels)).toEqual(all);
        for (const region of regions) {
          expect(standIn.ivsIn(region).keyPairs.map((pair) => pair.tags[KEY_ID_TAG])).toEqual([ownKeyId]);
        }
        expect(
          (await service.runtime.store.listHistory()).find((key) => key.keyId === result.keyId)?.state,
        ).toBe('retired');
        expectNoSlotOvercommitted(regions);
      });

      it('as current on a first start: the service signs with the legacy key, and both signers’ tokens play', async () => {
        const { legacy, channels } = legacySetUp(regions);
        const service = await replica(`ivs-playback-auth/adopt-${randomUUID()}`, regions);

        const result = await adopt(service, legacy.pkcs8Pem);

        expect(result).toMatchObject({ state: 'current', currentKeyId: result.keyId });
        for (const region of regions) expect(standIn.ivsIn(region).keyPairs).toHaveLength(1);
        const all = regions.map(() => 'TOKEN_ACCEPTED');
        expect(await legacyPlays(legacy, channels)).toEqual(all);
        expect(await serviceTokensPlay(service, channels)).toEqual(all);
        // A start after the adoption finds its key: nothing new is made.
        expect(await service.runtime.rotator.ensureCurrentKey()).toBeUndefined();
        expectNoSlotOvercommitted(regions);
      });
    },
  );

  it('imports the key where no pair holds it, so the legacy tokens play there too', async () => {
    const regions = ['us-west-2', 'eu-west-1'];
    const { legacy, channels } = legacySetUp(regions, ['us-west-2']);
    expect(await legacyPlays(legacy, channels)).toEqual(['TOKEN_ACCEPTED', 'KEY_PAIR_NOT_IN_CHANNEL_REGION']);
    const service = await replica(`ivs-playback-auth/adopt-${randomUUID()}`, regions);
    await service.runtime.rotator.ensureCurrentKey();

    const result = await adopt(service, legacy);

    expect(result.steps).toEqual([
      expect.stringMatching(/^stored .* as pending \(to become previous\)$/),
      `tagged existing key pair legacy-playback-key as ${result.keyId} in us-west-2`,
      `imported ${result.keyId} in eu-west-1`,
      `made ${result.keyId} previous (drain started)`,
    ]);
    expect(await legacyPlays(legacy, channels)).toEqual(['TOKEN_ACCEPTED', 'TOKEN_ACCEPTED']);
    expectNoSlotOvercommitted(regions);
  });

  it('refuses, changing nothing, when a region lacking the key has no free slot', async () => {
    const regions = ['us-west-2', 'eu-west-1'];
    const { legacy } = legacySetUp(regions, ['us-west-2']);
    const service = await replica(`ivs-playback-auth/adopt-${randomUUID()}`, regions);
    await service.runtime.rotator.ensureCurrentKey();
    standIn.ivsIn('eu-west-1').addForeignKeyPair({ name: 'another-team' });
    standIn.ivsIn('eu-west-1').addForeignKeyPair({ name: 'yet-another-team' });
    const before = JSON.stringify([standIn.ivsIn('us-west-2').keyPairs, standIn.ivsIn('eu-west-1').keyPairs]);
    const keysBefore = await service.runtime.store.listHistory();

    await expect(adopt(service, legacy)).rejects.toMatchObject({
      code: 'NO_FREE_KEY_SLOT',
      details: { region: 'eu-west-1' },
    });
    expect(JSON.stringify([standIn.ivsIn('us-west-2').keyPairs, standIn.ivsIn('eu-west-1').keyPairs])).toBe(
      before,
    );
    expect(await service.runtime.store.listHistory()).toEqual(keysBefore);
    expectNoSlotOvercommitted(regions);
  });

  const calls = [
    ['secretsmanager', 'DescribeSecret'],
    ['secretsmanager', 'PutSecretValue'],
    ['secretsmanager', 'UpdateSecretVersionStage'],
    ['secretsmanager', 'TagResource'],
    ['ivs', 'ListPlaybackKeyPairs'],
    ['ivs', 'GetPlaybackKeyPair'],
    ['ivs', 'TagResource'],
    ['ivs', 'ImportPlaybackKeyPair'],
  ] as const;
  const failures = [
    { name: 'refused (5xx beyond the SDK retries)', spec: { kind: 'server-error', times: 3 } },
    { name: 'applied, reply lost', spec: { kind: 'drop', afterEffect: true, times: 1 } },
  ] as const;

  describe.each(calls)('interrupted at %s %s', (service, operation) => {
    it.each(failures)(
      'converges when run again after the call is $name, and the legacy tokens never stop',
      async ({ spec }) => {
        const regions = ['us-west-2', 'eu-west-1'];
        const { legacy, channels } = legacySetUp(regions, ['us-west-2']);
        const replicaOf = await replica(`ivs-playback-auth/adopt-faults-${randomUUID()}`, regions);
        await replicaOf.runtime.rotator.ensureCurrentKey();
        standIn.faults.add({ service, operation, ...spec });

        const first = await adopt(replicaOf, legacy).catch((error: unknown) => error);
        standIn.faults.clear();
        expect((await legacyPlays(legacy, channels))[0]).toBe('TOKEN_ACCEPTED');
        const second = await adopt(replicaOf, legacy);

        expect(second.state).toBe('previous');
        if (spec.kind === 'drop') expect(first).toMatchObject({ state: 'previous' });
        const keys = await replicaOf.runtime.store.readKeys();
        expect(keys.previous?.keyId).toBe(second.keyId);
        expect(keys.pending).toBeUndefined();
        for (const region of regions) {
          const ours = standIn.ivsIn(region).keyPairs.map((pair) => pair.tags[KEY_ID_TAG]);
          expect(ours.sort()).toEqual([keys.current?.keyId, second.keyId].sort());
        }
        expect(await legacyPlays(legacy, channels)).toEqual(['TOKEN_ACCEPTED', 'TOKEN_ACCEPTED']);
        expect(await serviceTokensPlay(replicaOf, channels)).toEqual(['TOKEN_ACCEPTED', 'TOKEN_ACCEPTED']);
        expect(
          standIn.requests.filter((request) => request.errorType === 'ServiceQuotaExceededException'),
        ).toEqual([]);
        expect(standIn.rejected()).toEqual([]);
      },
    );
  });

  it.each(['one replica (its rotation lock)', 'two replicas (the secret’s versions)'])(
    'an adoption and a rotation at once on %s: each finishes or is refused whole, and re-running converges',
    async (where) => {
      const regions = ['us-west-2', 'eu-west-1'];
      const { legacy, channels } = legacySetUp(regions);
      const secretId = `ivs-playback-auth/adopt-race-${randomUUID()}`;
      const clock = new ManualClock(new Date().toISOString());
      const adopting = await replica(secretId, regions, clock);
      const rotating = where.startsWith('one') ? adopting : await replica(secretId, regions, clock);
      await adopting.runtime.rotator.ensureCurrentKey();
      clock.advance(1);

      const outcomes = await Promise.allSettled([
        adopt(adopting, legacy),
        rotating.runtime.rotator.rotate({ emergency: false }),
      ]);

      for (const outcome of outcomes) {
        if (outcome.status === 'rejected') {
          expect(['ROTATION_IN_PROGRESS', 'ADOPTION_IN_PROGRESS', 'PREVIOUS_KEY_DRAINING']).toContain(
            (outcome.reason as { code?: string }).code,
          );
        }
      }
      expect(await legacyPlays(legacy, channels)).toEqual(['TOKEN_ACCEPTED', 'TOKEN_ACCEPTED']);
      // Whatever happened, the adoption finishes when run again (after a drain, if the rotation
      // took the previous place first).
      const adopted = await adopt(adopting, legacy).catch(async (error: unknown) => {
        if ((error as { code?: string }).code !== 'PREVIOUS_KEY_DRAINING') throw error;
        clock.advance(drain + 1);
        return adopt(adopting, legacy);
      });
      expect(adopted.state).toBe('previous');
      expect((await adopting.runtime.store.readKeys()).pending).toBeUndefined();
      expect(await legacyPlays(legacy, channels)).toEqual(['TOKEN_ACCEPTED', 'TOKEN_ACCEPTED']);
      expect(await serviceTokensPlay(rotating, channels)).toEqual(['TOKEN_ACCEPTED', 'TOKEN_ACCEPTED']);
      // A rotation that lost the race finishes now or after the adopted key's drain, never breaking it.
      await expect(rotating.runtime.rotator.rotate({ emergency: false })).rejects.toMatchObject({
        code: 'PREVIOUS_KEY_DRAINING',
      });
      expect(await legacyPlays(legacy, channels)).toEqual(['TOKEN_ACCEPTED', 'TOKEN_ACCEPTED']);
      expectNoSlotOvercommitted(regions);
    },
  );
});
