import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createPlaybackOracle, type PlaybackAttempt, type PlaybackDecision } from '../playback-oracle.js';
import { standInCredentials } from './credentials.js';
import { createFaults, type Faults } from './faults.js';
import { IvsAccount } from './ivs-account.js';
import { createIvsEndpoint } from './ivs-protocol.js';
import type { IvsState } from './ivs-state.js';
import { handleOracleRequest, isOracleRequest } from './oracle-route.js';
import { isRegionName } from './regions.js';
import { handleRequest } from './request-pipeline.js';
import { createSecretsManagerEndpoint } from './secrets-manager-protocol.js';
import { type SecretsState, SecretsStore } from './secrets-state.js';
import type { IncomingRequest, RecordedRequest } from './types.js';

export interface AwsStandInOptions {
  /** 0 (the default) picks a free port. */
  readonly port?: number;
  /** A loopback address only; default 127.0.0.1. */
  readonly host?: string;
  /**
   * Default 'us-west-2': the region `env()` names, Secrets Manager's only region, and the region of
   * `ivs`. IVS answers every region (see `ivsIn`).
   */
  readonly region?: string;
  /** Twelve digits; default '123456789012'. */
  readonly accountId?: string;
  /** Stamps createdDate, importedAt, history and request times; default: the system clock. */
  readonly clock?: () => Date;
  /** Called after each request is recorded (the cli logs with it). */
  readonly onRequest?: (request: RecordedRequest) => void;
}

/** A running local stand-in for Amazon IVS and AWS Secrets Manager. */
export interface AwsStandIn {
  /** Base URL for both services, e.g. 'http://127.0.0.1:43123'. */
  readonly endpoint: string;
  readonly region: string;
  readonly accountId: string;
  /**
   * Env vars for a child process or for loadConfig: AWS_ENDPOINT_URL_IVS,
   * AWS_ENDPOINT_URL_SECRETS_MANAGER, AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY.
   */
  env(): Record<string, string>;
  /** The IVS account in `region` (the default region's view is `ivs`). */
  readonly ivs: IvsState;
  /**
   * The IVS account in any region: what requests signed for that region see. Throws a TypeError
   * for a malformed region name.
   */
  ivsIn(region: string): IvsState;
  /** Regions whose IVS state holds anything (key pairs, channels, revocations), sorted. */
  ivsRegions(): string[];
  /**
   * The playback oracle: would the IVS playback edge play this request now? Reads the IVS state of
   * the channel's region; a single-use token that plays is used up. Over HTTP: `POST /_oracle/play`.
   */
  play(attempt: PlaybackAttempt): PlaybackDecision;
  readonly secrets: SecretsState;
  readonly faults: Faults;
  /** Every request received, in arrival order (a copy). */
  readonly requests: ReadonlyArray<RecordedRequest>;
  /** Requests refused as invalid: validation errors, bad SigV4 headers, unknown operations. */
  rejected(): RecordedRequest[];
  /** Forgets all state (every region), faults, recorded requests and played single-use tokens; the endpoint stays the same. */
  reset(): void;
  close(): Promise<void>;
}

/** Requests larger than this are cut off: no valid request to either service comes close. */
const maxBodyBytes = 4 * 1024 * 1024;

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBodyBytes) {
        request.destroy();
        reject(new Error(`request body larger than ${maxBodyBytes} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

function toIncomingRequest(request: IncomingMessage, body: Buffer): IncomingRequest {
  const url = request.url ?? '/';
  const queryStart = url.indexOf('?');
  return {
    method: request.method ?? 'GET',
    rawPath: queryStart === -1 ? url : url.slice(0, queryStart),
    rawQuery: queryStart === -1 ? '' : url.slice(queryStart + 1),
    headers: request.headers,
    body,
  };
}

/**
 * Starts the stand-in on a loopback port. Point the SDK clients at `endpoint` (or pass `env()` to a
 * child process) with the credentials `env()` returns: the stand-in verifies SigV4 signatures.
 */
export async function startAwsStandIn(options: AwsStandInOptions = {}): Promise<AwsStandIn> {
  const host = options.host ?? '127.0.0.1';
  const region = options.region ?? 'us-west-2';
  const accountId = options.accountId ?? '123456789012';
  const clock = options.clock ?? (() => new Date());
  if (!isLoopback(host)) throw new TypeError(`aws-stand-in listens on loopback only, not ${host}`);
  if (!isRegionName(region)) throw new TypeError(`not an AWS region name: ${region}`);
  if (!/^\d{12}$/.test(accountId)) throw new TypeError(`an AWS account id is 12 digits, not ${accountId}`);

  const ivsAccount = new IvsAccount(accountId, clock);
  const secrets = new SecretsStore(region, accountId, clock);
  const faults = createFaults();
  const oracle = createPlaybackOracle({
    region: (name) => ivsAccount.in(name),
    regionsInUse: () => ivsAccount.regionsInUse(),
    clock,
  });
  const recorded: RecordedRequest[] = [];
  const endpoints = [createSecretsManagerEndpoint(secrets, clock, region), createIvsEndpoint(ivsAccount)];
  const deps = {
    endpoints,
    clock,
    decideFault: faults.decide,
    record(request: RecordedRequest) {
      recorded.push(request);
      options.onRequest?.(request);
    },
  };

  const server = createServer((request, response) => {
    readBody(request)
      .then((body) => {
        const incoming = toIncomingRequest(request, body);
        // The oracle is test equipment beside the AWS APIs: unsigned, and not recorded.
        if (isOracleRequest(incoming))
          return { kind: 'reply' as const, reply: handleOracleRequest(incoming, oracle) };
        return handleRequest(incoming, deps);
      })
      .then((outcome) => {
        if (outcome.kind === 'drop') {
          request.socket.destroy();
          return;
        }
        if (response.destroyed) return;
        response.writeHead(outcome.reply.status, outcome.reply.headers);
        response.end(outcome.reply.body);
      })
      .catch(() => {
        request.socket.destroy();
      });
  });
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  return {
    endpoint,
    region,
    accountId,
    env() {
      return {
        AWS_ENDPOINT_URL_IVS: endpoint,
        AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoint,
        AWS_REGION: region,
        AWS_ACCESS_KEY_ID: standInCredentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: standInCredentials.secretAccessKey,
      };
    },
    ivs: ivsAccount.in(region),
    ivsIn: (name) => ivsAccount.in(name),
    ivsRegions: () => ivsAccount.regionsInUse(),
    play: (attempt) => oracle.play(attempt),
    secrets,
    faults,
    get requests() {
      return [...recorded];
    },
    rejected() {
      return recorded.filter((request) => request.rejectedFor !== undefined);
    },
    reset() {
      ivsAccount.reset();
      oracle.reset();
      secrets.reset();
      faults.clear();
      recorded.length = 0;
    },
    close() {
      return new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Keep-alive connections from SDK clients would hold close() open; end them now.
        for (const socket of sockets) socket.destroy();
      });
    },
  };
}
