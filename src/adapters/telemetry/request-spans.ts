import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  context,
  defaultTextMapGetter,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  type TextMapPropagator,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_NETWORK_PROTOCOL_VERSION,
  ATTR_URL_SCHEME,
} from '@opentelemetry/semantic-conventions';
import { SERVICE_ATTRIBUTE_PREFIX } from './span-attributes.js';

/** Methods recorded as sent; anything else is `_OTHER`, as the HTTP semantic conventions say. */
const KNOWN_METHODS = new Set([
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'DELETE',
  'PATCH',
  'OPTIONS',
  'CONNECT',
  'TRACE',
]);

/** The request's result, as the HTTP layer reports it (see src/http/request-tracing.ts). */
interface RequestResult {
  readonly route: string | undefined;
  readonly status: number;
  readonly errorCode: string | undefined;
  readonly apiKeyId: string | undefined;
  readonly aborted: boolean;
}

/**
 * A server span per HTTP request, named `METHOD /route/template` (the HTTP semantic conventions),
 * continuing the caller's trace when it sent a W3C `traceparent`. Its attributes are chosen, not
 * copied: method, route template, status, outcome, error code, API key id. Never the path, query,
 * headers or body, which may carry tokens, API keys or viewer ids.
 */
export function requestSpans(tracer: Tracer, propagator: TextMapPropagator) {
  return {
    start(req: IncomingMessage, res: ServerResponse) {
      const method = KNOWN_METHODS.has(req.method ?? '') ? (req.method as string) : '_OTHER';
      const parent = propagator.extract(ROOT_CONTEXT, req.headers, defaultTextMapGetter);
      const span = tracer.startSpan(
        method === '_OTHER' ? 'HTTP' : method,
        {
          kind: SpanKind.SERVER,
          attributes: {
            [ATTR_HTTP_REQUEST_METHOD]: method,
            [ATTR_URL_SCHEME]: 'http',
            [ATTR_NETWORK_PROTOCOL_VERSION]: req.httpVersion,
          },
        },
        parent,
      );
      const active = trace.setSpan(parent, span);
      // The body arrives and the response finishes in events of the request and response, which
      // node emits outside this call: bound, their listeners run inside the span too.
      context.bind(active, req);
      context.bind(active, res);
      let ended = false;
      return {
        run(next: () => void): void {
          context.with(active, next);
        },
        end(result: RequestResult): void {
          if (ended) return;
          ended = true;
          if (result.route !== undefined) {
            span.updateName(`${method === '_OTHER' ? 'HTTP' : method} ${result.route}`);
            span.setAttribute(ATTR_HTTP_ROUTE, result.route);
          }
          span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, result.status);
          span.setAttribute(`${SERVICE_ATTRIBUTE_PREFIX}.outcome`, outcomeOf(result));
          if (result.errorCode !== undefined) {
            span.setAttribute(`${SERVICE_ATTRIBUTE_PREFIX}.error_code`, result.errorCode);
          }
          if (result.apiKeyId !== undefined) {
            span.setAttribute(`${SERVICE_ATTRIBUTE_PREFIX}.api_key_id`, result.apiKeyId);
          }
          // A server span fails on 5xx only: a 4xx is the caller's mistake, answered correctly.
          if (result.status >= 500 || result.aborted) {
            span.setStatus({ code: SpanStatusCode.ERROR });
            span.setAttribute(
              ATTR_ERROR_TYPE,
              result.aborted ? 'aborted' : (result.errorCode ?? String(result.status)),
            );
          }
          span.end();
        },
      };
    },
  };
}

/** `success` (2xx/3xx), `refused` (4xx: a rule, a limit or the caller's credentials), `failed` (5xx). */
function outcomeOf(result: RequestResult): 'success' | 'refused' | 'failed' | 'aborted' {
  if (result.aborted) return 'aborted';
  if (result.status >= 500) return 'failed';
  return result.status >= 400 ? 'refused' : 'success';
}
