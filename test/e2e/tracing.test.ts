import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AwsStandIn, startAwsStandIn } from '../support/aws-stand-in/index.js';
import {
  describeSpans,
  type OtlpReceiver,
  type ReceivedSpan,
  startOtlpReceiver,
} from '../support/otlp-receiver.js';
import { REPO_ROOT, type ServerProcess, startServerProcess } from '../support/processes.js';
import { productionEnv, writeApiKey } from '../support/production-env.js';

const SPAN_KIND = { internal: 1, server: 2, client: 3 } as const;
const VIEWER_ID = 'viewer-traced-7';

/**
 * OpenTelemetry traces of the real server process in production mode against the AWS stand-in,
 * exported over OTLP/HTTP to a receiver in this test process: a span per request continuing the
 * caller's W3C trace, child spans for the signature and for every AWS call, trace ids in the log
 * lines, no secret or viewer id in any exported byte (the receiver feeds the leak scan), and no
 * OpenTelemetry module loaded at all while tracing is off.
 */
describe('tracing (OpenTelemetry, OTLP/HTTP) in production mode', () => {
  let standIn: AwsStandIn;
  let receiver: OtlpReceiver;
  let folder: string;
  let apiKey: string;
  let server: ServerProcess;
  let channelArn: string;
  const tokens: string[] = [];

  // Every server process here is a replica of one deployment: one secret, so one key in IVS.
  const env = (extra: Record<string, string>) => ({
    ...productionEnv(standIn, {
      secretId: 'ivs-playback-auth/tracing-e2e',
      apiKeysFile: join(folder, 'api-keys.json'),
      keysDir: folder,
    }),
    CHANNEL_CHECK: 'authorized',
    SHUTDOWN_DELAY_SECONDS: '0',
    SIGNER: 'auto',
    ...extra,
  });
  const post = (url: string, path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
  const waitUntilReady = async (url: string) => {
    for (let attempt = 0; attempt < 150; attempt++) {
      if ((await fetch(`${url}/readyz`).catch(() => undefined))?.ok) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error('the server did not become ready');
  };
  const logLines = (child: ServerProcess) =>
    child
      .stdout()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  const traceOf = (spans: ReceivedSpan[], traceId: string) =>
    spans.filter((span) => span.traceId === traceId);
  const callerContext = () => ({
    traceId: randomBytes(16).toString('hex'),
    spanId: randomBytes(8).toString('hex'),
  });

  beforeAll(async () => {
    standIn = await startAwsStandIn();
    channelArn = standIn.ivs.addChannel({ authorized: true }).arn;
    receiver = await startOtlpReceiver({ forbidden: () => [apiKey, VIEWER_ID, ...tokens] });
    folder = await mkdtemp(join(tmpdir(), 'ipa-tracing-'));
    apiKey = await writeApiKey(join(folder, 'api-keys.json'));
    server = await startServerProcess(
      env({
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_BSP_SCHEDULE_DELAY: '100',
        OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=test',
      }),
    );
    await waitUntilReady(server.url);
  });

  afterAll(async () => {
    await server?.stop();
    await receiver?.close();
    await standIn?.close();
    await rm(folder, { recursive: true, force: true });
  });

  it('traces a token request: server span in the caller trace, the IVS call and the signature as children', async () => {
    const caller = callerContext();

    const response = await post(
      server.url,
      '/v1/playback-tokens',
      { channelArn, viewerId: VIEWER_ID, ttlSeconds: 300 },
      { traceparent: `00-${caller.traceId}-${caller.spanId}-01` },
    );
    const body = (await response.json()) as { token: string; keyId: string };
    tokens.push(body.token);
    const spans = traceOf(
      await receiver.waitFor((all) => traceOf(all, caller.traceId).length >= 3),
      caller.traceId,
    );
    console.log(`span tree of one POST /v1/playback-tokens:\n${describeSpans(spans)}`);

    expect(response.status).toBe(201);
    const request = spans.find((span) => span.kind === SPAN_KIND.server);
    expect(request).toMatchObject({
      name: 'POST /v1/playback-tokens',
      parentSpanId: caller.spanId,
      serviceName: 'ivs-playback-auth',
      attributes: {
        'http.request.method': 'POST',
        'http.route': '/v1/playback-tokens',
        'http.response.status_code': 201,
        'ivs_playback_auth.outcome': 'success',
        'ivs_playback_auth.api_key_id': apiKey.slice(4, 16),
      },
    });
    const children = spans.filter((span) => span.parentSpanId === request?.spanId);
    expect(children.map((span) => span.name).sort()).toEqual(['ES384 sign', 'IVS.BatchGetChannel']);
    expect(children.find((span) => span.name === 'IVS.BatchGetChannel')).toMatchObject({
      kind: SPAN_KIND.client,
      attributes: {
        'rpc.system': 'aws-api',
        'rpc.service': 'IVS',
        'rpc.method': 'BatchGetChannel',
        'cloud.region': 'us-west-2',
        'http.response.status_code': 200,
        'aws.sdk.attempts': 1,
      },
    });
    expect(children.find((span) => span.name === 'ES384 sign')).toMatchObject({
      kind: SPAN_KIND.internal,
      attributes: { 'ivs_playback_auth.key_id': body.keyId },
    });
    // The request's log line names its trace and span.
    const line = logLines(server).find(
      (entry) => entry['msg'] === 'request' && entry['trace_id'] === caller.traceId,
    );
    expect(line).toMatchObject({ path: '/v1/playback-tokens', status: 201, span_id: request?.spanId });
  });

  it('records a refused request by its code: a 4xx is not a server error', async () => {
    const missing = channelArn.replace(/channel\/\w+$/, 'channel/DoesNotExist1');
    const caller = callerContext();

    const response = await post(
      server.url,
      '/v1/playback-tokens',
      { channelArn: missing, viewerId: VIEWER_ID },
      { traceparent: `00-${caller.traceId}-${caller.spanId}-01` },
    );
    const spans = traceOf(
      await receiver.waitFor((all) => traceOf(all, caller.traceId).length >= 2),
      caller.traceId,
    );

    expect(response.status).toBe(404);
    const request = spans.find((span) => span.kind === SPAN_KIND.server);
    expect(request?.attributes).toMatchObject({
      'http.response.status_code': 404,
      'ivs_playback_auth.outcome': 'refused',
      'ivs_playback_auth.error_code': 'CHANNEL_NOT_FOUND',
    });
    expect(request?.status.code ?? 0).not.toBe(2);
    // IVS answered (200, the channel listed under errors): the call itself succeeded.
    expect(spans.find((span) => span.name === 'IVS.BatchGetChannel')).toMatchObject({
      parentSpanId: request?.spanId,
      attributes: { 'http.response.status_code': 200 },
    });
  });

  it('records a failed AWS call by its error name and attempts, and the request as failed', async () => {
    const unlucky = standIn.ivs.addChannel({ authorized: true }).arn;
    standIn.faults.add({ kind: 'unavailable', operation: 'BatchGetChannel', times: 3 });
    const caller = callerContext();

    const response = await post(
      server.url,
      '/v1/playback-tokens',
      { channelArn: unlucky },
      { traceparent: `00-${caller.traceId}-${caller.spanId}-01` },
    );
    const spans = traceOf(
      await receiver.waitFor((all) => traceOf(all, caller.traceId).length >= 2),
      caller.traceId,
    );
    console.log(`span tree of a request IVS could not answer:\n${describeSpans(spans)}`);

    expect(response.status).toBe(503);
    const request = spans.find((span) => span.kind === SPAN_KIND.server);
    expect(request).toMatchObject({
      status: { code: 2 },
      attributes: {
        'ivs_playback_auth.outcome': 'failed',
        'ivs_playback_auth.error_code': 'DEPENDENCY_UNAVAILABLE',
        'error.type': 'DEPENDENCY_UNAVAILABLE',
      },
    });
    const call = spans.find((span) => span.name === 'IVS.BatchGetChannel');
    expect(call).toMatchObject({
      parentSpanId: request?.spanId,
      status: { code: 2 },
      attributes: {
        'error.type': 'ServiceUnavailable',
        'http.response.status_code': 503,
        'aws.sdk.attempts': 3,
      },
    });
    // The AWS error's name only: its message never reaches a span.
    expect(JSON.stringify(call)).not.toContain('injected fault');
  });

  it('traces a rotation: every Secrets Manager and IVS call is a child of the admin request', async () => {
    const response = await post(server.url, '/v1/playback-keys/rotate', {});
    expect(response.status).toBe(200);

    const spans = await receiver.waitFor((all) =>
      all.some((span) => span.name === 'POST /v1/playback-keys/rotate'),
    );
    const request = spans.find((span) => span.name === 'POST /v1/playback-keys/rotate') as ReceivedSpan;
    const calls = (
      await receiver.waitFor((all) =>
        all.some((span) => span.name === 'IVS.ImportPlaybackKeyPair' && span.traceId === request.traceId),
      )
    ).filter((span) => span.traceId === request.traceId && span.kind === SPAN_KIND.client);
    console.log(`span tree of a rotation:\n${describeSpans(traceOf(spans, request.traceId))}`);

    expect(calls.every((span) => span.parentSpanId === request.spanId)).toBe(true);
    const names = new Set(calls.map((span) => span.name));
    for (const name of [
      'SecretsManager.PutSecretValue',
      'IVS.ImportPlaybackKeyPair',
      'SecretsManager.UpdateSecretVersionStage',
    ]) {
      expect(names).toContain(name);
    }
  });

  it('exports nothing a leak scan or a viewer id check would find', () => {
    const everything = Buffer.concat(receiver.exports.map((received) => received.body)).toString('utf8');

    expect(receiver.exports.length).toBeGreaterThan(0);
    for (const secret of [apiKey, VIEWER_ID, ...tokens]) expect(everything).not.toContain(secret);
  });

  it('loads no OpenTelemetry module with tracing off; with it on, only the chosen exporter, and sends the last spans on SIGTERM', async () => {
    const hook = pathToFileURL(join(REPO_ROOT, 'test/support/record-imports.mjs')).href;
    const run = async (name: string, extra: Record<string, string>) => {
      const logFile = join(folder, `${name}-imports.txt`);
      const register = `import{register}from'node:module';register(${JSON.stringify(hook)},{data:${JSON.stringify({ logFile, scope: '@opentelemetry/' })}});`;
      const child = await startServerProcess(env(extra), {
        nodeArgs: ['--import', `data:text/javascript,${encodeURIComponent(register)}`],
      });
      try {
        await waitUntilReady(child.url);
        const response = await post(child.url, '/v1/playback-tokens', { channelArn, viewerId: VIEWER_ID });
        tokens.push(((await response.json()) as { token: string }).token);
        expect(response.status).toBe(201);
      } finally {
        await child.stop();
      }
      return new Set((await readFile(logFile, 'utf8').catch(() => '')).split('\n').filter(Boolean));
    };

    const off = await run('off', {});
    // The default protocol, http/protobuf, on the same receiver. With a ten-minute batch delay, what
    // arrives from this short-lived process was sent on SIGTERM: the last spans are not lost.
    const exportsBefore = receiver.exports.length;
    const on = await run('on', {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_BSP_SCHEDULE_DELAY: '600000',
    });
    const protobuf = receiver.exports.slice(exportsBefore);

    expect([...off]).toEqual([]);
    expect(on).toContain('@opentelemetry/sdk-trace');
    expect(on).toContain('@opentelemetry/exporter-trace-otlp-proto');
    expect(on).not.toContain('@opentelemetry/exporter-trace-otlp-http');
    expect(protobuf.length).toBeGreaterThan(0);
    expect(protobuf.every((received) => received.contentType === 'application/x-protobuf')).toBe(true);
    expect(protobuf.map((received) => received.path)).toContain('/v1/traces');
    // Protobuf keeps strings as UTF-8 bytes: the span names are there, and no secret is (leak scan).
    expect(Buffer.concat(protobuf.map((received) => received.body)).toString('latin1')).toContain(
      'POST /v1/playback-tokens',
    );
  }, 90_000);
});
