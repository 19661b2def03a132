import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { readTracingConfig } from '../../src/tracing-config.js';

const read = (env: Record<string, string>) => {
  const problems: string[] = [];
  const tracing = readTracingConfig(env, problems);
  return { tracing, problems };
};

describe('tracing configuration (OTEL_* variables)', () => {
  it('is off with nothing set, with OTEL_TRACES_EXPORTER=none and with OTEL_SDK_DISABLED=true', () => {
    expect(read({})).toEqual({ tracing: undefined, problems: [] });
    expect(read({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' })).toEqual({
      tracing: undefined,
      problems: [],
    });
    expect(
      read({ OTEL_SDK_DISABLED: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' }).tracing,
    ).toBeUndefined();
  });

  it('ignores the other OTEL_* variables while off, even invalid ones', () => {
    expect(read({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_TRACES_SAMPLER: 'nonsense' })).toEqual({
      tracing: undefined,
      problems: [],
    });
  });

  it('turns on with an endpoint, sending to its /v1/traces with the specification defaults', () => {
    expect(read({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector:4318' })).toEqual({
      problems: [],
      tracing: {
        endpoint: 'http://otel-collector:4318/v1/traces',
        protocol: 'http/protobuf',
        headers: {},
        timeoutMillis: 10_000,
        serviceName: 'ivs-playback-auth',
        resourceAttributes: {},
        sampler: 'parentbased_always_on',
        samplerRatio: 1,
        scheduledDelayMillis: 5000,
      },
    });
    expect(read({ OTEL_EXPORTER_OTLP_ENDPOINT: 'https://otlp.example.com/base/' }).tracing?.endpoint).toBe(
      'https://otlp.example.com/base/v1/traces',
    );
  });

  it('turns on with OTEL_TRACES_EXPORTER=otlp alone, sending to a collector on this host', () => {
    expect(read({ OTEL_TRACES_EXPORTER: 'otlp' }).tracing?.endpoint).toBe('http://localhost:4318/v1/traces');
  });

  it('uses a traces endpoint as given, and the traces-specific settings over the general ones', () => {
    const { tracing, problems } = read({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://general:4318',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://traces:4318/custom/path',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
      OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json',
      OTEL_EXPORTER_OTLP_HEADERS: 'x-tenant=a,authorization=Bearer%20general',
      OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'authorization=Bearer%20traces',
      OTEL_EXPORTER_OTLP_TIMEOUT: '5000',
      OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: '2500',
      OTEL_SERVICE_NAME: 'tokens-eu',
      OTEL_RESOURCE_ATTRIBUTES:
        'deployment.environment.name=prod,service.name=ignored,k8s.pod.name=ipa-7%2C8',
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.25',
      OTEL_BSP_SCHEDULE_DELAY: '1000',
    });

    expect(problems).toEqual([]);
    expect(tracing).toEqual({
      endpoint: 'http://traces:4318/custom/path',
      protocol: 'http/json',
      headers: { 'x-tenant': 'a', authorization: 'Bearer traces' },
      timeoutMillis: 2500,
      serviceName: 'tokens-eu',
      resourceAttributes: {
        'deployment.environment.name': 'prod',
        'service.name': 'ignored',
        'k8s.pod.name': 'ipa-7,8',
      },
      sampler: 'parentbased_traceidratio',
      samplerRatio: 0.25,
      scheduledDelayMillis: 1000,
    });
  });

  it('takes service.name from OTEL_RESOURCE_ATTRIBUTES when OTEL_SERVICE_NAME is unset', () => {
    expect(
      read({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_RESOURCE_ATTRIBUTES: 'service.name=ipa-blue' }).tracing
        ?.serviceName,
    ).toBe('ipa-blue');
  });

  it('refuses what it cannot do, naming the variable and what to use instead', () => {
    const { tracing, problems } = read({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'grpc://collector:4317',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
      OTEL_TRACES_SAMPLER: 'sometimes',
      OTEL_EXPORTER_OTLP_TIMEOUT: '-1',
      OTEL_BSP_SCHEDULE_DELAY: 'soon',
    });

    expect(tracing).toBeUndefined();
    expect(problems).toEqual([
      'OTEL_EXPORTER_OTLP_ENDPOINT must be an http:// or https:// URL (OTLP over HTTP); got a grpc: URL',
      'OTEL_EXPORTER_OTLP_PROTOCOL=grpc is not supported: this service exports over OTLP/HTTP; use http/protobuf (collectors take it on port 4318)',
      'OTEL_EXPORTER_OTLP_TIMEOUT must be a whole number of milliseconds from 1 to 600000; got "-1"',
      'OTEL_BSP_SCHEDULE_DELAY must be a whole number of milliseconds from 1 to 600000; got "soon"',
      'OTEL_TRACES_SAMPLER must be one of always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off, parentbased_traceidratio; got "sometimes"',
    ]);
  });

  it('refuses other exporters, a ratio outside 0…1, and an endpoint with credentials in it', () => {
    expect(read({ OTEL_TRACES_EXPORTER: 'zipkin' }).problems).toEqual([
      'OTEL_TRACES_EXPORTER must be otlp or none (this service exports traces over OTLP/HTTP, to a collector or a back end that accepts OTLP); got "zipkin"',
    ]);
    expect(
      read({
        OTEL_TRACES_EXPORTER: 'otlp',
        OTEL_TRACES_SAMPLER: 'traceidratio',
        OTEL_TRACES_SAMPLER_ARG: '1.5',
      }).problems,
    ).toEqual(['OTEL_TRACES_SAMPLER_ARG must be a probability from 0 to 1 with traceidratio; got "1.5"']);
    const withCredentials = read({
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://user:s3cret@otlp.example.com/v1/traces',
    });
    expect(withCredentials.problems).toEqual([
      'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT must not hold credentials: put them in OTEL_EXPORTER_OTLP_HEADERS instead',
    ]);
    expect(withCredentials.problems.join()).not.toContain('s3cret');
  });

  it('never repeats a malformed header value (headers carry credentials)', () => {
    const { problems } = read({
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_HEADERS: 'api-key=top%ZZsecret,=orphan,good=ok',
    });

    expect(problems).toEqual([
      'OTEL_EXPORTER_OTLP_HEADERS must be a comma-separated list of key=value pairs with percent-encoded values; entry 1 is not',
      'OTEL_EXPORTER_OTLP_HEADERS must be a comma-separated list of key=value pairs with percent-encoded values; entry 2 is not',
    ]);
    expect(problems.join()).not.toContain('secret');
  });

  it('is part of the server configuration only, and its problems are reported with the others', () => {
    const env = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' };

    expect(loadConfig(env, 'server').tracing?.endpoint).toBe('http://collector:4318/v1/traces');
    expect(loadConfig(env, 'cli').tracing).toBeUndefined();
    expect(loadConfig(env, 'rotation-function').tracing).toBeUndefined();
    expect(() => loadConfig({ PORT: 'x', OTEL_TRACES_EXPORTER: 'jaeger' })).toThrow(ConfigError);
    try {
      loadConfig({ PORT: 'x', OTEL_TRACES_EXPORTER: 'jaeger' });
    } catch (error) {
      expect((error as ConfigError).problems).toHaveLength(2);
    }
  });
});
