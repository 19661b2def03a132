import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { scanExportedSpans } from './leak-scan.js';

/** One span as OTLP/HTTP JSON carries it, flattened with its resource's service name. */
export interface ReceivedSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string | undefined;
  readonly name: string;
  /** OTLP's SpanKind: 1 internal, 2 server, 3 client. */
  readonly kind: number;
  readonly attributes: Readonly<Record<string, string | number | boolean>>;
  readonly status: { readonly code?: number; readonly message?: string };
  readonly serviceName: string | undefined;
  readonly startTimeUnixNano: string;
  readonly endTimeUnixNano: string;
}

/** One POST the receiver took in. */
export interface ReceivedExport {
  readonly path: string;
  readonly contentType: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Buffer;
}

export interface OtlpReceiver {
  /** The base URL, for OTEL_EXPORTER_OTLP_ENDPOINT (exports go to `${url}/v1/traces`). */
  readonly url: string;
  readonly exports: readonly ReceivedExport[];
  /** Every span of every JSON export so far. */
  spans(): ReceivedSpan[];
  /** Resolves once `predicate` holds for the spans received (checked on every export). */
  waitFor(predicate: (spans: ReceivedSpan[]) => boolean, timeoutMs?: number): Promise<ReceivedSpan[]>;
  close(): Promise<void>;
}

interface OtlpAttribute {
  readonly key: string;
  readonly value: {
    readonly stringValue?: string;
    readonly intValue?: string | number;
    readonly doubleValue?: number;
    readonly boolValue?: boolean;
  };
}

/**
 * An OTLP/HTTP receiver in the test process, as a collector listens on port 4318: it answers
 * `POST /v1/traces` with success (an empty JSON object, or an empty protobuf message), keeps what
 * it received and decodes the JSON encoding. Every export goes through the leak scan, with the
 * values the test names as secret (`forbidden`).
 */
export async function startOtlpReceiver(options: { readonly forbidden?: () => readonly string[] } = {}) {
  const exports: ReceivedExport[] = [];
  const waiters = new Set<() => void>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const contentType = String(req.headers['content-type'] ?? '');
      exports.push({ path: req.url ?? '', contentType, headers: req.headers, body });
      scanExportedSpans(body, `OTLP export ${exports.length} (${contentType})`, options.forbidden?.() ?? []);
      if (req.method !== 'POST' || req.url !== '/v1/traces') {
        res.writeHead(404).end();
      } else if (contentType.startsWith('application/json')) {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      } else {
        res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
      }
      for (const wake of waiters) wake();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const spans = (): ReceivedSpan[] =>
    exports
      .filter((received) => received.contentType.startsWith('application/json'))
      .flatMap((received) => decodeJsonExport(received.body));

  return {
    url: `http://127.0.0.1:${port}`,
    exports,
    spans,
    waitFor(predicate: (spans: ReceivedSpan[]) => boolean, timeoutMs = 15_000) {
      return new Promise<ReceivedSpan[]>((resolve, reject) => {
        const check = () => {
          const current = spans();
          if (!predicate(current)) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(current);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`spans not received within ${timeoutMs} ms; got: ${describeSpans(spans())}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  } satisfies OtlpReceiver;
}

function decodeJsonExport(body: Buffer): ReceivedSpan[] {
  const request = JSON.parse(body.toString('utf8')) as {
    resourceSpans?: {
      resource?: { attributes?: OtlpAttribute[] };
      scopeSpans?: {
        spans?: (Omit<ReceivedSpan, 'attributes' | 'serviceName'> & { attributes?: OtlpAttribute[] })[];
      }[];
    }[];
  };
  return (request.resourceSpans ?? []).flatMap((resourceSpans) => {
    const resource = attributesOf(resourceSpans.resource?.attributes);
    return (resourceSpans.scopeSpans ?? []).flatMap((scopeSpans) =>
      (scopeSpans.spans ?? []).map((span) => ({
        ...span,
        parentSpanId: span.parentSpanId === '' ? undefined : span.parentSpanId,
        attributes: attributesOf(span.attributes),
        status: span.status ?? {},
        serviceName: resource['service.name'] as string | undefined,
      })),
    );
  });
}

function attributesOf(
  attributes: readonly OtlpAttribute[] | undefined,
): Record<string, string | number | boolean> {
  const result: Record<string, string | number | boolean> = {};
  for (const { key, value } of attributes ?? []) {
    const decoded = value.stringValue ?? value.boolValue ?? value.doubleValue ?? value.intValue;
    if (decoded !== undefined)
      result[key] = typeof decoded === 'string' && value.intValue !== undefined ? Number(decoded) : decoded;
  }
  return result;
}

const KINDS: Record<number, string> = {
  1: 'internal',
  2: 'server',
  3: 'client',
  4: 'producer',
  5: 'consumer',
};

/** The spans as an indented tree (children under their parent, by start time), for test output. */
export function describeSpans(spans: readonly ReceivedSpan[]): string {
  const ids = new Set(spans.map((span) => span.spanId));
  const lines: string[] = [];
  const byStart = [...spans].sort((a, b) =>
    BigInt(a.startTimeUnixNano) < BigInt(b.startTimeUnixNano) ? -1 : 1,
  );
  const visit = (span: ReceivedSpan, depth: number) => {
    const ms = Number(BigInt(span.endTimeUnixNano) - BigInt(span.startTimeUnixNano)) / 1e6;
    const attributes = Object.entries(span.attributes)
      .map(([key, value]) => `${key}=${value}`)
      .join(' ');
    lines.push(
      `${'  '.repeat(depth)}${span.name} [${KINDS[span.kind] ?? span.kind}, ${ms.toFixed(1)} ms, span ${span.spanId}] ${attributes}`,
    );
    for (const child of byStart.filter((candidate) => candidate.parentSpanId === span.spanId))
      visit(child, depth + 1);
  };
  for (const root of byStart.filter(
    (span) => span.parentSpanId === undefined || !ids.has(span.parentSpanId),
  )) {
    lines.push(
      `trace ${root.traceId}${root.parentSpanId ? ` (parent ${root.parentSpanId}, from the caller)` : ''}`,
    );
    visit(root, 1);
  }
  return lines.join('\n');
}
