import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { AwsError } from './aws-error.js';
import { standInCredentials } from './credentials.js';
import type { FaultDecision, FaultPhase, FaultTarget } from './faults.js';
import type { ServiceEndpoint } from './service-endpoint.js';
import { checkSignature } from './sigv4.js';
import type { HttpReply, IncomingRequest, RecordedRequest } from './types.js';
import { validateInput, validationMessage } from './validate.js';

export interface PipelineDeps {
  readonly endpoints: readonly ServiceEndpoint[];
  readonly clock: () => Date;
  readonly decideFault: (request: FaultTarget, phase: FaultPhase) => FaultDecision;
  readonly record: (request: RecordedRequest) => void;
}

/** What to do with the connection: answer, or close it without a word (a `drop` fault). */
export type PipelineOutcome =
  | { readonly kind: 'reply'; readonly reply: HttpReply }
  | { readonly kind: 'drop' };

/**
 * Handles one request the way AWS does, in order: recognise the service and operation, check the
 * SigV4 header, apply injected faults, validate against the table, run the operation, then apply
 * faults meant to hit after the effect. Every request is recorded, whatever its fate.
 */
export async function handleRequest(request: IncomingRequest, deps: PipelineDeps): Promise<PipelineOutcome> {
  const at = deps.clock();
  const requestId = randomUUID();
  const endpoint = deps.endpoints.find((candidate) => candidate.claims(request));
  if (!endpoint) {
    deps.record({
      service: 'unknown',
      operation: '',
      status: 404,
      errorType: 'UnknownOperationException',
      rejectedFor: 'routing',
      at,
    });
    return {
      kind: 'reply',
      reply: {
        status: 404,
        headers: { 'content-type': 'application/json' },
        body: '{"message":"Not Found"}',
      },
    };
  }
  const decoded = endpoint.decode(request);
  const { service } = endpoint;
  const operation = decoded.operation;
  const input = decoded.ok ? decoded.input : undefined;
  // Known once the signature is checked: the region of the credential scope, where the request acts.
  let region: string | undefined;
  const where = () => (region === undefined ? {} : { region });

  const fail = (error: AwsError, fault?: string): PipelineOutcome => {
    const reply = endpoint.failure(error, requestId);
    // null: a well-formed request the state refused (a concurrent change), not an invalid one.
    const rejectedFor =
      error.rejectedFor === null
        ? undefined
        : (error.rejectedFor ??
          (endpoint.validationErrorTypes.includes(error.errorType) ? 'validation' : undefined));
    deps.record({
      service,
      operation,
      status: reply.status,
      errorType: error.errorType,
      errorMessage: error.message,
      ...(rejectedFor === undefined ? {} : { rejectedFor }),
      ...(fault === undefined ? {} : { fault }),
      ...(input === undefined ? {} : { input }),
      ...where(),
      at,
    });
    return { kind: 'reply', reply };
  };
  const drop = (): PipelineOutcome => {
    deps.record({
      service,
      operation,
      status: 0,
      fault: 'drop',
      ...(input === undefined ? {} : { input }),
      ...where(),
      at,
    });
    return { kind: 'drop' };
  };
  const signature = checkSignature(request, {
    signingName: service,
    ...(endpoint.region === undefined ? {} : { region: endpoint.region }),
    ...standInCredentials,
  });
  if (!signature.ok) return fail(endpoint.signatureError(signature.problem));
  const signedRegion = signature.region;
  region = signedRegion;

  const applyFaults = async (phase: FaultPhase): Promise<PipelineOutcome | undefined> => {
    const decision = deps.decideFault({ service, operation, region: signedRegion }, phase);
    if (decision.latencyMs > 0) await sleep(decision.latencyMs);
    if (decision.failure === 'drop') return drop();
    if (decision.failure !== undefined) return fail(endpoint.faultError(decision.failure), decision.failure);
    return undefined;
  };

  if (!decoded.ok) return fail(decoded.error);

  const before = await applyFaults('before-effect');
  if (before) return before;

  const problems = validateInput(decoded.input, decoded.shape);
  if (problems.length > 0) {
    return fail(new AwsError(endpoint.validationErrorType, validationMessage(problems), 'validation'));
  }

  let output: unknown;
  try {
    output = endpoint.execute(operation, decoded.input, signedRegion);
  } catch (error) {
    if (error instanceof AwsError) return fail(error);
    // A bug in the stand-in: answer the service's 5xx, but say whose fault it is.
    const faultError = endpoint.faultError('server-error');
    return fail(
      new AwsError(
        faultError.errorType,
        `aws-stand-in bug in ${operation}: ${(error as Error).stack ?? error}`,
      ),
    );
  }

  const after = await applyFaults('after-effect');
  if (after) return after;

  const reply = endpoint.success(output, requestId);
  deps.record({ service, operation, status: reply.status, input: decoded.input, region: signedRegion, at });
  return { kind: 'reply', reply };
}
