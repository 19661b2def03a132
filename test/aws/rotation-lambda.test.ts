import { randomUUID, sign } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createRotationHandler, type RotationHandler } from '../../src/lambda/handler.js';
import { type AwsStandIn, startAwsStandIn } from '../support/aws-stand-in/index.js';
import { RecordingLogger } from '../support/fakes.js';

const KEY_ID_TAG = 'ivs-playback-auth:key-id';

/** Drives the rotation function the way Secrets Manager does: four steps, each possibly retried. */
describe('Secrets Manager rotation Lambda', () => {
  let standIn: AwsStandIn;
  let secretId: string;
  let env: Record<string, string | undefined>;
  let logger: RecordingLogger;
  let handler: RotationHandler;

  const savedEnv = { ...process.env };

  beforeAll(async () => {
    standIn = await startAwsStandIn();
    // The SDK reads its endpoint, region and credentials from the process environment itself.
    Object.assign(process.env, standIn.env());
  });
  afterAll(async () => {
    await standIn.close();
    process.env = savedEnv;
  });
  beforeEach(() => {
    standIn.reset();
    env = { ...standIn.env(), TOKEN_MAX_TTL_SECONDS: '600' };
    logger = new RecordingLogger();
    handler = createRotationHandler({ env, logger });
    secretId = `ivs-playback-auth/lambda-${randomUUID()}`;
  });

  const step = (Step: string, ClientRequestToken: string) =>
    handler({ Step, SecretId: secretId, ClientRequestToken });
  const stages = () => standIn.secrets.versionIdsToStages(secretId) ?? {};
  const imported = () => standIn.ivs.keyPairs.map((pair) => pair.tags[KEY_ID_TAG]);

  /**
   * Signs a viewer token by hand with the private key of the secret's AWSCURRENT version (as a
   * replica would after the rotation) and asks the stand-in's playback oracle whether it plays.
   */
  function playsWithCurrentKey(): { plays: boolean; reason: string } {
    const current = standIn.secrets
      .secret(secretId)
      ?.versions.find((version) => version.stages.includes('AWSCURRENT'));
    const { privateKeyPem } = JSON.parse(current?.secretString ?? '{}') as { privateKeyPem: string };
    const channel = standIn.ivs.addChannel({ authorized: true });
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const claims = {
      'aws:channel-arn': channel.arn,
      'aws:viewer-id': 'v',
      exp: Math.floor(Date.now() / 1000) + 300,
    };
    const signingInput = `${encode({ alg: 'ES384', typ: 'JWT' })}.${encode(claims)}`;
    const signature = sign('sha384', Buffer.from(signingInput), {
      key: privateKeyPem,
      dsaEncoding: 'ieee-p1363',
    });
    return standIn.play({
      channelArn: channel.arn,
      token: `${signingInput}.${signature.toString('base64url')}`,
    });
  }

  async function rotateTwiceEach(token: string): Promise<void> {
    for (const name of ['createSecret', 'setSecret', 'testSecret', 'finishSecret']) {
      await step(name, token);
      await step(name, token); // Secrets Manager may run any step again
    }
  }

  it('runs a whole rotation with every step repeated, ending with the new version AWSCURRENT and imported', async () => {
    const token = randomUUID();

    await rotateTwiceEach(token);

    expect(stages()[token]).toEqual(['AWSCURRENT']);
    expect(Object.values(stages()).flat()).not.toContain('AWSPENDING');
    expect(imported()).toHaveLength(1);
    expect(playsWithCurrentKey()).toMatchObject({ plays: true, reason: 'TOKEN_ACCEPTED' });
    expect(standIn.rejected()).toEqual([]);
  });

  it('stages the key as the token version in createSecret and imports it only in setSecret', async () => {
    const token = randomUUID();

    await step('createSecret', token);
    const afterCreate = { stages: stages()[token], imported: imported().length };
    await step('setSecret', token);

    expect(afterCreate).toEqual({ stages: ['AWSPENDING'], imported: 0 });
    expect(imported()).toHaveLength(1);
    expect(stages()[token]).toEqual(['AWSPENDING']);
  });

  it('keeps the previous key through the drain: a rotation right after another fails in createSecret', async () => {
    await rotateTwiceEach(randomUUID());
    await rotateTwiceEach(randomUUID());

    const third = step('createSecret', randomUUID());

    await expect(third).rejects.toThrow(/createSecret failed: PREVIOUS_KEY_DRAINING/);
    expect(imported()).toHaveLength(2);
  });

  it('fails setSecret while IVS is down and succeeds when Secrets Manager retries it', async () => {
    const token = randomUUID();
    await step('createSecret', token);
    const faultId = standIn.faults.add({
      service: 'ivs',
      operation: 'ImportPlaybackKeyPair',
      kind: 'server-error',
    });

    await expect(step('setSecret', token)).rejects.toThrow(/setSecret failed: DEPENDENCY_UNAVAILABLE/);
    standIn.faults.clear(faultId);
    await step('setSecret', token);
    await step('testSecret', token);
    await step('finishSecret', token);

    expect(stages()[token]).toEqual(['AWSCURRENT']);
    expect(imported()).toHaveLength(1);
    expect(playsWithCurrentKey()).toMatchObject({ plays: true, reason: 'TOKEN_ACCEPTED' });
  });

  it('refuses testSecret and finishSecret before createSecret', async () => {
    await expect(step('testSecret', randomUUID())).rejects.toThrow(/no pending key/);
  });

  it('logs a configuration error as one, and reads the configuration again on the next invocation', async () => {
    const token = randomUUID();
    env['TOKEN_MAX_TTL_SECONDS'] = 'ten minutes';

    const failed = step('createSecret', token);

    await expect(failed).rejects.toThrow(/createSecret failed: invalid configuration/);
    expect(logger.entries).toContainEqual(
      expect.objectContaining({
        level: 'error',
        message: 'invalid configuration',
        fields: expect.objectContaining({
          problems: [expect.stringMatching(/^TOKEN_MAX_TTL_SECONDS must be a whole number/)],
        }),
      }),
    );
    env['TOKEN_MAX_TTL_SECONDS'] = '600';
    await rotateTwiceEach(token);
    expect(stages()[token]).toEqual(['AWSCURRENT']);
  });

  it('rotates each secret it is invoked for, not the first one it saw', async () => {
    const firstSecret = secretId;
    const firstToken = randomUUID();
    await rotateTwiceEach(firstToken);

    secretId = `ivs-playback-auth/lambda-${randomUUID()}`;
    const secondToken = randomUUID();
    await rotateTwiceEach(secondToken);

    expect(standIn.secrets.versionIdsToStages(firstSecret)?.[firstToken]).toEqual(['AWSCURRENT']);
    expect(stages()[secondToken]).toEqual(['AWSCURRENT']);
    expect(standIn.secrets.versionIdsToStages(firstSecret)?.[secondToken]).toBeUndefined();
  });

  it('imports into every region of IVS_REGIONS in setSecret, and testSecret refuses while one lacks the key', async () => {
    env['IVS_REGIONS'] = 'us-west-2,eu-west-1';
    const token = randomUUID();
    const ours = (region: string) => standIn.ivsIn(region).keyPairs.filter((pair) => pair.tags[KEY_ID_TAG]);
    await step('createSecret', token);
    await step('setSecret', token);
    const importedIn = [ours('us-west-2').length, ours('eu-west-1').length];
    const european = ours('eu-west-1')[0];
    standIn.ivsIn('eu-west-1').deleteKeyPair(european?.arn ?? '');

    const tested = step('testSecret', token);

    await expect(tested).rejects.toThrow(
      /testSecret failed: KEY_VERIFICATION_FAILED: .* not imported into IVS in eu-west-1/,
    );
    expect(importedIn).toEqual([1, 1]);
    await step('setSecret', token);
    await step('testSecret', token);
    await step('finishSecret', token);
    expect(stages()[token]).toEqual(['AWSCURRENT']);
    expect([ours('us-west-2').length, ours('eu-west-1').length]).toEqual([1, 1]);
  });

  it('refuses an event that is not a rotation step', async () => {
    await expect(handler({ Step: 'dropTables', SecretId: 'x', ClientRequestToken: 'y' })).rejects.toThrow(
      /not a Secrets Manager rotation event/,
    );
  });
});
