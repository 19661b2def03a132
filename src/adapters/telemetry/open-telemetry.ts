import { readFileSync } from 'node:fs';
import type { IvsClient } from '@aws-sdk/client-ivs';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  context,
  DiagLogLevel,
  diag,
  isSpanContextValid,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ParentBasedSampler,
  type Sampler,
  type SpanExporter,
  TraceIdRatioBasedSampler,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import {
  ATTR_ERROR_TYPE,
  ATTR_SERVICE_NAME,
  ATTR_SERVICE_VERSION,
} from '@opentelemetry/semantic-conventions';
import type { Logger, SigningBackend } from '../../domain/ports.js';
import type { TracingConfig } from '../../tracing-config.js';
import { type AwsServiceName, addAwsSdkSpans } from '../aws/sdk-spans.js';
import { requestSpans } from './request-spans.js';
import { tracedSigning } from './signing-spans.js';
import { TRACER_NAME } from './span-attributes.js';

/** Everything the composition root wires when tracing is on. */
export interface Tracing {
  /** A server span per HTTP request (src/http/request-tracing.ts). */
  readonly requests: ReturnType<typeof requestSpans>;
  /** Adds a client span per call to an AWS SDK client. */
  instrumentAwsClient(client: IvsClient | SecretsManagerClient, service: AwsServiceName): void;
  /** The signing backend with a span per signature. */
  traceSigning(backend: SigningBackend): SigningBackend;
  /** Runs a background job (the janitor, the region check, the first key) in a span of its own. */
  inSpan<T>(name: string, job: () => Promise<T>): Promise<T>;
  /**
   * `trace_id`, `span_id` and `trace_flags` of the active span: the log lines' pino mixin. A new
   * object each time: pino merges the line's own fields into it.
   */
  logFields(): Record<string, string>;
  /** Where spans go, for the start-up log line (never the headers). */
  readonly description: { readonly endpoint: string; readonly protocol: string; readonly sampler: string };
  /** Sends the spans still waiting, then stops. */
  shutdown(): Promise<void>;
}

/**
 * OpenTelemetry, set up from the OTEL_* settings: a tracer provider with a batch processor and an
 * OTLP/HTTP exporter (protobuf or JSON), W3C trace context in and AsyncLocalStorage to carry the
 * active span through each request. This module is imported (dynamically, by the composition
 * root) only when tracing is on, so with tracing off no OpenTelemetry code is even loaded.
 *
 * Only the context manager is made global (the API's `context.with` needs it); the tracer and the
 * propagator are used directly, so no other library's spans or headers appear by accident.
 */
export async function startTracing(
  config: TracingConfig,
  deps: { readonly logger: Logger },
): Promise<Tracing> {
  const { logger } = deps;
  // The SDK's own complaints (an export refused, the collector unreachable) reach the service's log
  // as one short line of text: their arguments may be request objects, their errors hold stacks.
  // Outside any span, so the line is not filed under whichever request's trace was active.
  const report = (message: unknown, kind: 'error' | 'warning') =>
    context.with(ROOT_CONTEXT, () =>
      logger.warn({ diagnostic: diagnosticText(message) }, `tracing: OpenTelemetry ${kind}`),
    );
  diag.setLogger(
    {
      error: (message) => report(message, 'error'),
      warn: (message) => report(message, 'warning'),
      info: () => {},
      debug: () => {},
      verbose: () => {},
    },
    { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true },
  );
  const contextManager = new AsyncLocalStorageContextManager().enable();
  if (!context.setGlobalContextManager(contextManager)) {
    throw new Error('tracing: another OpenTelemetry context manager is already registered in this process');
  }

  const version = packageVersion();
  const provider = new TracerProvider({
    resource: defaultResource().merge(
      resourceFromAttributes({
        ...config.resourceAttributes,
        [ATTR_SERVICE_NAME]: config.serviceName,
        [ATTR_SERVICE_VERSION]: version,
      }),
    ),
    sampler: samplerFor(config),
    spanProcessors: [
      new BatchSpanProcessor({
        exporter: await exporterFor(config),
        scheduledDelayMillis: config.scheduledDelayMillis,
      }),
    ],
  });
  const tracer: Tracer = provider.getTracer(TRACER_NAME, version);
  const propagator = new W3CTraceContextPropagator();

  return {
    requests: requestSpans(tracer, propagator),
    instrumentAwsClient: (client, service) => addAwsSdkSpans(client, { tracer, service }),
    traceSigning: (backend) => tracedSigning(backend, tracer),
    inSpan: (name, job) =>
      tracer.startActiveSpan(name, { kind: SpanKind.INTERNAL }, async (span) => {
        try {
          return await job();
        } catch (error) {
          span.setStatus({ code: SpanStatusCode.ERROR });
          const code = (error as { code?: unknown } | undefined)?.code;
          span.setAttribute(ATTR_ERROR_TYPE, typeof code === 'string' ? code : 'error');
          throw error;
        } finally {
          span.end();
        }
      }),
    logFields() {
      const spanContext = trace.getSpan(context.active())?.spanContext();
      if (spanContext === undefined || !isSpanContextValid(spanContext)) return {};
      return {
        trace_id: spanContext.traceId,
        span_id: spanContext.spanId,
        trace_flags: `0${(spanContext.traceFlags & 0xff).toString(16)}`.slice(-2),
      };
    },
    description: {
      endpoint: config.endpoint,
      protocol: config.protocol,
      sampler: config.sampler.endsWith('traceidratio')
        ? `${config.sampler}(${config.samplerRatio})`
        : config.sampler,
    },
    async shutdown() {
      try {
        await provider.shutdown();
      } finally {
        context.disable();
        diag.disable();
      }
    },
  };
}

/**
 * A diagnostic as one line: the SDK reports a failed export as the error serialised to JSON, stack
 * included; its message ("connect ECONNREFUSED 10.0.0.7:4318", "Bad Request") is what an operator
 * needs.
 */
function diagnosticText(message: unknown): string {
  const text = String(message);
  try {
    const parsed = JSON.parse(text) as { message?: unknown; code?: unknown };
    if (typeof parsed.message === 'string') {
      return `${parsed.message}${typeof parsed.code === 'string' || typeof parsed.code === 'number' ? ` (${parsed.code})` : ''}`.slice(
        0,
        300,
      );
    }
  } catch {
    // Not JSON: a plain message.
  }
  return (text.split('\n')[0] ?? '').slice(0, 300);
}

/** The exporter for the protocol asked for; only that one is loaded. */
async function exporterFor(config: TracingConfig): Promise<SpanExporter> {
  const options = {
    url: config.endpoint,
    headers: { ...config.headers },
    timeoutMillis: config.timeoutMillis,
  };
  if (config.protocol === 'http/json') {
    const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
    return new OTLPTraceExporter(options);
  }
  const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-proto');
  return new OTLPTraceExporter(options);
}

function samplerFor(config: TracingConfig): Sampler {
  const ratio = () => new TraceIdRatioBasedSampler(config.samplerRatio);
  switch (config.sampler) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return ratio();
    case 'parentbased_always_on':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: ratio() });
  }
}

/** `service.version`: the package's version (package.json sits three folders above this file). */
function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
    version?: string;
  };
  return manifest.version ?? 'unknown';
}
