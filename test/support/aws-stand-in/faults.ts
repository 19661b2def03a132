import { isRegionName } from './regions.js';
import type { ServiceName } from './types.js';

/**
 * - `throttle`: the service's throttling error (IVS ThrottlingException 429; Secrets Manager
 *   ThrottlingException 400, which the SDK retries by name).
 * - `server-error`: IVS InternalServerException 500; Secrets Manager InternalServiceError 500.
 * - `unavailable`: ServiceUnavailable 503.
 * - `drop`: the socket is destroyed without an answer.
 * - `latency`: the answer is delayed by `latencyMs`; the request otherwise proceeds.
 */
export type FaultKind = 'throttle' | 'server-error' | 'unavailable' | 'drop' | 'latency';

export interface FaultSpec {
  /** Only requests to this service; both when absent. */
  readonly service?: ServiceName;
  /** Only this operation (e.g. 'PutSecretValue'); every operation when absent. */
  readonly operation?: string;
  /**
   * Only requests signed for this region (e.g. ImportPlaybackKeyPair failing in 'eu-west-1' while
   * other regions work); every region when absent.
   */
  readonly region?: string;
  readonly kind: FaultKind;
  /**
   * Apply the operation's effect first, then fail the reply: the request took effect but the
   * client never learns it (a crash between two steps). Such a fault only sees requests that
   * succeeded; requests that failed on their own are not counted.
   */
  readonly afterEffect?: boolean;
  /** Start at the nth matching request (1-based), counted from when the fault was added. */
  readonly nth?: number;
  /** Affect this many matching requests, then expire. Default: 1 with `nth`, unlimited without. */
  readonly times?: number;
  /** Required for `latency`: the delay in milliseconds. */
  readonly latencyMs?: number;
}

export interface ActiveFault extends FaultSpec {
  readonly id: string;
  /** Matching requests seen so far. */
  readonly seen: number;
  /** Requests this fault has affected so far. */
  readonly fired: number;
}

/** Inject failures on demand; see `FaultSpec` for how a fault chooses its requests. */
export interface Faults {
  /** Adds a fault and returns its id. Throws a TypeError for an inconsistent spec. */
  add(spec: FaultSpec): string;
  /** Removes one fault, or all of them without an id. */
  clear(id?: string): void;
  /** The faults still active (expired ones drop out). */
  list(): ActiveFault[];
}

/** What a fault is matched against: the request's service, operation and signed region. */
export interface FaultTarget {
  readonly service: ServiceName;
  readonly operation: string;
  readonly region: string;
}

/** What the pipeline must do to one request at one phase. */
export interface FaultDecision {
  readonly latencyMs: number;
  /** The failure to answer with instead of the real reply, if any (never 'latency'). */
  readonly failure?: Exclude<FaultKind, 'latency'>;
}

export type FaultPhase = 'before-effect' | 'after-effect';

interface MutableFault extends FaultSpec {
  id: string;
  seen: number;
  fired: number;
}

function checkSpec(spec: FaultSpec): void {
  const positiveInteger = (value: number | undefined) =>
    value === undefined || (Number.isInteger(value) && value >= 1);
  if (!positiveInteger(spec.nth)) throw new TypeError(`fault nth must be an integer >= 1, got ${spec.nth}`);
  if (!positiveInteger(spec.times))
    throw new TypeError(`fault times must be an integer >= 1, got ${spec.times}`);
  if (spec.kind === 'latency' && (spec.latencyMs === undefined || !(spec.latencyMs >= 0))) {
    throw new TypeError('a latency fault needs latencyMs >= 0');
  }
  if (spec.region !== undefined && !isRegionName(spec.region)) {
    throw new TypeError(`fault region must be an AWS region name like eu-west-1, got ${spec.region}`);
  }
  if (spec.kind !== 'latency' && spec.latencyMs !== undefined) {
    throw new TypeError(`latencyMs only applies to latency faults, not ${spec.kind}`);
  }
}

/** How many requests a fault affects before it expires. */
function windowSize(fault: FaultSpec): number {
  return fault.times ?? (fault.nth === undefined ? Number.POSITIVE_INFINITY : 1);
}

/** The fault registry plus the decision function the request pipeline consults. */
export function createFaults(): Faults & {
  decide(target: FaultTarget, phase: FaultPhase): FaultDecision;
} {
  let active: MutableFault[] = [];
  let nextId = 1;

  return {
    add(spec) {
      checkSpec(spec);
      const id = `fault-${nextId++}`;
      active.push({ ...spec, id, seen: 0, fired: 0 });
      return id;
    },
    clear(id) {
      active = id === undefined ? [] : active.filter((fault) => fault.id !== id);
    },
    list() {
      return active.map((fault) => ({ ...fault }));
    },
    decide({ service, operation, region }, phase) {
      let latencyMs = 0;
      let failure: FaultDecision['failure'];
      for (const fault of active) {
        const faultPhase: FaultPhase = fault.afterEffect ? 'after-effect' : 'before-effect';
        if (faultPhase !== phase) continue;
        if (fault.service !== undefined && fault.service !== service) continue;
        if (fault.operation !== undefined && fault.operation !== operation) continue;
        if (fault.region !== undefined && fault.region !== region) continue;
        fault.seen += 1;
        const first = fault.nth ?? 1;
        if (fault.seen < first || fault.seen >= first + windowSize(fault)) continue;
        fault.fired += 1;
        if (fault.kind === 'latency') latencyMs += fault.latencyMs ?? 0;
        else failure ??= fault.kind;
      }
      active = active.filter((fault) => fault.fired < windowSize(fault));
      return failure === undefined ? { latencyMs } : { latencyMs, failure };
    },
  };
}
