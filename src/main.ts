import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import type { Express } from 'express';
import { createPinoLogger } from './adapters/logging/pino-logger.js';
import type { Tracing } from './adapters/telemetry/open-telemetry.js';
import { type Config, ConfigError, loadConfig } from './config.js';
import { SCOPES } from './domain/api-keys.js';
import { isServiceError } from './domain/errors.js';
import type { Clock, Logger } from './domain/ports.js';
import { buildHttpApp } from './http/build-http-app.js';
import { createRuntime, type Runtime } from './runtime.js';
import { createApiKey } from './services/api-key-factory.js';
import { every } from './services/periodic.js';
import { describeStartupFailure } from './startup-failure.js';

export interface RunningService {
  /** e.g. `http://127.0.0.1:8080` */
  readonly url: string;
  readonly runtime: Runtime;
  /** Resolves once a current key is loaded (the service is ready). */
  readonly ready: Promise<void>;
  /** Graceful stop: readiness turns false, new connections are refused, in-flight requests finish. */
  close(): Promise<void>;
}

export interface StartOptions {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly logger?: Logger;
  /**
   * Where one-time notices for the person at the terminal go (the development API key). Kept apart
   * from the JSON log on purpose: logs are shipped and kept; this is shown once and gone.
   */
  readonly announce?: (text: string) => void;
  readonly clock?: Clock;
}

/**
 * Loads the configuration, wires the service, listens, and keeps keys and API keys fresh:
 * runtime → HTTP app → listen → API keys (a development key on a first local start, shown with the
 * address actually bound) → background jobs → first key. `close` undoes them in reverse.
 */
export async function startService(options: StartOptions): Promise<RunningService> {
  const config = loadConfig(options.env, 'server');
  // The pino logger's mixin reads the tracing set up next; both exist only when tracing is on.
  let tracing: Tracing | undefined;
  const logger =
    options.logger ??
    createPinoLogger({
      level: config.logLevel,
      mixin: config.tracing ? () => tracing?.logFields() ?? {} : undefined,
    });
  tracing = config.tracing ? await startTracing(config, logger) : undefined;
  let runtime: Runtime;
  let server: Server;
  let shuttingDown = false;
  try {
    runtime = await createRuntime(config, {
      logger,
      tracing,
      ...(options.clock ? { clock: options.clock } : {}),
    });
    const app = buildHttpApp(runtime, { isShuttingDown: () => shuttingDown, tracer: tracing?.requests });
    // Listen first: a port already in use stops the start before a development key is made and shown.
    server = await listen(app, config);
  } catch (error) {
    await tracing?.shutdown();
    throw error;
  }
  harden(server, () => shuttingDown);
  const url = urlOf(server);
  try {
    await loadApiKeys(
      runtime,
      url,
      options.announce ?? ((text: string) => process.stderr.write(`${text}\n`)),
    );
  } catch (error) {
    await new Promise((resolve) => server.close(resolve));
    await tracing?.shutdown();
    throw error;
  }
  logger.info(
    {
      url,
      mode: config.mode,
      keyStore: runtime.store.kind,
      registry: runtime.registries[0]?.kind,
      regions: runtime.servedRegions ?? 'any',
      signer: runtime.signing.description,
      ...(config.policiesFile === undefined ? {} : { policiesFile: config.policiesFile }),
      ...(runtime.restrictionPolicies ? { restrictionPolicies: 'enforce' } : {}),
      ...(runtime.countries ? { countryDatabase: runtime.countries.description } : {}),
      tracing: tracing?.description ?? 'off',
    },
    'listening',
  );

  const inSpan = <T>(name: string, job: () => Promise<T>) => (tracing ? tracing.inSpan(name, job) : job());
  const stopJobs = startBackgroundJobs(runtime, inSpan);
  const ready = inSpan('load the signing key', () => initialiseKeys(runtime, () => shuttingDown)).then(() => {
    const keyId = runtime.keyCache.status().currentKeyId;
    if (keyId) logger.info({ keyId }, 'ready to issue tokens');
  });
  ready.catch((error) => logger.error({ err: describeError(error) }, 'could not load a signing key'));

  return {
    url,
    runtime,
    ready,
    async close() {
      if (shuttingDown) return;
      shuttingDown = true;
      stopJobs();
      // A first start still creating the key finishes its current step, so nothing writes after close.
      await ready.catch(() => {});
      await drainAndClose(server, config, logger);
      // The last requests' spans are sent before the process goes.
      await tracing
        ?.shutdown()
        .catch((error: unknown) =>
          logger.warn({ err: describeError(error) }, 'tracing: could not send the last spans'),
        );
    },
  };
}

/**
 * OpenTelemetry, loaded only now that the configuration asks for it: with tracing off, no module of
 * it is imported, so it costs nothing.
 */
async function startTracing(config: Config, logger: Logger): Promise<Tracing | undefined> {
  if (config.tracing === undefined) return undefined;
  const { startTracing: start } = await import('./adapters/telemetry/open-telemetry.js');
  return start(config.tracing, { logger });
}

/**
 * Loads the API keys; the first load fails with the store's own error (a corrupt file must not look
 * like an empty one). A first start in local mode with no key creates a development key with every
 * scope and shows it once, on the terminal.
 */
async function loadApiKeys(runtime: Runtime, url: string, announce: (text: string) => void): Promise<void> {
  const { authenticator, config, logger } = runtime;
  await authenticator.reload();
  if (config.mode === 'local' && authenticator.size() === 0) {
    const { key, record } = await createApiKey(
      { store: runtime.apiKeyStore, clock: runtime.clock },
      { scopes: SCOPES, name: 'development key (created on first start)' },
    );
    await authenticator.reload();
    logger.info(
      { apiKeyId: record.id, apiKeysFile: config.apiKeysFile },
      'created a development API key with all scopes',
    );
    announce(
      [
        '',
        'Development API key (all scopes), shown only this once; only its SHA-256 is stored:',
        '',
        `  ${key}`,
        '',
        `Try: curl -s -X POST ${url}/v1/playback-tokens \\`,
        `       -H "Authorization: Bearer ${key}" -H 'Content-Type: application/json' \\`,
        `       -d '{"channelArn": "arn:aws:ivs:us-west-2:123456789012:channel/AbCdEf123456"}'`,
        '',
      ].join('\n'),
    );
  }
  if (authenticator.size() === 0) {
    throw new ConfigError([
      `no API keys in ${config.apiKeysFile}; create one with \`ivs-playback-auth api-keys create --scope tokens:issue\``,
    ]);
  }
}

async function listen(app: Express, config: Config): Promise<Server> {
  const server = app.listen(config.port, config.host);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  return server;
}

/** Socket-level behaviour express does not cover: unparsable requests, shutdown, timeouts. */
function harden(server: Server, isShuttingDown: () => boolean): void {
  // Requests Node cannot parse never reach express; answer them in the same error shape.
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
    const body = JSON.stringify({
      code: 'INVALID_REQUEST',
      message: tooLarge ? 'the request headers are too large' : 'the request is not valid HTTP/1.1',
      requestId: randomUUID(),
    });
    socket.end(
      `HTTP/1.1 ${tooLarge ? '431 Request Header Fields Too Large' : '400 Bad Request'}\r\n` +
        `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `Connection: close\r\n\r\n${body}`,
    );
  });
  // Prepended, so it runs before express has answered.
  server.prependListener('request', (_req, res) => {
    if (isShuttingDown()) res.setHeader('Connection', 'close');
  });
  // Longer than common load-balancer idle timeouts, so the balancer closes idle connections first.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.requestTimeout = 30_000;
}

function urlOf(server: Server): string {
  const address = server.address() as AddressInfo;
  return `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
}

/**
 * Key refresh, API key reload and the janitor; returns the function that stops them. The region
 * check and the janitor run in spans of their own when tracing is on (their AWS calls are their
 * children); the key refresh, one DescribeSecret every few seconds, is not traced.
 */
function startBackgroundJobs(
  runtime: Runtime,
  inSpan: <T>(name: string, job: () => Promise<T>) => Promise<T>,
): () => void {
  const { config, keyCache, authenticator, logger } = runtime;
  const stops = [
    every(
      config.keyRefreshSeconds * 1000,
      () => keyCache.refresh(),
      (error) =>
        logger.warn(
          { err: describeError(error) },
          'could not re-read signing keys; signing with the cached key',
        ),
    ),
    // What each served region holds, so tokens are refused where IVS would refuse them.
    every(
      config.regionCheckSeconds * 1000,
      () => inSpan('check regions', () => runtime.coverage.refresh()),
      () => {},
    ),
    // A failed reload keeps the last good API keys and logs why (the authenticator does).
    every(
      config.apiKeysReloadSeconds * 1000,
      () => authenticator.reload(),
      () => {},
    ),
  ];
  const { access } = runtime;
  if (access && config.policiesFile !== undefined) {
    // A changed policies file takes effect within this interval; one with problems is reported once
    // and the rules loaded before stay in force (the access policies log why).
    stops.push(
      every(
        config.policiesReloadSeconds * 1000,
        () => access.reload(),
        () => {},
      ),
    );
  }
  stops.push(() => runtime.countries?.close?.());
  if (config.janitorSeconds > 0) {
    stops.push(
      every(
        config.janitorSeconds * 1000,
        () =>
          inSpan('janitor', async () => {
            const steps = await runtime.rotator.cleanUp();
            if (steps.length > 0) logger.info({ steps }, 'janitor retired drained keys');
          }),
        (error) => logger.warn({ err: describeError(error) }, 'janitor could not clean up keys; will retry'),
      ),
    );
  }
  return () => {
    for (const stop of stops) stop();
  };
}

/**
 * Keeps serving while load balancers notice /readyz failing and stop sending traffic (every
 * response now says Connection: close, so clients stop reusing sockets that will go away), then
 * lets in-flight requests finish, up to the shutdown timeout.
 */
async function drainAndClose(server: Server, config: Config, logger: Logger): Promise<void> {
  if (config.shutdownDelaySeconds > 0) {
    logger.info({ seconds: config.shutdownDelaySeconds }, 'draining before close');
    await new Promise((resolve) => setTimeout(resolve, config.shutdownDelaySeconds * 1000));
  }
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const deadline = setTimeout(() => server.closeAllConnections(), config.shutdownTimeoutSeconds * 1000);
  await closed;
  clearTimeout(deadline);
  logger.info({}, 'stopped');
}

/**
 * Creates the first key when there is none (first start), then loads it. Two replicas starting at
 * once contend for the rotation lock; the loser waits for the winner's key instead of failing.
 */
async function initialiseKeys(runtime: Runtime, stopping: () => boolean): Promise<void> {
  for (let attempt = 1; !stopping(); attempt++) {
    try {
      const created = await runtime.rotator.ensureCurrentKey();
      if (created) runtime.logger.info({ keyId: created.currentKeyId }, 'created the first signing key');
      await runtime.keyCache.refresh();
      if (runtime.keyCache.status().currentKeyId) {
        await publishInEveryRegion(runtime);
        return;
      }
    } catch (error) {
      // /readyz shows why; the log line names the AWS operation and error (never the SDK's text).
      runtime.keyCache.recordFailure(error);
      if (
        !isServiceError(error) ||
        !['ROTATION_IN_PROGRESS', 'DEPENDENCY_UNAVAILABLE'].includes(error.code) ||
        attempt >= 30
      ) {
        throw error;
      }
      runtime.logger.warn(
        { attempt, ...error.details, code: error.code, reason: error.message },
        'waiting for the signing key',
      );
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(1000 * attempt, 5000)));
  }
}

/**
 * Imports the current key (and a draining previous one) into served regions that lack it, such as
 * a region just added to IVS_REGIONS, then reads every region: until a region is known to hold the
 * key, tokens for its channels are refused with 503 rather than issued unplayable. Best effort: the
 * janitor and the region check try again on their timers.
 */
async function publishInEveryRegion(runtime: Runtime): Promise<void> {
  try {
    const steps = await runtime.rotator.cleanUp();
    if (steps.length > 0) runtime.logger.info({ steps }, 'published the signing key in every served region');
  } catch (error) {
    runtime.logger.warn(
      { err: describeError(error) },
      'could not publish the signing key in every served region yet; will retry',
    );
  }
  await runtime.coverage.refresh();
}

function describeError(error: unknown): unknown {
  return isServiceError(error) ? { code: error.code, message: error.message, ...error.details } : error;
}

/** Runs the server until SIGTERM/SIGINT; used by `npm start`, the container and `ivs-playback-auth serve`. */
export async function runServer(env: Readonly<Record<string, string | undefined>>): Promise<void> {
  let service: RunningService;
  try {
    service = await startService({ env });
  } catch (error) {
    const failure = describeStartupFailure(error);
    if (failure) {
      process.stderr.write(`ivs-playback-auth: ${failure.message}\n`);
      process.exit(failure.exitCode);
    }
    throw error;
  }
  const stop = (signal: string) => {
    service.runtime.logger.info({ signal }, 'shutting down');
    service.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runServer(process.env);
}
