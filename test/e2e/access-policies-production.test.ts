import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningService, startService } from '../../src/main.js';
import { type AwsStandIn, startAwsStandIn } from '../support/aws-stand-in/index.js';
import { RecordingLogger } from '../support/fakes.js';
import { productionEnv, writeApiKey } from '../support/production-env.js';

const GERMAN_IPV4 = '80.128.0.1';
const CANADIAN_IPV4 = '142.112.0.1';

/**
 * Access policies in production mode, wired as the server wires them: the channel's IVS playback
 * restriction policy read from the AWS stand-in (RESTRICTION_POLICIES=enforce), a POLICIES_FILE,
 * and the bundled country database. Tokens are played through the stand-in's oracle.
 */
describe('access policies in production mode against the AWS stand-in', () => {
  let standIn: AwsStandIn;
  let folder: string;
  let apiKey: string;
  let service: RunningService;
  let policyArn: string;
  let exampleOnly: string;
  let northAmerica: string;
  const logger = new RecordingLogger();
  const savedEnv = { ...process.env };

  const issue = async (body: object) => {
    const response = await fetch(`${service.url}/v1/playback-tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    standIn = await startAwsStandIn();
    const ivs = standIn.ivs;
    policyArn = ivs.addRestrictionPolicy({
      name: 'only-example',
      allowedOrigins: ['https://example.com'],
    }).arn;
    exampleOnly = ivs.addChannel({ authorized: true, playbackRestrictionPolicyArn: policyArn }).arn;
    northAmerica = ivs.addChannel({ authorized: true, id: 'NorthAmerica' }).arn;
    folder = await mkdtemp(join(tmpdir(), 'ipa-policies-'));
    const apiKeysFile = join(folder, 'api-keys.json');
    apiKey = await writeApiKey(apiKeysFile);
    const policiesFile = join(folder, 'policies.yaml');
    await writeFile(
      policiesFile,
      `version: 1\npolicies:\n  - name: north-america\n    channels: ["${northAmerica}"]\n    allowedCountries: [US, CA]\n`,
    );
    Object.assign(process.env, standIn.env());
    service = await startService({
      env: {
        ...productionEnv(standIn, { secretId: 'ivs-playback-auth/policies', apiKeysFile, keysDir: folder }),
        RESTRICTION_POLICIES: 'enforce',
        RESTRICTION_POLICY_CACHE_SECONDS: '1',
        POLICIES_FILE: policiesFile,
        SHUTDOWN_DELAY_SECONDS: '0',
      },
      logger,
      announce: () => {},
    });
    await service.ready;
  });

  afterAll(async () => {
    await service?.close();
    await standIn?.close();
    await rm(folder, { recursive: true, force: true });
    process.env = savedEnv;
  });

  it("refuses an origin outside the channel's IVS policy and fills in the allowed one; the token plays from it", async () => {
    const other = await issue({ channelArn: exampleOnly, allowedOrigins: ['https://other.example'] });
    const filled = await issue({ channelArn: exampleOnly });

    expect(other.status).toBe(403);
    expect(other.body).toMatchObject({
      code: 'ORIGIN_NOT_ALLOWED_BY_POLICY',
      details: { policy: { source: 'ivs-restriction-policy', name: policyArn } },
    });
    expect(filled.status).toBe(201);
    expect(filled.body['policy']).toEqual({
      applied: [{ source: 'ivs-restriction-policy', name: policyArn }],
      filled: ['allowedOrigins'],
    });
    expect(
      standIn.play({ playbackUrl: String(filled.body['playbackUrl']), origin: 'https://example.com' }),
    ).toMatchObject({ plays: true });
  });

  it('applies a change made to the policy in IVS once the cache period has passed', async () => {
    await issue({ channelArn: exampleOnly, viewerIp: GERMAN_IPV4 });
    standIn.ivs.updateRestrictionPolicy(policyArn, { allowedCountries: ['CA'] });
    await new Promise((resolve) => setTimeout(resolve, 1100));

    const germany = await issue({ channelArn: exampleOnly, viewerIp: GERMAN_IPV4 });
    const canada = await issue({ channelArn: exampleOnly, viewerIp: CANADIAN_IPV4 });

    expect(germany.status).toBe(403);
    expect(germany.body).toMatchObject({ code: 'VIEWER_COUNTRY_NOT_ALLOWED', details: { country: 'DE' } });
    expect(canada.status).toBe(201);
  });

  it('applies the policies file, with the bundled country database', async () => {
    const germany = await issue({ channelArn: northAmerica, viewerIp: GERMAN_IPV4 });
    const canada = await issue({ channelArn: northAmerica, viewerIp: `::ffff:${CANADIAN_IPV4}` });

    expect(germany.body).toMatchObject({
      code: 'VIEWER_COUNTRY_NOT_ALLOWED',
      details: { policy: { source: 'policies-file', name: 'north-america' } },
    });
    expect(canada.status).toBe(201);
  });

  it('sent IVS only requests it accepts, and logged no viewer address', () => {
    expect(standIn.rejected()).toEqual([]);
    expect(
      standIn.requests.filter((request) => request.operation === 'GetPlaybackRestrictionPolicy').length,
    ).toBeGreaterThan(0);
    const logged = JSON.stringify(logger.entries);
    expect(logged).not.toContain(GERMAN_IPV4);
    expect(logged).not.toContain(CANADIAN_IPV4);
  });
});
