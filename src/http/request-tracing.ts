import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * What the HTTP layer asks of tracing (OpenTelemetry when OTEL_* configures it; the composition
 * root wires it, and without it nothing here runs). Defined here, by its user, so the HTTP layer
 * depends on no tracing library.
 */
export interface RequestTracer {
  /** Opens the request's span, continuing the caller's trace when it sent `traceparent`. */
  start(req: IncomingMessage, res: ServerResponse): TracedRequest;
}

export interface TracedRequest {
  /** Runs the rest of the request inside its span, so signing and AWS calls become its children. */
  run(next: () => void): void;
  /** Closes the span with what the request came to. Only the route template, never the path. */
  end(result: RequestResult): void;
}

export interface RequestResult {
  /** The contract path that matched, e.g. `/v1/playback-tokens`; undefined for unknown routes. */
  readonly route: string | undefined;
  readonly status: number;
  /** The stable code of an error response. */
  readonly errorCode: string | undefined;
  /** The id of the caller's API key (as the request log line names it), safe to record; never the key. */
  readonly apiKeyId: string | undefined;
  /** The client went away before the response was complete. */
  readonly aborted: boolean;
}
