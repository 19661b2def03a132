import type { IncomingMessage, ServerResponse } from 'node:http';
import { inspect } from 'node:util';

/**
 * Secret-leak scan over one test file: every entry a RecordingLogger receives, every response
 * the app of buildTestApp sends, everything a CLI run prints and every span export the test OTLP
 * receiver takes in is scanned the moment it exists (so nothing is kept alive and a
 * test that clears its logger cannot hide an entry). `leak-scan.setup.ts` fails the file in
 * `afterAll` when anything was found.
 */

export interface LeakFinding {
  readonly source: 'log' | 'response' | 'cli' | 'span';
  readonly rule: string;
  /** Where it was found: the log level and message, or the response status. */
  readonly where: string;
  /** A short, masked excerpt: enough to find the culprit, never the whole secret. */
  readonly excerpt: string;
}

interface Rule {
  readonly name: string;
  readonly pattern: RegExp;
}

/** A private key in any form the service could hold one: PEM, DER in base64, or a JWK. */
const PRIVATE_KEY_RULES: readonly Rule[] = [
  { name: 'private key PEM marker', pattern: /PRIVATE KEY/ },
  // PKCS#8 body: SEQUENCE { INTEGER 0, SEQUENCE { OID … } } — "MIG2AgEAMBAG…" for P-384.
  { name: 'PKCS#8 private key body', pattern: /MI[A-Za-z0-9+/]{2}AgEAM|MII[A-Za-z0-9+/]{3}IBADAN/ },
  // SEC1 EC body: SEQUENCE { INTEGER 1, OCTET STRING d } — "MIGkAgEBBDA…" for P-384.
  { name: 'SEC1 EC private key body', pattern: /M[A-Za-z0-9+/]{2,3}(?:AgEBBD|CAQEEI)/ },
  { name: 'private key PEM in base64', pattern: /LS0tLS1CRUdJTiB(?:QUklWQVRFIEtFWS|FQyBQUklWQVRFIEtFWS)/ },
  { name: 'private JWK (d)', pattern: /"d"\s*:\s*"[A-Za-z0-9_-]{40,}"/ },
];

/** What may be returned to a caller but never logged. */
const LOG_ONLY_RULES: readonly Rule[] = [
  { name: 'API key', pattern: /ipa_[0-9a-f]{12}_[A-Za-z0-9_-]{43}/ },
  { name: 'JWT', pattern: /eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{20,}/ },
  { name: 'API key hash (sha256 field)', pattern: /"sha256"\s*:/ },
];

/**
 * Routes whose answers describe a secret they were given and must never repeat it: an inspection is
 * sent a live token (and perhaps, by mistake, an API key or a private key) and answers with what it
 * found, so its responses are held to the log rules too.
 */
const NO_ECHO_PATHS: readonly string[] = ['/v1/playback-tokens/inspect'];

const state = { logLines: 0, responses: 0, spanExports: 0, findings: [] as LeakFinding[] };

export function leakScanReport(): {
  readonly logLines: number;
  readonly responses: number;
  readonly spanExports: number;
  readonly findings: readonly LeakFinding[];
} {
  return {
    logLines: state.logLines,
    responses: state.responses,
    spanExports: state.spanExports,
    findings: [...state.findings],
  };
}

function scan(text: string, rules: readonly Rule[], source: LeakFinding['source'], where: string): void {
  for (const rule of rules) {
    const match = rule.pattern.exec(text);
    if (!match) continue;
    const start = Math.max(0, match.index - 40);
    const excerpt = `${text.slice(start, match.index)}${match[0].slice(0, 12)}…`.replace(/\s+/g, ' ');
    state.findings.push({ source, rule: rule.name, where, excerpt });
  }
}

/** What a JSON logger would write, plus what JSON.stringify hides: error causes, stacks, buffers. */
function logText(entry: unknown): string {
  try {
    return JSON.stringify(entry, (_key, value: unknown) => {
      if (value instanceof Error) {
        return { ...value, name: value.name, message: value.message, stack: value.stack, cause: value.cause };
      }
      if (value instanceof Uint8Array) return Buffer.from(value).toString('utf8');
      if (typeof value === 'bigint') return value.toString();
      if (value instanceof Map) return Object.fromEntries(value);
      if (value instanceof Set) return [...value];
      return value;
    });
  } catch {
    return inspect(entry, { depth: 20, breakLength: Number.POSITIVE_INFINITY });
  }
}

/** Called by RecordingLogger's constructor: every entry it is given is scanned as it arrives. */
export function registerRecordingLogger(logger: { readonly entries: unknown[] }): void {
  const entries = logger.entries;
  Object.defineProperty(entries, 'push', {
    configurable: true,
    writable: true,
    enumerable: false,
    value(...items: unknown[]): number {
      for (const item of items) {
        state.logLines += 1;
        const { level, message } = (item ?? {}) as { level?: unknown; message?: unknown };
        scan(logText(item), [...PRIVATE_KEY_RULES, ...LOG_ONLY_RULES], 'log', `${level} "${message}"`);
      }
      return Array.prototype.push.apply(entries, items);
    },
  });
}

/**
 * Called by runCli with everything a CLI run printed. Its stdout is the command's result, which may
 * rightly be a new API key or a token; its stderr (logs and error messages) may hold no secret.
 */
export function scanCliOutput(
  run: { readonly stdout: string; readonly stderr: string },
  where: string,
): void {
  scan(run.stderr, [...PRIVATE_KEY_RULES, ...LOG_ONLY_RULES], 'cli', `stderr of ${where}`);
  scan(run.stdout, PRIVATE_KEY_RULES, 'cli', `stdout of ${where}`);
}

/**
 * Output that must hold no secret at all, not even one a caller may rightly receive: what a server
 * process logged, or what it exports at /metrics (label values come from requests and errors).
 */
export function scanSecretFreeText(text: string, where: string): void {
  scan(text, [...PRIVATE_KEY_RULES, ...LOG_ONLY_RULES], 'log', where);
}

/**
 * Called by the test OTLP receiver with every export request it takes in (JSON, or protobuf, whose
 * strings are plain UTF-8 in the bytes). Spans are shipped and kept like logs: no secret may be in
 * one (private keys, API keys, tokens), nor, when the test names them, its viewer ids.
 */
export function scanExportedSpans(body: Buffer, where: string, forbidden: readonly string[] = []): void {
  state.spanExports += 1;
  const text = body.toString('latin1');
  scan(text, [...PRIVATE_KEY_RULES, ...LOG_ONLY_RULES], 'span', where);
  for (const value of forbidden) {
    const index = value === '' ? -1 : text.indexOf(value);
    if (index >= 0) {
      state.findings.push({
        source: 'span',
        rule: 'a value the test named as secret',
        where,
        excerpt: `${text.slice(Math.max(0, index - 40), index).replace(/[^\x20-\x7e]/g, '.')}${value.slice(0, 4)}…`,
      });
    }
  }
}

function toBuffer(chunk: unknown, encoding: unknown): Buffer | undefined {
  if (typeof chunk === 'string') {
    return Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
  }
  return chunk instanceof Uint8Array ? Buffer.from(chunk) : undefined;
}

function recordResponse(res: ServerResponse): void {
  const chunks: Buffer[] = [];
  const write = res.write;
  const end = res.end;
  res.write = function (this: ServerResponse, chunk: unknown, ...rest: unknown[]) {
    const buffer = toBuffer(chunk, rest[0]);
    if (buffer) chunks.push(buffer);
    return (write as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
  } as ServerResponse['write'];
  res.end = function (this: ServerResponse, chunk?: unknown, ...rest: unknown[]) {
    const buffer = toBuffer(chunk, rest[0]);
    if (buffer) chunks.push(buffer);
    return (end as (...args: unknown[]) => ServerResponse).call(this, chunk, ...rest);
  } as ServerResponse['end'];
  res.once('finish', () => {
    state.responses += 1;
    const text = `${res.statusCode} ${JSON.stringify(res.getHeaders())}\n${Buffer.concat(chunks).toString('utf8')}`;
    const path = res.req?.url ?? '';
    const rules = NO_ECHO_PATHS.some((prefix) => path.startsWith(prefix))
      ? [...PRIVATE_KEY_RULES, ...LOG_ONLY_RULES]
      : PRIVATE_KEY_RULES;
    scan(text, rules, 'response', `status ${res.statusCode} of ${path.split('?')[0]}`);
  });
}

/** Wraps a request listener (the express app) so that every response it sends is scanned. */
export function recordResponses<App extends (req: IncomingMessage, res: ServerResponse) => unknown>(
  app: App,
): App {
  return new Proxy(app, {
    apply(target, thisArg, args: unknown[]) {
      recordResponse(args[1] as ServerResponse);
      return Reflect.apply(target, thisArg, args);
    },
  });
}
