import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningService, startService } from '../../src/main.js';
import { type AwsStandIn, startAwsStandIn } from '../support/aws-stand-in/index.js';
import { RecordingLogger } from '../support/fakes.js';
import { productionEnv, writeApiKey } from '../support/production-env.js';

/**
 * A production start that cannot reach its key store must say which AWS call failed and why, in
 * the log and in /readyz, instead of waiting in silence: here AWS (the stand-in) does not know the
 * access key the replica signs with.
 */
describe('production mode, when AWS refuses the credentials at start', () => {
  let standIn: AwsStandIn;
  let folder: string;
  let service: RunningService;
  const logger = new RecordingLogger();
  const savedEnv = { ...process.env };

  beforeAll(async () => {
    standIn = await startAwsStandIn();
    folder = await mkdtemp(join(tmpdir(), 'ipa-prod-refused-'));
    const apiKeysFile = join(folder, 'api-keys.json');
    await writeApiKey(apiKeysFile, ['tokens:issue']);
    // The AWS SDK reads region, credentials and endpoints from the process environment.
    Object.assign(process.env, standIn.env(), { AWS_ACCESS_KEY_ID: 'AKIANOTKNOWNTOTHEMOCK' });
    const env = productionEnv(standIn, {
      secretId: 'ivs-playback-auth/refused',
      apiKeysFile,
      keysDir: folder,
    });
    service = await startService({
      env: { ...env, SHUTDOWN_DELAY_SECONDS: '0' },
      logger,
      announce: () => {},
    });
  });

  afterAll(async () => {
    await service?.close();
    await standIn?.close();
    await rm(folder, { recursive: true, force: true });
    process.env = savedEnv;
  });

  it('logs a warning naming the AWS operation and error, and /readyz shows the same', async () => {
    const deadline = Date.now() + 10_000;
    while (
      !logger.entries.some((entry) => entry.message === 'waiting for the signing key') &&
      Date.now() < deadline
    )
      await new Promise((resolve) => setTimeout(resolve, 50));
    const response = await fetch(`${service.url}/readyz`);
    const body = (await response.json()) as {
      reason: string;
      keyStore: { lastRefreshFailed: boolean; lastFailure?: Record<string, string> };
    };

    const warning = logger.entries.find((entry) => entry.message === 'waiting for the signing key');
    expect(warning?.level).toBe('warn');
    expect(warning?.fields).toMatchObject({
      code: 'DEPENDENCY_UNAVAILABLE',
      operation: 'Secrets Manager DescribeSecret',
      awsError: 'UnrecognizedClientException',
      reason: expect.stringContaining(
        "AWS refused the credentials or the permission: check the service's IAM policy",
      ),
    });
    expect(response.status).toBe(503);
    expect(body.reason).toContain('Secrets Manager DescribeSecret failed (UnrecognizedClientException)');
    expect(body.keyStore.lastRefreshFailed).toBe(true);
    expect(body.keyStore.lastFailure).toMatchObject({
      operation: 'Secrets Manager DescribeSecret',
      awsError: 'UnrecognizedClientException',
    });
    // The stand-in's own error text never reaches the log or the response.
    expect(logger.text()).not.toMatch(/security token included in the request is invalid/i);
    expect(JSON.stringify(body)).not.toMatch(/security token included in the request is invalid/i);
  });
});
