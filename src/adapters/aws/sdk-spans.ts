import type { IvsClient } from '@aws-sdk/client-ivs';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { context, SpanKind, SpanStatusCode, type Tracer, trace } from '@opentelemetry/api';
import { ATTR_ERROR_TYPE, ATTR_HTTP_RESPONSE_STATUS_CODE } from '@opentelemetry/semantic-conventions';

/** The AWS services this service calls, by the `rpc.service` name their spans carry. */
export type AwsServiceName = 'IVS' | 'SecretsManager';

/** What an SDK call reports about itself, on its output and on its errors. */
interface ResponseMetadata {
  readonly $metadata?: { httpStatusCode?: number; requestId?: string; attempts?: number };
}

/**
 * A client span for every AWS call a client makes (`IVS.ImportPlaybackKeyPair`,
 * `SecretsManager.DescribeSecret`, …), with the attributes the OpenTelemetry conventions give AWS
 * SDK calls: `rpc.system=aws-api`, `rpc.service`, `rpc.method`, `cloud.region`, `aws.request_id`,
 * the HTTP status and, for a failed call, the AWS error's name (never its message or any input or
 * output: those hold key material, ARNs and viewer ids).
 *
 * A middleware at the front of the client's stack, so one span covers the SDK's retries (their
 * number is `aws.sdk.attempts`). `@opentelemetry/instrumentation-aws-sdk` patches the SDK's modules
 * as they are loaded, which needs a `--import` hook before anything loads the SDK (this service
 * imports it as an ES module at start) and would load OpenTelemetry even with tracing off; this
 * middleware needs neither.
 *
 * Only calls made inside a span are traced: a request's, the janitor's, the start-up's. The key
 * refresh (one DescribeSecret every KEY_REFRESH_SECONDS) is not, or it would be most of the traces.
 */
export function addAwsSdkSpans(
  client: IvsClient | SecretsManagerClient,
  options: { readonly tracer: Tracer; readonly service: AwsServiceName },
): void {
  const { tracer, service } = options;
  // The region is resolved once; a client without one has its calls fail, and says why.
  let region: Promise<string | undefined> | undefined;
  const regionOf = () => {
    region ??= Promise.resolve()
      .then(() => client.config.region())
      .catch(() => undefined);
    return region;
  };
  const middleware =
    (next: (args: unknown) => Promise<unknown>, handlerContext: { commandName?: string }) =>
    async (args: unknown): Promise<unknown> => {
      if (trace.getSpan(context.active()) === undefined) return next(args);
      const operation = handlerContext.commandName?.replace(/Command$/, '') ?? 'unknown';
      const cloudRegion = await regionOf();
      return tracer.startActiveSpan(
        `${service}.${operation}`,
        {
          kind: SpanKind.CLIENT,
          attributes: {
            'rpc.system': 'aws-api',
            'rpc.service': service,
            'rpc.method': operation,
            ...(cloudRegion ? { 'cloud.region': cloudRegion } : {}),
          },
        },
        async (span) => {
          try {
            const result = (await next(args)) as { output?: ResponseMetadata };
            recordMetadata(span, result.output?.$metadata);
            return result;
          } catch (error) {
            recordMetadata(span, (error as ResponseMetadata | undefined)?.$metadata);
            span.setStatus({ code: SpanStatusCode.ERROR });
            span.setAttribute(ATTR_ERROR_TYPE, errorName(error));
            throw error;
          } finally {
            span.end();
          }
        },
      );
    };
  // The stack's typing is per client and command; the middleware treats every input and output alike.
  const stack: {
    add(
      middleware: never,
      options: { step: 'initialize'; priority: 'high'; name: string; override: boolean },
    ): void;
  } = client.middlewareStack;
  stack.add(middleware as never, {
    step: 'initialize',
    priority: 'high',
    name: 'openTelemetryAwsSdkSpan',
    override: true,
  });
}

function recordMetadata(
  span: { setAttribute(key: string, value: string | number): unknown },
  metadata: ResponseMetadata['$metadata'],
): void {
  if (metadata?.requestId) span.setAttribute('aws.request_id', metadata.requestId);
  if (metadata?.httpStatusCode) span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, metadata.httpStatusCode);
  if (metadata?.attempts) span.setAttribute('aws.sdk.attempts', metadata.attempts);
}

/** The AWS error's name (ThrottlingException, …) or a network code (ECONNREFUSED): never its text. */
function errorName(error: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string' && /^E[A-Z_]+$/.test(code)) return code;
  return error instanceof Error ? error.name : 'unknown';
}
