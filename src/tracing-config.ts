/**
 * OpenTelemetry tracing settings, read from the standard `OTEL_*` variables (the OpenTelemetry
 * specification's "Environment Variable Specification"), so a platform team's usual settings work
 * unchanged. Pure, like `loadConfig`, which calls it and reports its problems with the others.
 *
 * Tracing is on when `OTEL_TRACES_EXPORTER=otlp`, or when that variable is unset and an OTLP
 * endpoint is named; `OTEL_SDK_DISABLED=true` or `OTEL_TRACES_EXPORTER=none` turn it off. Only
 * OTLP over HTTP is exported (protobuf or JSON), which every OpenTelemetry Collector and the
 * tracing back ends that take OTLP directly accept on port 4318.
 */

export type TracingProtocol = 'http/protobuf' | 'http/json';

export type TracingSamplerKind =
  | 'always_on'
  | 'always_off'
  | 'traceidratio'
  | 'parentbased_always_on'
  | 'parentbased_always_off'
  | 'parentbased_traceidratio';

export interface TracingConfig {
  /** The OTLP/HTTP traces URL spans are sent to, e.g. `http://otel-collector:4318/v1/traces`. */
  readonly endpoint: string;
  readonly protocol: TracingProtocol;
  /** Sent with every export (a vendor's API key, say): never logged. */
  readonly headers: Readonly<Record<string, string>>;
  /** How long one export may take. */
  readonly timeoutMillis: number;
  /** The `service.name` resource attribute. */
  readonly serviceName: string;
  /** `OTEL_RESOURCE_ATTRIBUTES`: `deployment.environment.name`, `k8s.pod.name`, … */
  readonly resourceAttributes: Readonly<Record<string, string>>;
  readonly sampler: TracingSamplerKind;
  /** The sampling probability of the ratio samplers (0…1). */
  readonly samplerRatio: number;
  /** How long spans wait in memory before they are sent in a batch. */
  readonly scheduledDelayMillis: number;
}

type Env = Readonly<Record<string, string | undefined>>;

const SAMPLERS: readonly TracingSamplerKind[] = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
];

/** The OTLP/HTTP default when tracing is on and no endpoint is named (a collector on this host). */
const DEFAULT_ENDPOINT = 'http://localhost:4318/v1/traces';

/**
 * The tracing settings, or undefined when tracing is off. Problems are appended to `problems`
 * (checked only when tracing is on: a stray variable for another program changes nothing here).
 */
export function readTracingConfig(env: Env, problems: string[]): TracingConfig | undefined {
  const read = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === '' ? undefined : value;
  };
  if (read('OTEL_SDK_DISABLED')?.toLowerCase() === 'true') return undefined;

  const exporter = read('OTEL_TRACES_EXPORTER');
  const tracesEndpoint = read('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
  const baseEndpoint = read('OTEL_EXPORTER_OTLP_ENDPOINT');
  if (exporter === 'none') return undefined;
  if (exporter !== undefined && exporter !== 'otlp') {
    problems.push(
      `OTEL_TRACES_EXPORTER must be otlp or none (this service exports traces over OTLP/HTTP, to a collector or a back end that accepts OTLP); got "${exporter}"`,
    );
    return undefined;
  }
  if (exporter === undefined && tracesEndpoint === undefined && baseEndpoint === undefined) return undefined;

  const before = problems.length;
  const endpoint = tracesEndpointUrl(tracesEndpoint, baseEndpoint, problems);

  const protocolName = read('OTEL_EXPORTER_OTLP_TRACES_PROTOCOL')
    ? 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL'
    : 'OTEL_EXPORTER_OTLP_PROTOCOL';
  const protocol = read(protocolName) ?? 'http/protobuf';
  if (protocol === 'grpc') {
    problems.push(
      `${protocolName}=grpc is not supported: this service exports over OTLP/HTTP; use http/protobuf (collectors take it on port 4318)`,
    );
  } else if (protocol !== 'http/protobuf' && protocol !== 'http/json') {
    problems.push(`${protocolName} must be http/protobuf or http/json; got "${protocol}"`);
  }

  const headers = {
    ...keyValueList(env, 'OTEL_EXPORTER_OTLP_HEADERS', problems, { secret: true }),
    ...keyValueList(env, 'OTEL_EXPORTER_OTLP_TRACES_HEADERS', problems, { secret: true }),
  };
  const timeoutName = read('OTEL_EXPORTER_OTLP_TRACES_TIMEOUT')
    ? 'OTEL_EXPORTER_OTLP_TRACES_TIMEOUT'
    : 'OTEL_EXPORTER_OTLP_TIMEOUT';
  const timeoutMillis = milliseconds(read(timeoutName), timeoutName, 10_000, problems);
  const scheduledDelayMillis = milliseconds(
    read('OTEL_BSP_SCHEDULE_DELAY'),
    'OTEL_BSP_SCHEDULE_DELAY',
    5000,
    problems,
  );

  const resourceAttributes = keyValueList(env, 'OTEL_RESOURCE_ATTRIBUTES', problems, { secret: false });
  const serviceName = read('OTEL_SERVICE_NAME') ?? resourceAttributes['service.name'] ?? 'ivs-playback-auth';

  const samplerName = read('OTEL_TRACES_SAMPLER') ?? 'parentbased_always_on';
  const sampler = SAMPLERS.find((candidate) => candidate === samplerName);
  if (sampler === undefined) {
    problems.push(`OTEL_TRACES_SAMPLER must be one of ${SAMPLERS.join(', ')}; got "${samplerName}"`);
  }
  const samplerArg = read('OTEL_TRACES_SAMPLER_ARG');
  const samplerRatio = samplerArg === undefined ? 1 : Number(samplerArg);
  if (
    sampler?.endsWith('traceidratio') &&
    (samplerArg === undefined ? false : !/^\d*\.?\d+$/.test(samplerArg) || samplerRatio > 1)
  ) {
    problems.push(
      `OTEL_TRACES_SAMPLER_ARG must be a probability from 0 to 1 with ${sampler}; got "${samplerArg}"`,
    );
  }

  if (problems.length > before) return undefined;
  return {
    endpoint,
    protocol: protocol as TracingProtocol,
    headers,
    timeoutMillis,
    serviceName,
    resourceAttributes,
    sampler: sampler ?? 'parentbased_always_on',
    samplerRatio,
    scheduledDelayMillis,
  };
}

/**
 * The traces URL: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as given, or OTEL_EXPORTER_OTLP_ENDPOINT with
 * `v1/traces` appended (as the specification says: the base names the collector, not the signal).
 */
function tracesEndpointUrl(traces: string | undefined, base: string | undefined, problems: string[]): string {
  const [name, raw] =
    traces !== undefined
      ? ['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', traces]
      : base !== undefined
        ? ['OTEL_EXPORTER_OTLP_ENDPOINT', base]
        : [undefined, undefined];
  if (name === undefined || raw === undefined) return DEFAULT_ENDPOINT;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    problems.push(`${name} must be an http:// or https:// URL, such as http://otel-collector:4318`);
    return DEFAULT_ENDPOINT;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    problems.push(`${name} must be an http:// or https:// URL (OTLP over HTTP); got a ${url.protocol} URL`);
    return DEFAULT_ENDPOINT;
  }
  if (url.username !== '' || url.password !== '') {
    // The URL is logged at start; credentials belong in OTEL_EXPORTER_OTLP_HEADERS.
    problems.push(`${name} must not hold credentials: put them in OTEL_EXPORTER_OTLP_HEADERS instead`);
    return DEFAULT_ENDPOINT;
  }
  if (traces !== undefined) return url.href;
  return `${url.href.endsWith('/') ? url.href : `${url.href}/`}v1/traces`;
}

/**
 * A W3C-baggage-style list, `key1=value1,key2=value2`, values percent-encoded (the format of
 * OTEL_EXPORTER_OTLP_HEADERS and OTEL_RESOURCE_ATTRIBUTES). A secret list's values are never
 * repeated in a problem.
 */
function keyValueList(
  env: Env,
  name: string,
  problems: string[],
  options: { readonly secret: boolean },
): Record<string, string> {
  const raw = env[name]?.trim();
  const result: Record<string, string> = {};
  if (raw === undefined || raw === '') return result;
  for (const [index, entry] of raw.split(',').entries()) {
    if (entry.trim() === '') continue;
    const equals = entry.indexOf('=');
    const key = equals > 0 ? entry.slice(0, equals).trim() : '';
    let value: string | undefined;
    try {
      value = equals > 0 ? decodeURIComponent(entry.slice(equals + 1).trim()) : undefined;
    } catch {
      value = undefined;
    }
    if (key === '' || value === undefined || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(key)) {
      problems.push(
        `${name} must be a comma-separated list of key=value pairs with percent-encoded values; entry ${index + 1}${options.secret ? '' : ` ("${entry.trim()}")`} is not`,
      );
      continue;
    }
    result[key] = value;
  }
  return result;
}

function milliseconds(raw: string | undefined, name: string, fallback: number, problems: string[]): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < 1 || value > 600_000) {
    problems.push(`${name} must be a whole number of milliseconds from 1 to 600000; got "${raw}"`);
    return fallback;
  }
  return value;
}
