/**
 * `npm run bench`: builds, starts the real server (dist/main.js) in local mode with a temporary
 * KEYS_DIR, and in one run measures the signing ceilings of this machine (openssl speed, node:crypto,
 * and the signer the service chose: Nettle where built), tokens/s through
 * POST /v1/playback-tokens with a distinct viewer id per request, latency at half that rate, RSS
 * after the load and start-up time; then, under the same load, a bare node:http reference server
 * (the floor: what HTTP and the load generator leave of the ceiling here), and the service with
 * TOKEN_REUSE_SECONDS under one channel-wide body and under a multiview batch of channel-wide
 * tokens. Prints a table and one JSON line. Loopback only; writes only under the OS temp folder
 * (removed at the end) and dist/ (the build).
 *
 * Knobs (environment): BENCH_DURATION_SECONDS (10), BENCH_CONNECTIONS (32),
 * BENCH_CEILING_SECONDS (4), BENCH_WARMUP_SECONDS (3); SIGNER, UV_THREADPOOL_SIZE and NODE_OPTIONS
 * are passed on to the server. BENCH_ACCESS_POLICY=1 runs the service with a POLICIES_FILE whose
 * rule limits the channel's countries, and every viewer request carries a `viewerIp` (looked up in
 * the bundled country database): compare its tokens/s with a run without it.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { createServer } from 'node:net';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { createLocalJWKSet, jwtVerify } from 'jose';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const CORES = availableParallelism();
const DURATION = Number(process.env['BENCH_DURATION_SECONDS'] ?? 10);
const CONNECTIONS = Number(process.env['BENCH_CONNECTIONS'] ?? 32);
const CEILING_SECONDS = Number(process.env['BENCH_CEILING_SECONDS'] ?? 4);
const WARMUP = Number(process.env['BENCH_WARMUP_SECONDS'] ?? 3);
const LOG_LEVEL = 'info';
const CHANNEL_ARN = 'arn:aws:ivs:us-west-2:123456789012:channel/AbCdEf123456';
/** The whole run is bounded: whatever hangs, the server is killed and the bench fails. */
const OVERALL_TIMEOUT_MS = (8 * DURATION + 12 * CEILING_SECONDS + 4 * WARMUP + 120) * 1000;

const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim() || 100);
const TARGETS = { ratio: 0.9, p99Ms: 10, rssMb: 150, startupMs: 1500, reuseTimesCeiling: 10 };
const REUSE_SECONDS = 30;
/** BENCH_ACCESS_POLICY=1: a country-limited channel, and a viewer address on every request. */
const ACCESS_POLICY = process.env['BENCH_ACCESS_POLICY'] === '1';
/** Public addresses in the policy's countries (Google US, Bell Canada, Deutsche Telekom DE, v4 and v6). */
const VIEWER_IPS = ['8.8.8.8', '142.112.0.1', '80.128.0.1', '2003:e0::1', '2001:4860:4860::8888'];
/** The request body's fields after the channel: a viewer address too with BENCH_ACCESS_POLICY=1. */
const viewerFields = (sequence: number) =>
  ACCESS_POLICY ? `,"viewerIp":"${VIEWER_IPS[sequence % VIEWER_IPS.length]}"` : '';
/** Channels on the multiview page whose batch the reuse run sends (one token each per request). */
const MULTIVIEW_CHANNELS = 4;

interface Server {
  readonly child: ChildProcess;
  readonly url: string;
  stop(): Promise<{ code: number | null; ms: number }>;
}

const children = new Set<ChildProcess>();
const note = (text: string) => process.stderr.write(`bench: ${text}\n`);

async function main() {
  const guard = setTimeout(
    () => fail(new Error(`bench did not finish within ${OVERALL_TIMEOUT_MS} ms`)),
    OVERALL_TIMEOUT_MS,
  );
  guard.unref();
  note('building (npm run build)');
  const build = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  if (build.status !== 0) throw new Error('npm run build failed');

  const work = await mkdtemp(join(tmpdir(), 'ipa-bench-'));
  try {
    await run(work);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  clearTimeout(guard);
}

async function run(work: string) {
  const keysDir = join(work, 'keys');
  const logFile = join(work, 'server.log');
  const port = await freePort();
  const env: Record<string, string> = {
    PATH: process.env['PATH'] ?? '',
    HOME: process.env['HOME'] ?? work,
    NODE_ENV: 'production',
    KEY_STORE: 'file',
    KEYS_DIR: keysDir,
    HOST: '127.0.0.1',
    PORT: String(port),
    LOG_LEVEL,
  };
  for (const name of ['UV_THREADPOOL_SIZE', 'NODE_OPTIONS', 'WEB_CONCURRENCY', 'SIGNER']) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  if (ACCESS_POLICY) {
    const policiesFile = join(work, 'policies.json');
    env['POLICIES_FILE'] = policiesFile;
    await writeFile(
      policiesFile,
      JSON.stringify({
        version: 1,
        policies: [{ name: 'bench', channels: [CHANNEL_ARN], allowedCountries: ['US', 'CA', 'DE'] }],
      }),
    );
    note('BENCH_ACCESS_POLICY=1: the channel is limited to US, CA and DE; every request carries a viewerIp');
  }

  note('start-up, cold (empty KEYS_DIR: first signing key and development API key are created)');
  const cold = await startServer(env, logFile);
  const coldStop = await cold.server.stop();
  if (coldStop.code !== 0) throw new Error(`server exited with ${coldStop.code} on SIGTERM`);

  note('creating an API key with the CLI');
  // Its own rate limit is far above what the machine can serve: the bench measures the service, not 429s.
  const apiKey = cli(
    ['api-keys', 'create', '--scope', 'tokens:issue', '--name', 'bench', '--rate-limit', '1000000'],
    env,
  ).trim();
  if (!/^ipa_/.test(apiKey)) throw new Error(`CLI did not print an API key: ${apiKey}`);

  note('start-up, warm (key and API keys on disk)');
  const warm = await startServer(env, logFile);
  const server = warm.server;
  const url = server.url;
  const pid = server.child.pid ?? 0;

  await checkOneToken(url, apiKey);
  const signer = await serviceSigner(url);
  note(`the service signs with ${signer}`);

  note(`warm-up ${WARMUP} s`);
  await load({ url, apiKey, duration: WARMUP, prefix: 'w' });

  note(
    `ceiling before the load (openssl speed -multi ${CORES} -seconds ${CEILING_SECONDS}; node crypto.sign; the ${signer} signer)`,
  );
  const before = await ceiling(signer);

  note(`load: ${CONNECTIONS} connections, ${DURATION} s, distinct viewerId per request`);
  const cpuBefore = processTreeCpuSeconds(pid);
  const benchCpuBefore = process.cpuUsage();
  const machineBefore = machineBusySeconds();
  const throughput = await load({ url, apiKey, duration: DURATION, prefix: 't' });
  const cpuAfter = processTreeCpuSeconds(pid);
  const serverCpu = cpuAfter.all - cpuBefore.all;
  const serverMainCpu = cpuAfter.main - cpuBefore.main;
  const benchCpu = process.cpuUsage(benchCpuBefore);
  const othersDuringLoad =
    (machineBusySeconds() - machineBefore - serverCpu - (benchCpu.user + benchCpu.system) / 1e6) /
    throughput.seconds;

  note('ceiling after the load');
  const after = await ceiling(signer);

  const tokensPerSecond = throughput.ok / throughput.seconds;
  const rate = Math.max(1, Math.floor(tokensPerSecond / 2));
  note(`latency at a fixed ${rate} requests/s, ${WARMUP} s unmeasured, then ${DURATION} s`);
  const latencyOwnBefore = ownCpuSeconds(pid);
  const latencyMachineBefore = machineBusySeconds();
  const latency = await pacedLoad({ url, apiKey, warmup: WARMUP, duration: DURATION, rate });
  const othersDuringLatency =
    (machineBusySeconds() - latencyMachineBefore - (ownCpuSeconds(pid) - latencyOwnBefore)) / latency.seconds;
  const rss = processTreeRss(pid);

  const stopped = await server.stop();
  const logLines = (await readFile(logFile, 'utf8'))
    .split('\n')
    .filter((line) => line.includes('"msg":"request"')).length;

  note(
    `reference: bare node:http + the ${signer} signer (bench/reference-server.mjs), same load, then the ceiling again`,
  );
  const reference = await referenceLoad(env, signer);
  const afterReference = await ceiling(signer);

  note(
    `token reuse: TOKEN_REUSE_SECONDS=${REUSE_SECONDS}, one channel-wide body, then a batch of ${MULTIVIEW_CHANNELS}, ${DURATION} s each`,
  );
  const reuse = await reuseLoad(env, logFile, apiKey);

  const opensslMean = (before.openssl + after.openssl) / 2;
  const referenceCeiling = (after.openssl + afterReference.openssl) / 2;
  const reuseCeiling = (before.openssl + after.openssl + afterReference.openssl) / 3;
  // autocannon runs on the same cores: the share of them it used was not available for signing.
  const loadGeneratorCores = (benchCpu.user + benchCpu.system) / 1e6 / throughput.seconds;
  const nodeMean = (before.node + after.node) / 2;
  const signerMean = (before.signer + after.signer) / 2;
  const errors = throughput.errors + latency.errors;
  const result = {
    cores: CORES,
    cpu: cpus()[0]?.model ?? 'unknown',
    node: process.version,
    logLevel: LOG_LEVEL,
    logTo: 'file',
    connections: CONNECTIONS,
    durationSeconds: DURATION,
    ceilingBefore: round(before.openssl),
    ceilingAfter: round(after.openssl),
    nodeCeilingBefore: round(before.node),
    nodeCeilingAfter: round(after.node),
    signer,
    signerCeilingBefore: round(before.signer),
    signerCeilingAfter: round(after.signer),
    tokensPerSecond: round(tokensPerSecond),
    ratio: round(tokensPerSecond / opensslMean, 3),
    ratioRange: [
      round(tokensPerSecond / Math.max(before.openssl, after.openssl), 3),
      round(tokensPerSecond / Math.min(before.openssl, after.openssl), 3),
    ],
    ratioToNodeCeiling: round(tokensPerSecond / nodeMean, 3),
    ratioToSignerCeiling: round(tokensPerSecond / signerMean, 3),
    referenceTokensPerSecond: round(reference.tokensPerSecond),
    referenceRatio: round(reference.tokensPerSecond / referenceCeiling, 3),
    ceilingAfterReference: round(afterReference.openssl),
    serviceToReference: round(tokensPerSecond / reference.tokensPerSecond, 3),
    reuseSeconds: REUSE_SECONDS,
    reuseTokensPerSecond: round(reuse.single.ok / reuse.single.seconds),
    reuseTimesCeiling: round(reuse.single.ok / reuse.single.seconds / reuseCeiling, 2),
    reuseP99Ms: reuse.single.p99,
    reuseMultiviewChannels: MULTIVIEW_CHANNELS,
    reuseMultiviewTokensPerSecond: round(reuse.multiview.ok / reuse.multiview.seconds),
    reuseMultiviewTimesCeiling: round(reuse.multiview.ok / reuse.multiview.seconds / reuseCeiling, 2),
    reuseMultiviewP99Ms: reuse.multiview.p99,
    reuseSignatures: reuse.signatures,
    loadGeneratorCores: round(loadGeneratorCores, 2),
    ratioNetOfLoadGenerator: round(tokensPerSecond / (opensslMean * (1 - loadGeneratorCores / CORES)), 3),
    serverCpuMicrosPerToken: round((serverCpu * 1e6) / throughput.ok),
    serverMainThreadMicrosPerToken: round((serverMainCpu * 1e6) / throughput.ok),
    loadGeneratorCpuMicrosPerToken: round((benchCpu.user + benchCpu.system) / throughput.ok),
    nodeCpuMicrosPerSign: round((before.nodeCpuMicrosPerSign + after.nodeCpuMicrosPerSign) / 2),
    signerCpuMicrosPerSign: round((before.signerCpuMicrosPerSign + after.signerCpuMicrosPerSign) / 2),
    otherProcessesCoresDuringLoad: round(Math.max(0, othersDuringLoad), 2),
    otherProcessesCoresDuringLatency: round(Math.max(0, othersDuringLatency), 2),
    errors: errors + reference.errors + reuse.single.errors + reuse.multiview.errors,
    non2xx:
      throughput.non2xx + latency.non2xx + reference.non2xx + reuse.single.non2xx + reuse.multiview.non2xx,
    latencyRate: rate,
    latencyAchieved: round(latency.ok / latency.seconds),
    p50Ms: round(latency.p50, 2),
    p99Ms: round(latency.p99, 2),
    p999Ms: round(latency.p999, 2),
    p99AtFullLoadMs: throughput.p99,
    rssMb: round(rss.rss / 1024, 1),
    rssPeakMb: round(rss.hwm / 1024, 1),
    processes: rss.processes,
    startupColdMs: round(cold.ms),
    startupWarmMs: round(warm.ms),
    shutdownExitCode: stopped.code,
    requestLogLines: logLines,
    requests: throughput.ok + throughput.non2xx + latency.ok + latency.non2xx,
  };
  const pass = {
    ratio: result.ratio >= TARGETS.ratio,
    p99: result.p99Ms <= TARGETS.p99Ms,
    errors: result.errors === 0 && result.non2xx === 0,
    rss: result.rssMb <= TARGETS.rssMb,
    startup: result.startupColdMs <= TARGETS.startupMs && result.startupWarmMs <= TARGETS.startupMs,
    reuse: result.reuseTimesCeiling >= TARGETS.reuseTimesCeiling,
    reuseMultiview: result.reuseMultiviewTimesCeiling >= TARGETS.reuseTimesCeiling,
  };
  const mark = (ok: boolean) => (ok ? 'ok' : 'MISSED');
  const rows: [string, string, string][] = [
    ['machine', `${result.cores} cores, ${result.cpu}, node ${result.node}`, ''],
    ['server', `dist/main.js, KEY_STORE=file, LOG_LEVEL=${result.logLevel}, stdout to a file`, ''],
    [
      'ceiling: openssl speed -multi',
      `${result.ceilingBefore} before / ${result.ceilingAfter} after (signs/s)`,
      '',
    ],
    [
      'ceiling: node crypto.sign, all cores',
      `${result.nodeCeilingBefore} before / ${result.nodeCeilingAfter} after (signs/s)`,
      '',
    ],
    [
      `ceiling: the service's signer (${result.signer}), all cores`,
      `${result.signerCeilingBefore} before / ${result.signerCeilingAfter} after (signs/s)`,
      '',
    ],
    [
      'tokens/s, distinct viewerId',
      `${result.tokensPerSecond} (${result.connections} connections, ${result.durationSeconds} s)`,
      '',
    ],
    [
      '  ÷ openssl ceiling (mean; range)',
      `${result.ratio} (${result.ratioRange.join('–')})`,
      `${mark(pass.ratio)} ≥ ${TARGETS.ratio}`,
    ],
    ['  ÷ node ceiling (mean)', `${result.ratioToNodeCeiling}`, ''],
    [
      `  ÷ the service's signer's ceiling (${result.signer}, mean)`,
      `${result.ratioToSignerCeiling} (the rest of the CPU goes to HTTP and the load generator)`,
      '',
    ],
    [
      '  ÷ openssl ceiling less the load generator',
      `${result.ratioNetOfLoadGenerator} (autocannon used ${result.loadGeneratorCores} of ${CORES} cores)`,
      '',
    ],
    [
      '  CPU per token: server / load generator',
      `${result.serverCpuMicrosPerToken} µs (main threads ${result.serverMainThreadMicrosPerToken} µs) / ${result.loadGeneratorCpuMicrosPerToken} µs; a signature alone: ${result.signerCpuMicrosPerSign} µs ${result.signer}, ${result.nodeCpuMicrosPerSign} µs node crypto.sign`,
      '',
    ],
    [
      '  other processes on this machine',
      `${result.otherProcessesCoresDuringLoad} cores busy during the load, ${result.otherProcessesCoresDuringLatency} during the latency run (0 = quiet host)`,
      '',
    ],
    [
      `reference: bare node:http + the ${result.signer} signer`,
      `${result.referenceTokensPerSecond} tokens/s = ${result.referenceRatio} of openssl (${result.ceilingAfterReference} after it); the service reaches ${result.serviceToReference} of it`,
      '',
    ],
    [
      `token reuse (TOKEN_REUSE_SECONDS=${REUSE_SECONDS}), one channel-wide body`,
      `${result.reuseTokensPerSecond} tokens/s = ${result.reuseTimesCeiling}× the openssl ceiling; p99 ${result.reuseP99Ms} ms at full load`,
      `${mark(pass.reuse)} ≥ ${TARGETS.reuseTimesCeiling}×`,
    ],
    [
      `  the same, multiview batch of ${MULTIVIEW_CHANNELS} channel-wide tokens`,
      `${result.reuseMultiviewTokensPerSecond} tokens/s = ${result.reuseMultiviewTimesCeiling}× the openssl ceiling; p99 ${result.reuseMultiviewP99Ms} ms at full load; ${result.reuseSignatures} signatures in both runs`,
      `${mark(pass.reuseMultiview)} ≥ ${TARGETS.reuseTimesCeiling}×`,
    ],
    ['errors / non-2xx', `${result.errors} / ${result.non2xx}`, mark(pass.errors)],
    [
      'latency at half throughput',
      `p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms, p99.9 ${result.p999Ms} ms at ${result.latencyRate}/s (achieved ${result.latencyAchieved}/s, evenly paced, after ${WARMUP} s at that rate)`,
      `${mark(pass.p99)} p99 ≤ ${TARGETS.p99Ms} ms`,
    ],
    ['p99 at full load', `${result.p99AtFullLoadMs} ms`, ''],
    [
      'RSS after the load',
      `${result.rssMb} MB (peak ${result.rssPeakMb} MB, ${result.processes} process(es))`,
      `${mark(pass.rss)} ≤ ${TARGETS.rssMb} MB`,
    ],
    [
      'start-up to /readyz 200',
      `${result.startupColdMs} ms cold (new KEYS_DIR), ${result.startupWarmMs} ms warm`,
      `${mark(pass.startup)} ≤ ${TARGETS.startupMs} ms`,
    ],
    [
      'SIGTERM exit code; request log lines',
      `${result.shutdownExitCode}; ${result.requestLogLines} for ${result.requests} measured requests (+ warm-up)`,
      '',
    ],
  ];
  const widths = [0, 1, 2].map((column) => Math.max(...rows.map((row) => row[column]?.length ?? 0)));
  for (const row of rows) {
    process.stdout.write(
      `${row
        .map((cell, column) => cell.padEnd(widths[column] ?? 0))
        .join('  ')
        .trimEnd()}\n`,
    );
  }
  process.stdout.write(`${JSON.stringify({ ...result, pass })}\n`);
}

/** Starts dist/main.js and resolves once /readyz answers 200; `ms` is measured from spawn. */
async function startServer(
  env: Record<string, string>,
  logFile: string,
): Promise<{ server: Server; ms: number }> {
  const url = `http://${env['HOST']}:${env['PORT']}`;
  const log = await open(logFile, 'a');
  const started = performance.now();
  const child = spawn(process.execPath, ['dist/main.js'], {
    cwd: ROOT,
    env,
    stdio: ['ignore', log.fd, log.fd],
  });
  children.add(child);
  await log.close();
  let exited: number | null | undefined;
  child.once('exit', (code) => {
    exited = code;
    children.delete(child);
  });
  for (;;) {
    if (exited !== undefined)
      throw new Error(
        `server exited with ${exited} before it was ready; see its log:\n${await readFile(logFile, 'utf8')}`,
      );
    if ((await status(`${url}/readyz`)) === 200) break;
    if (performance.now() - started > 30_000) throw new Error('server was not ready within 30 s');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const ms = performance.now() - started;
  const server: Server = {
    child,
    url,
    stop: () =>
      new Promise((resolve) => {
        const stopAt = performance.now();
        if (exited !== undefined) return resolve({ code: exited, ms: 0 });
        child.once('exit', (code) => resolve({ code, ms: performance.now() - stopAt }));
        child.kill('SIGTERM');
      }),
  };
  return { server, ms };
}

function status(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request(url, { agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(0));
    req.end();
  });
}

function cli(args: string[], env: Record<string, string>): string {
  const result = spawnSync(process.execPath, ['dist/cli/main.js', ...args], {
    cwd: ROOT,
    env,
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`CLI ${args.join(' ')} failed: ${result.stderr}`);
  return result.stdout;
}

/** One token, verified against the service's own JWKS, so the load measures real work. */
async function checkOneToken(url: string, apiKey: string) {
  const response = await fetch(`${url}/v1/playback-tokens`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ channelArn: CHANNEL_ARN, viewerId: 'bench-check', ttlSeconds: 300 }),
  });
  if (response.status !== 201) throw new Error(`POST /v1/playback-tokens answered ${response.status}`);
  const { token } = (await response.json()) as { token: string };
  const jwks = (await (await fetch(`${url}/.well-known/jwks.json`)).json()) as Parameters<
    typeof createLocalJWKSet
  >[0];
  const { payload } = await jwtVerify(token, createLocalJWKSet(jwks), { algorithms: ['ES384'] });
  if (payload['aws:viewer-id'] !== 'bench-check') throw new Error('the token does not carry the viewer id');
}

interface LoadResult {
  readonly ok: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly seconds: number;
  readonly p50: number;
  readonly p99: number;
}

/** autocannon against POST /v1/playback-tokens; every request carries a viewerId never used before. */
async function load(options: {
  url: string;
  apiKey: string;
  duration: number;
  prefix: string;
  /** The same body for every request (token reuse) instead of a new viewerId each time. */
  body?: string;
  path?: string;
}): Promise<LoadResult> {
  let counter = 0;
  const head = `{"channelArn":"${CHANNEL_ARN}","ttlSeconds":300,"viewerId":"bench-${options.prefix}-`;
  const result = await autocannon({
    url: `${options.url}${options.path ?? '/v1/playback-tokens'}`,
    connections: CONNECTIONS,
    duration: options.duration,
    method: 'POST',
    headers: { authorization: `Bearer ${options.apiKey}`, 'content-type': 'application/json' },
    ...(options.body === undefined
      ? {
          requests: [
            {
              setupRequest: (req) => {
                counter++;
                return { ...req, body: `${head}${counter}"${viewerFields(counter)}}` };
              },
            },
          ],
        }
      : { body: options.body }),
  });
  return {
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    seconds: result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
  };
}

/**
 * An open-loop load at a fixed rate, evenly spaced (autocannon's own rate limit sends each
 * second's quota in a burst, which measures queueing, not latency at that rate). Latency runs from
 * writing the request to the end of the response; every request carries a new viewerId. The first
 * `warmup` seconds run at the same rate but are not measured: they open the client's connections
 * and warm its code, which would otherwise show up as server latency.
 */
async function pacedLoad(options: {
  url: string;
  apiKey: string;
  warmup: number;
  duration: number;
  rate: number;
}): Promise<LoadResult & { p999: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const target = new URL(`${options.url}/v1/playback-tokens`);
  const latencies: number[] = [];
  let non2xx = 0;
  let errors = 0;
  let sent = 0;
  let inFlight = 0;
  const send = () => {
    const body = `{"channelArn":"${CHANNEL_ARN}","ttlSeconds":300,"viewerId":"bench-l-${sent}"${viewerFields(sent)}}`;
    sent++;
    inFlight++;
    const startedAt = performance.now();
    const measured = startedAt >= measureFrom;
    const req = request(
      target,
      {
        method: 'POST',
        agent,
        headers: {
          authorization: `Bearer ${options.apiKey}`,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => {
          inFlight--;
          if (res.statusCode !== 201) non2xx++;
          else if (measured) latencies.push(performance.now() - startedAt);
        });
      },
    );
    req.on('error', () => {
      inFlight--;
      errors++;
    });
    req.end(body);
  };
  const total = options.warmup + options.duration;
  const started = performance.now();
  const measureFrom = started + options.warmup * 1000;
  const end = started + total * 1000;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      const due = Math.min(options.rate * total, Math.floor(((now - started) / 1000) * options.rate));
      while (sent < due) send();
      if (now < end) setTimeout(tick, 1);
      else resolve();
    };
    tick();
  });
  const drainDeadline = performance.now() + 10_000;
  while (inFlight > 0 && performance.now() < drainDeadline) await new Promise((r) => setTimeout(r, 5));
  const seconds = options.duration;
  agent.destroy();
  errors += inFlight;
  latencies.sort((a, b) => a - b);
  const at = (q: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? Number.NaN;
  return { ok: latencies.length, non2xx, errors, seconds, p50: at(0.5), p99: at(0.99), p999: at(0.999) };
}

/** bench/reference-server.mjs, signing as the service does, under the same warm-up and load. */
async function referenceLoad(
  env: Record<string, string>,
  signer: string,
): Promise<LoadResult & { tokensPerSecond: number }> {
  const port = await freePort();
  const child = spawn(process.execPath, [join(ROOT, 'bench/reference-server.mjs'), String(port), signer], {
    env: {
      PATH: env['PATH'] ?? '',
      ...(env['UV_THREADPOOL_SIZE'] ? { UV_THREADPOOL_SIZE: env['UV_THREADPOOL_SIZE'] } : {}),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.add(child);
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout.once('data', () => resolve());
      child.once('exit', (code) => reject(new Error(`reference server exited with ${code}`)));
    });
    const url = `http://127.0.0.1:${port}`;
    await load({ url, apiKey: 'unused', duration: WARMUP, prefix: 'rw' });
    const result = await load({ url, apiKey: 'unused', duration: DURATION, prefix: 'r' });
    return { ...result, tokensPerSecond: result.ok / result.seconds };
  } finally {
    child.kill('SIGKILL');
    children.delete(child);
  }
}

/**
 * The service with TOKEN_REUSE_SECONDS: every request after the first in a bucket gets the token
 * already signed. First one channel-wide body per request, then a multiview page's batch of
 * MULTIVIEW_CHANNELS channel-wide tokens per request. Counts the signatures from /metrics.
 */
async function reuseLoad(
  env: Record<string, string>,
  logFile: string,
  apiKey: string,
): Promise<{ single: LoadResult; multiview: LoadResult; signatures: number }> {
  const { server } = await startServer({ ...env, TOKEN_REUSE_SECONDS: String(REUSE_SECONDS) }, logFile);
  try {
    const url = server.url;
    const body = JSON.stringify({ channelArn: CHANNEL_ARN, ttlSeconds: 300 });
    const tokens = await Promise.all([1, 2].map(() => issueOnce(url, apiKey, body)));
    if (tokens[0] !== tokens[1])
      throw new Error('TOKEN_REUSE_SECONDS is set but two identical requests got different tokens');
    await load({ url, apiKey, duration: WARMUP, prefix: 'uw', body });
    const single = await load({ url, apiKey, duration: DURATION, prefix: 'u', body });

    const batch = JSON.stringify({
      requests: Array.from({ length: MULTIVIEW_CHANNELS }, (_, index) => ({
        channelArn: `${CHANNEL_ARN.slice(0, -1)}${index}`,
        ttlSeconds: 300,
      })),
    });
    const path = '/v1/playback-tokens/batch';
    await load({ url, apiKey, duration: WARMUP, prefix: 'mw', body: batch, path });
    const multiview = await load({ url, apiKey, duration: DURATION, prefix: 'm', body: batch, path });

    const metrics = await (await fetch(`${url}/metrics`)).text();
    const count = (outcome: string) =>
      Number(new RegExp(`playback_tokens_issued_total\\{outcome="${outcome}"\\} (\\d+)`).exec(metrics)?.[1]);
    // A batch answers 200 even when items fail: refused items show only in the outcome counts.
    const refusedItems = count('rejected') + count('failed');
    return {
      single,
      multiview: {
        ...multiview,
        ok: multiview.ok * MULTIVIEW_CHANNELS,
        errors: multiview.errors + refusedItems,
      },
      signatures: count('issued'),
    };
  } finally {
    await server.stop();
  }
}

async function issueOnce(url: string, apiKey: string, body: string): Promise<string> {
  const response = await fetch(`${url}/v1/playback-tokens`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body,
  });
  if (response.status !== 201) throw new Error(`POST /v1/playback-tokens answered ${response.status}`);
  return ((await response.json()) as { token: string }).token;
}

/** openssl speed, node:crypto on every core, and the service's own signer on every core. */
async function ceiling(signer: string): Promise<{
  openssl: number;
  node: number;
  nodeCpuMicrosPerSign: number;
  signer: number;
  signerCpuMicrosPerSign: number;
}> {
  const openssl = await capture('openssl', [
    'speed',
    '-multi',
    String(CORES),
    '-seconds',
    String(CEILING_SECONDS),
    'ecdsap384',
  ]);
  const match = /ecdsa \(nistp384\)\s+\S+\s+\S+\s+([\d.]+)/.exec(openssl);
  if (!match?.[1]) throw new Error(`could not read openssl speed's output:\n${openssl}`);
  const rate = async (name: string) =>
    JSON.parse(
      await capture(process.execPath, [join(ROOT, 'bench/sign-ceiling.mjs'), String(CEILING_SECONDS), name]),
    ) as { signsPerSecond: number; cpuMicrosPerSign: number };
  const node = await rate('openssl');
  const own = signer === 'openssl' ? node : await rate(signer);
  return {
    openssl: Number(match[1]),
    node: node.signsPerSecond,
    nodeCpuMicrosPerSign: node.cpuMicrosPerSign,
    signer: own.signsPerSecond,
    signerCpuMicrosPerSign: own.cpuMicrosPerSign,
  };
}

/** The signer the running service chose (SIGNER), from its signer_info metric. */
async function serviceSigner(url: string): Promise<string> {
  const metrics = await (await fetch(`${url}/metrics`)).text();
  const signer = /signer_info\{signer="([a-z]+)"\} 1/.exec(metrics)?.[1];
  if (!signer) throw new Error('the service exports no signer_info metric');
  return signer;
}

function capture(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'ignore'] });
    children.add(child);
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      children.delete(child);
      if (code === 0) resolve(out);
      else reject(new Error(`${command} exited with ${code}`));
    });
  });
}

/** The process and its descendants (cluster workers), from /proc. */
function processTree(pid: number): number[] {
  const parents = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readProc(`/proc/${entry}/stat`);
    const ppid = Number(stat?.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    parents.set(ppid, [...(parents.get(ppid) ?? []), Number(entry)]);
  }
  const tree = [pid];
  for (let index = 0; index < tree.length; index++) tree.push(...(parents.get(tree[index] ?? -1) ?? []));
  return tree;
}

/**
 * User + system CPU seconds of the server's process tree: all threads (libuv pool, V8 helpers
 * included), and the main threads alone (where the event loop, express and JSON run).
 */
function processTreeCpuSeconds(pid: number): { all: number; main: number } {
  let all = 0;
  let main = 0;
  for (const id of processTree(pid)) {
    all += cpuTicks(`/proc/${id}/stat`);
    main += cpuTicks(`/proc/${id}/task/${id}/stat`);
  }
  return { all: all / CLOCK_TICKS, main: main / CLOCK_TICKS };
}

/** CPU seconds of the server's process tree and of this process (the load generator). */
function ownCpuSeconds(pid: number): number {
  const bench = process.cpuUsage();
  return processTreeCpuSeconds(pid).all + (bench.user + bench.system) / 1e6;
}

/** CPU seconds the whole machine spent busy (every process, /proc/stat). */
function machineBusySeconds(): number {
  const fields =
    (readProc('/proc/stat') ?? '').split('\n')[0]?.trim().split(/\s+/).slice(1).map(Number) ?? [];
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields;
  return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS;
}

function cpuTicks(statPath: string): number {
  const fields = readProc(statPath)?.split(') ')[1]?.split(' ') ?? [];
  return Number(fields[11] ?? 0) + Number(fields[12] ?? 0);
}

function processTreeRss(pid: number): { rss: number; hwm: number; processes: number } {
  const tree = processTree(pid);
  let rss = 0;
  let hwm = 0;
  for (const id of tree) {
    const text = readProc(`/proc/${id}/status`) ?? '';
    rss += Number(/VmRSS:\s+(\d+)/.exec(text)?.[1] ?? 0);
    hwm += Number(/VmHWM:\s+(\d+)/.exec(text)?.[1] ?? 0);
  }
  return { rss, hwm, processes: tree.length };
}

function readProc(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

function round(value: number, digits = 0): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

function fail(error: unknown): never {
  for (const child of children) child.kill('SIGKILL');
  process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}

process.once('SIGINT', () => fail(new Error('interrupted')));
main().then(
  () => process.exit(0),
  (error) => fail(error),
);
