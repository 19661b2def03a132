/** The two AWS services the stand-in speaks, named by their SigV4 signing names. */
export type ServiceName = 'ivs' | 'secretsmanager';

/** Why the stand-in refused a request the real service would also refuse. */
export type RejectionReason = 'signature' | 'validation' | 'routing';

/** One HTTP request as received, before any interpretation. */
export interface IncomingRequest {
  readonly method: string;
  /** The path exactly as sent (still percent-encoded), without the query string. */
  readonly rawPath: string;
  /** The query string exactly as sent, without the leading '?'. */
  readonly rawQuery: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Buffer;
}

/** What the stand-in answers, before it is written to the socket. */
export interface HttpReply {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** One entry of `AwsStandIn.requests`: every request the stand-in received, in arrival order. */
export interface RecordedRequest {
  readonly service: ServiceName | 'unknown';
  /** The operation name (e.g. 'ImportPlaybackKeyPair'); '' when the request matched no operation. */
  readonly operation: string;
  /** HTTP status answered; 0 when a `drop` fault closed the connection without answering. */
  readonly status: number;
  readonly errorType?: string;
  readonly errorMessage?: string;
  /** Set when the stand-in rejected the request as invalid (see `AwsStandIn.rejected()`). */
  readonly rejectedFor?: RejectionReason;
  /** Set when an injected fault shaped the answer. */
  readonly fault?: string;
  /** The region of the request's SigV4 credential scope, once its signature was accepted. */
  readonly region?: string;
  /** The decoded request members (JSON body, plus URI and query members for IVS tagging). */
  readonly input?: unknown;
  readonly at: Date;
}
