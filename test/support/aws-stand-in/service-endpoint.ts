import type { AwsError } from './aws-error.js';
import type { FaultKind } from './faults.js';
import type { SignatureProblem } from './sigv4.js';
import type { HttpReply, IncomingRequest, ServiceName } from './types.js';
import type { StructureShape } from './validation-table.js';

/** A request mapped to an operation, or the reason it could not be. */
export type DecodedRequest =
  | {
      readonly ok: true;
      readonly operation: string;
      readonly input: Record<string, unknown>;
      readonly shape: StructureShape;
    }
  | { readonly ok: false; readonly operation: string; readonly error: AwsError };

/**
 * One AWS service as the request pipeline sees it: how to recognise and decode its requests, run
 * its operations, and speak its wire format for replies and errors.
 */
export interface ServiceEndpoint {
  readonly service: ServiceName;
  /**
   * The one region this service answers in (a request signed for another is refused); absent for
   * a service whose state the stand-in keeps per region, which answers every region.
   */
  readonly region?: string;
  /** Error names that mean the request itself was invalid; they are listed by `rejected()`. */
  readonly validationErrorTypes: readonly string[];
  /** The error answered when a request fails validation against the table. */
  readonly validationErrorType: string;
  claims(request: IncomingRequest): boolean;
  decode(request: IncomingRequest): DecodedRequest;
  /**
   * Runs an operation on validated input in the region of the request's credential scope; throws
   * AwsError for a modelled failure.
   */
  execute(operation: string, input: Record<string, unknown>, region: string): unknown;
  success(output: unknown, requestId: string): HttpReply;
  failure(error: AwsError, requestId: string): HttpReply;
  signatureError(problem: SignatureProblem): AwsError;
  faultError(kind: Exclude<FaultKind, 'latency' | 'drop'>): AwsError;
}

/** Parses a JSON request body; an empty body is an empty structure, as the SDK sends for no input. */
export function parseJsonBody(
  body: Buffer,
): { ok: true; value: Record<string, unknown> } | { ok: false; reason: string } {
  if (body.length === 0) return { ok: true, value: {} };
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch (error) {
    return { ok: false, reason: `request body is not valid JSON: ${(error as Error).message}` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, reason: 'request body must be a JSON object' };
  }
  return { ok: true, value: value as Record<string, unknown> };
}

export function headerString(request: IncomingRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
