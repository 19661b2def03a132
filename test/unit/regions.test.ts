import { describe, expect, it } from 'vitest';
import { generateSigningKey } from '../../src/adapters/crypto/p384-keys.js';
import { loadConfig } from '../../src/config.js';
import { ServiceError } from '../../src/domain/errors.js';
import { type DrainPolicy, drainSeconds } from '../../src/domain/key-lifecycle.js';
import type {
  RevocationOutcome,
  ViewerSessionRevocation,
  ViewerSessionRevoker,
} from '../../src/domain/ports.js';
import { createKeyRotator } from '../../src/services/key-rotator.js';
import { createRegionCoverage } from '../../src/services/region-coverage.js';
import {
  regionalChannelDirectory,
  regionalViewerSessionRevoker,
} from '../../src/services/regional-routing.js';
import {
  InMemoryKeyStore,
  InMemoryPlaybackKeyRegistry,
  InMemoryRotationLock,
  ManualClock,
  MapChannelDirectory,
  RecordingLogger,
} from '../support/fakes.js';
import { signingBackend } from '../support/signing.js';

const POLICY: DrainPolicy = { maxTtlSeconds: 600, clockSkewSeconds: 60, maxSigningStalenessSeconds: 300 };
const REGIONS = ['us-west-2', 'eu-west-1', 'ap-northeast-1'];

function setup() {
  const clock = new ManualClock();
  const store = new InMemoryKeyStore();
  const registries = REGIONS.map((region) => new InMemoryPlaybackKeyRegistry(region));
  const logger = new RecordingLogger();
  const repairs: (string | undefined)[] = [];
  const rotator = createKeyRotator({
    store,
    registries,
    lock: new InMemoryRotationLock(),
    clock: clock.now,
    logger,
    drainPolicy: POLICY,
    generateKey: generateSigningKey,
    signing: signingBackend,
    owner: 'test',
    onRepair: (region) => repairs.push(region),
  });
  const ours = (index: number) =>
    (registries[index] as InMemoryPlaybackKeyRegistry).pairs.flatMap((pair) =>
      pair.keyId ? [pair.keyId] : [],
    );
  return { clock, store, registries, rotator, ours, repairs, logger };
}

describe('key rotation across regions (docs/key-lifecycle.md, invariants 2 and 3)', () => {
  it('imports the first key into every region before making it current', async () => {
    const context = setup();

    const result = await context.rotator.ensureCurrentKey();

    for (const index of REGIONS.keys()) expect(context.ours(index)).toEqual([result?.currentKeyId]);
    expect(result?.steps).toEqual([
      expect.stringMatching(/^created /),
      expect.stringMatching(/ in us-west-2$/),
      expect.stringMatching(/ in eu-west-1$/),
      expect.stringMatching(/ in ap-northeast-1$/),
      expect.stringMatching(/^promoted /),
    ]);
  });

  it('keeps the current key signing when one region fails mid-rotation, then resumes where it stopped', async () => {
    const context = setup();
    const first = await context.rotator.ensureCurrentKey();
    context.registries[1]?.faults.fail('importKey'); // once

    const failed = context.rotator.rotate({ emergency: false });

    await expect(failed).rejects.toThrow();
    expect((await context.store.readKeys()).current?.keyId).toBe(first?.currentKeyId);
    const resumed = await context.rotator.rotate({ emergency: false });
    expect(resumed.steps).toEqual([
      expect.stringMatching(/ in eu-west-1$/),
      expect.stringMatching(/ in ap-northeast-1$/),
      expect.stringMatching(/^promoted /),
    ]);
    for (const index of REGIONS.keys()) {
      expect(context.ours(index).sort()).toEqual([first?.currentKeyId, resumed.currentKeyId].sort());
    }
  });

  it('counts slots per region and names the full region and what fills it', async () => {
    const context = setup();
    await context.rotator.ensureCurrentKey();
    context.registries[2]?.addForeign('legacy-a');
    context.registries[2]?.addForeign('legacy-b');

    const rotation = context.rotator.rotate({ emergency: false });

    await expect(rotation).rejects.toMatchObject({
      code: 'NO_FREE_KEY_SLOT',
      message: expect.stringMatching(
        /all are taken in ap-northeast-1: .*legacy-a \(not managed by this service\)/,
      ),
      details: { region: 'ap-northeast-1' },
    });
    expect((await context.store.readKeys()).pending).toBeUndefined();
  });

  it('retires a drained previous key in every region, and an emergency deletes it everywhere at once', async () => {
    const context = setup();
    const first = await context.rotator.ensureCurrentKey();
    const second = await context.rotator.rotate({ emergency: false });
    context.clock.advance(drainSeconds(POLICY));

    const third = await context.rotator.rotate({ emergency: false });
    const emergency = await context.rotator.rotate({ emergency: true });

    expect(third.steps[0]).toBe(`retired ${first?.currentKeyId}`);
    for (const index of REGIONS.keys()) {
      expect(context.ours(index)).not.toContain(second.currentKeyId);
      expect(context.ours(index)).toEqual([emergency.currentKeyId]);
    }
  });

  it('re-imports a current key missing from one region (a region just added, a pair deleted by hand)', async () => {
    const context = setup();
    const first = await context.rotator.ensureCurrentKey();
    context.registries[1]?.pairs.splice(0, 1);

    const steps = await context.rotator.cleanUp();

    expect(steps).toEqual([`re-imported ${first?.currentKeyId} in eu-west-1`]);
    expect(context.ours(1)).toEqual([first?.currentKeyId]);
    expect(context.repairs).toEqual(['eu-west-1']);
  });
});

describe('region coverage', () => {
  const key = (keyId: string, loadedAt: Date) => ({ keyId, loadedAt });

  it('knows nothing of a region before reading it, then what the region holds', async () => {
    const clock = new ManualClock();
    const registry = new InMemoryPlaybackKeyRegistry('eu-west-1');
    await registry.importKey({ keyId: 'k1', publicKeyPem: 'pem' });
    const coverage = createRegionCoverage({
      registries: [registry],
      clock: clock.now,
      logger: new RecordingLogger(),
    });
    const loaded = clock.now();

    const before = coverage.coverage('eu-west-1', key('k1', loaded));
    clock.advance(1);
    await coverage.refresh();

    expect(before).toBe('unknown');
    expect(coverage.coverage('eu-west-1', key('k1', loaded))).toBe('held');
    expect(coverage.coverage('eu-west-1', key('k2', loaded))).toBe('missing');
    expect(coverage.accountId()).toBe('123456789012');
  });

  it('trusts a listing older than the key (it was imported everywhere before it became current), not a newer one', async () => {
    const clock = new ManualClock();
    const registry = new InMemoryPlaybackKeyRegistry('eu-west-1');
    const coverage = createRegionCoverage({
      registries: [registry],
      clock: clock.now,
      logger: new RecordingLogger(),
    });
    await coverage.refresh();
    clock.advance(1);
    const loadedAfterListing = clock.now();

    const trusted = coverage.coverage('eu-west-1', key('k-new', loadedAfterListing));
    clock.advance(1);
    await coverage.refresh();

    expect(trusted).toBe('held');
    expect(coverage.coverage('eu-west-1', key('k-new', loadedAfterListing))).toBe('missing');
  });

  it("dates a rotator's reading by when it began: a key loaded while it ran is not called missing", () => {
    const clock = new ManualClock();
    const coverage = createRegionCoverage({
      registries: [new InMemoryPlaybackKeyRegistry('eu-west-1')],
      clock: clock.now,
      logger: new RecordingLogger(),
    });
    const began = clock.now();
    clock.advance(1);
    const loaded = clock.now(); // another replica promoted k-new; this one loaded it meanwhile
    clock.advance(1);

    coverage.record([{ region: 'eu-west-1', registered: [], slotLimit: 3 }], began);

    expect(coverage.coverage('eu-west-1', key('k-new', loaded))).toBe('held');
  });

  it('keeps what it knew of a region it cannot read, and says why once', async () => {
    const clock = new ManualClock();
    const logger = new RecordingLogger();
    const registry = new InMemoryPlaybackKeyRegistry('eu-west-1');
    await registry.importKey({ keyId: 'k1', publicKeyPem: 'pem' });
    const coverage = createRegionCoverage({ registries: [registry], clock: clock.now, logger });
    await coverage.refresh();
    registry.faults.fail('list');
    registry.faults.fail('list');

    await coverage.refresh();
    await coverage.refresh();

    expect(coverage.coverage('eu-west-1', key('k1', clock.now()))).toBe('held');
    expect(coverage.reports()[0]?.failure).toMatchObject({ code: 'DEPENDENCY_UNAVAILABLE' });
    expect(logger.entries.filter((entry) => entry.level === 'warn')).toHaveLength(1);
  });
});

describe('regional routing', () => {
  const arnIn = (region: string, id: string) => `arn:aws:ivs:${region}:123456789012:channel/${id}`;

  it("looks a channel up in its own region's directory only", async () => {
    const directory = regionalChannelDirectory({
      byRegion: new Map([
        [
          'us-west-2',
          new MapChannelDirectory(new Map([[arnIn('us-west-2', 'a'), 'https://a.example/a.m3u8']])),
        ],
        [
          'eu-west-1',
          new MapChannelDirectory(new Map([[arnIn('eu-west-1', 'b'), 'https://b.example/b.m3u8']])),
        ],
      ]),
    });

    expect((await directory.lookup(arnIn('eu-west-1', 'b')))?.playbackUrl).toBe('https://b.example/b.m3u8');
    expect(await directory.lookup(arnIn('us-west-2', 'b'))).toBeUndefined();
    expect(await directory.lookup(arnIn('ap-south-1', 'a'))).toBeUndefined();
  });

  it('splits revocations by region, answers each in its place, and refuses unserved regions', async () => {
    const calls: [string, number][] = [];
    const revokerFor = (region: string, fail = false): ViewerSessionRevoker => ({
      async revoke(sessions: readonly ViewerSessionRevocation[]): Promise<readonly RevocationOutcome[]> {
        calls.push([region, sessions.length]);
        if (fail)
          throw new ServiceError('DEPENDENCY_UNAVAILABLE', `IVS down in ${region}`, { retryAfterSeconds: 5 });
        return sessions.map(() => ({ ok: true }));
      },
    });
    const revoker = regionalViewerSessionRevoker({
      byRegion: new Map([
        ['us-west-2', revokerFor('us-west-2')],
        ['eu-west-1', revokerFor('eu-west-1', true)],
      ]),
    });
    const session = (region: string) => ({ channelArn: arnIn(region, 'c'), viewerId: 'v' });

    const outcomes = await revoker.revoke([
      session('us-west-2'),
      session('eu-west-1'),
      session('ap-south-1'),
      session('us-west-2'),
    ]);

    expect(calls.sort()).toEqual([
      ['eu-west-1', 1],
      ['us-west-2', 2],
    ]);
    expect(outcomes.map((outcome) => (outcome.ok ? 'ok' : outcome.code))).toEqual([
      'ok',
      'DEPENDENCY_UNAVAILABLE',
      'CHANNEL_REGION_NOT_SERVED',
      'ok',
    ]);
  });
});

describe('IVS_REGIONS', () => {
  it('reads a comma-separated list of regions, in order', () => {
    expect(loadConfig({ IVS_REGIONS: 'us-west-2, eu-west-1,ap-northeast-1' }).ivsRegions).toEqual(REGIONS);
    expect(loadConfig({}).ivsRegions).toBeUndefined();
  });

  it('refuses what is not a region, and a region named twice', () => {
    expect(() => loadConfig({ IVS_REGIONS: 'us-west-2,europe' })).toThrow(/not a region: "europe"/);
    expect(() => loadConfig({ IVS_REGIONS: 'us-west-2,,eu-west-1' })).toThrow(/not a region: ""/);
    expect(() => loadConfig({ IVS_REGIONS: 'eu-west-1,eu-west-1' })).toThrow(
      /names eu-west-1 more than once/,
    );
  });
});
