import { describe, expect, it } from 'vitest';
import { es384Verifier } from '../../src/adapters/crypto/p384-keys.js';
import type { SigningKeyInfo } from '../../src/domain/signing-key.js';
import { createRegionCoverage } from '../../src/services/region-coverage.js';
import { createTokenInspector } from '../../src/services/token-inspector.js';
import { aDrainPolicy, CHANNEL_ARN, NOW } from '../support/builders.js';
import { craftKey, craftToken, secondsFrom } from '../support/crafted-tokens.js';
import {
  InMemoryPlaybackKeyRegistry,
  ManualClock,
  MapChannelDirectory,
  RecordingLogger,
} from '../support/fakes.js';

const KEY = craftKey();
const CLAIMS = { 'aws:channel-arn': CHANNEL_ARN, exp: secondsFrom(NOW, 300) };

function inspectorOver(options: {
  readonly history: readonly SigningKeyInfo[];
  readonly registries: readonly InMemoryPlaybackKeyRegistry[];
  readonly servedRegions?: readonly string[];
}) {
  const clock = new ManualClock(NOW.toISOString());
  const coverage = createRegionCoverage({
    registries: options.registries,
    clock: clock.now,
    logger: new RecordingLogger(),
  });
  let reads = 0;
  const inspector = createTokenInspector({
    store: {
      listHistory: async () => {
        reads += 1;
        return options.history;
      },
    },
    keys: { status: () => ({ currentKeyId: undefined, currentKeyLoadedAt: undefined }) as never },
    coverage,
    servedRegions: options.servedRegions,
    channels: new MapChannelDirectory(),
    verifier: es384Verifier,
    drainPolicy: aDrainPolicy(),
    clock: clock.now,
    historySeconds: 5,
  });
  return { inspector, coverage, clock, reads: () => reads };
}

const keyInfo = (state: SigningKeyInfo['state']): SigningKeyInfo => ({
  keyId: `ipa-${state}`,
  state,
  fingerprint: 'fp',
  publicKeyPem: KEY.publicKeyPem,
  createdAt: NOW,
});

describe('token inspector (service over fakes)', () => {
  it('cannot tell whether a region holds the key before it has read the region', async () => {
    const { inspector } = inspectorOver({
      history: [keyInfo('current')],
      registries: [new InMemoryPlaybackKeyRegistry('us-west-2')],
      servedRegions: ['us-west-2'],
    });

    const inspection = await inspector.inspect({ token: craftToken(CLAIMS, KEY) });

    expect(inspection.verdict).toBe('cannot-tell');
    expect(inspection.findings.map((item) => item.code)).toEqual([
      'KEY_REGION_UNCONFIRMED',
      'CHANNEL_NOT_CHECKED',
    ]);
    expect(inspection.key.regions).toEqual([{ region: 'us-west-2', holds: 'unknown', checkedAt: undefined }]);
  });

  it('warns about a token signed by a pending key, which plays only where IVS holds it', async () => {
    const registry = new InMemoryPlaybackKeyRegistry('us-west-2');
    await registry.importKey({ keyId: 'ipa-pending', publicKeyPem: KEY.publicKeyPem });
    const { inspector, coverage } = inspectorOver({
      history: [keyInfo('pending')],
      registries: [registry],
      servedRegions: ['us-west-2'],
    });
    await coverage.refresh();

    const inspection = await inspector.inspect({ token: craftToken(CLAIMS, KEY) });

    expect(inspection.verdict).toBe('plays');
    expect(inspection.findings.map((item) => item.code)).toEqual(['KEY_PENDING', 'CHANNEL_NOT_CHECKED']);
  });

  it('reads the key history once per period, not once per inspection', async () => {
    const { inspector, clock, reads } = inspectorOver({ history: [keyInfo('current')], registries: [] });
    const token = craftToken(CLAIMS, KEY);

    await Promise.all([inspector.inspect({ token }), inspector.inspect({ token })]);
    await inspector.inspect({ token });
    clock.advance(6);
    await inspector.inspect({ token });

    expect(reads()).toBe(2);
  });

  it('never lets a private key through the verifier', () => {
    const pem = KEY.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();

    expect(es384Verifier.verifiesEs384(pem, Buffer.from('x'), new Uint8Array(96))).toBeUndefined();
    expect(
      es384Verifier.verifiesEs384(
        '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----',
        Buffer.from('x'),
        new Uint8Array(96),
      ),
    ).toBeUndefined();
  });
});
