import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIvsPlaybackAuthClient, type IvsPlaybackAuthClient } from '../../src/client/index.js';
import { type AwsStandIn, startAwsStandIn } from '../support/aws-stand-in/index.js';
import { monitoredMetricNames } from '../support/deploy-monitoring.js';
import { scanSecretFreeText } from '../support/leak-scan.js';
import { type ServerProcess, startServerProcess } from '../support/processes.js';
import { productionEnv, writeApiKey } from '../support/production-env.js';
import { exportedMetricNames } from '../support/promql-metric-names.js';
import { specCheckedFetch } from '../support/spec-checked-fetch.js';

/**
 * The real server process in production mode against the AWS stand-in, driven through the typed
 * client, then scraped: every metric that deploy/prometheus's alerting rules and
 * deploy/grafana's dashboard name must be in its /metrics.
 */
describe('monitoring against a running server', () => {
  let standIn: AwsStandIn;
  let folder: string;
  let server: ServerProcess;
  let client: IvsPlaybackAuthClient;
  let channelArn: string;
  let metrics = '';

  beforeAll(async () => {
    standIn = await startAwsStandIn();
    channelArn = standIn.ivs.addChannel({ authorized: true }).arn;
    folder = await mkdtemp(join(tmpdir(), 'ipa-monitoring-'));
    const apiKeysFile = join(folder, 'api-keys.json');
    const apiKey = await writeApiKey(apiKeysFile);
    server = await startServerProcess({
      ...productionEnv(standIn, { secretId: 'ivs-playback-auth/monitoring', apiKeysFile, keysDir: folder }),
      CHANNEL_CHECK: 'authorized',
      SHUTDOWN_DELAY_SECONDS: '0',
    });
    client = createIvsPlaybackAuthClient({ baseUrl: server.url, apiKey, fetch: specCheckedFetch });
    const deadline = Date.now() + 20_000;
    while ((await client.readiness()).status !== 'ready' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  });

  afterAll(async () => {
    if (server) {
      await server.stop();
      scanSecretFreeText(`${server.stdout()}\n${server.stderr()}`, 'the server process output');
    }
    await standIn?.close();
    await rm(folder, { recursive: true, force: true });
  });

  it('issues a batch through the typed client: each item issued or refused on its own, and the tokens play', async () => {
    const batch = await client.issueTokens([
      { channelArn, viewerId: 'viewer-1', ttlSeconds: 300 },
      { channelArn, viewerId: 'viewer-2', ttlSeconds: 601 },
      { channelArn, allowedOrigins: ['https://example.com'] },
    ]);

    expect(batch).toMatchObject({ issued: 2, failed: 1 });
    expect(batch.results.map((result) => result.status)).toEqual([201, 400, 201]);
    expect(batch.results[1]).toMatchObject({ index: 1, error: { code: 'TTL_ABOVE_VIEWER_LIMIT' } });
    for (const result of batch.results) {
      if (!('token' in result)) continue;
      expect(
        standIn.play({ playbackUrl: result.playbackUrl ?? '', origin: 'https://example.com' }),
      ).toMatchObject({ plays: true });
    }
  });

  it('exports every metric that an alerting rule or a dashboard query names', async () => {
    // Some of each kind of event, so labelled series exist as well as their families.
    await expect(
      createIvsPlaybackAuthClient({
        baseUrl: server.url,
        apiKey: 'ipa_000000000000_wrong',
        fetch: specCheckedFetch,
      }).listKeys(),
    ).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    await client.rotateKeys();
    await expect(client.rotateKeys()).rejects.toMatchObject({ code: 'PREVIOUS_KEY_DRAINING' });
    metrics = await (await specCheckedFetch(new Request(`${server.url}/metrics`))).text();
    const exported = exportedMetricNames(metrics);
    const used = monitoredMetricNames();

    const missing = [...used]
      .filter(([name]) => !exported.has(name))
      .map(([name, where]) => `${name} (${where})`);

    expect(used.size).toBeGreaterThanOrEqual(15);
    expect(missing).toEqual([]);
    scanSecretFreeText(metrics, 'GET /metrics');
  });

  it('has the samples the rules read: AWS calls by operation, refusals by code, rotations, auth failures', () => {
    expect(metrics).toMatch(
      /^aws_api_calls_total\{service="secretsmanager",operation="DescribeSecret",region="us-west-2"\} [1-9]/m,
    );
    expect(metrics).toMatch(
      /^aws_api_calls_total\{service="ivs",operation="ImportPlaybackKeyPair",region="us-west-2"\} [1-9]/m,
    );
    expect(metrics).toContain('playback_token_refusals_total{code="TTL_ABOVE_VIEWER_LIMIT"} 1');
    expect(metrics).toContain('signing_key_rotations_total{emergency="false"} 1');
    expect(metrics).toContain(
      'signing_key_rotation_failures_total{emergency="false",code="PREVIOUS_KEY_DRAINING"} 1',
    );
    expect(metrics).toContain('api_key_authentication_failures_total 1');
    expect(metrics).toMatch(/^signing_key_previous_drain_overdue_seconds 0$/m);
    expect(metrics).toMatch(/^signing_key_pending_age_seconds Nan$/m);
  });
});
