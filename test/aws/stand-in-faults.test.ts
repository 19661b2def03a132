import { ImportPlaybackKeyPairCommand, ListPlaybackKeyPairsCommand } from '@aws-sdk/client-ivs';
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
} from '@aws-sdk/client-secrets-manager';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  generateP384KeyPair,
  ivsClientFor,
  sdkErrorOf,
  secretsManagerClientFor,
} from '../support/aws-stand-in/index.js';
import { useStandIn } from '../support/aws-stand-in/use-stand-in.js';

const {
  standIn,
  ivsClient: ivs,
  secretsManagerClient: sm,
} = useStandIn({
  // One attempt, so the SDK's retries cannot hide an injected fault.
  ivsClient: { maxAttempts: 1 },
  secretsManagerClient: { maxAttempts: 1 },
});

beforeEach(async () => {
  await sm().send(new CreateSecretCommand({ Name: 'key', SecretString: 'v1' }));
});

const getValue = () => sm().send(new GetSecretValueCommand({ SecretId: 'key' }));
const outcome = (promise: Promise<unknown>) =>
  promise.then(
    () => 'ok',
    (error: Error) => error.name,
  );

describe('fault kinds', () => {
  it.each([
    ['throttle', 'ThrottlingException', 429, 'ThrottlingException', 400],
    ['server-error', 'InternalServerException', 500, 'InternalServiceError', 500],
    ['unavailable', 'ServiceUnavailable', 503, 'ServiceUnavailable', 503],
  ] as const)(
    '%s answers IVS %s (%i) and Secrets Manager %s (%i)',
    async (kind, ivsName, ivsStatus, smName, smStatus) => {
      standIn.faults.add({ kind });

      const ivsFailure = await sdkErrorOf(ivs().send(new ListPlaybackKeyPairsCommand({})));
      const smFailure = await sdkErrorOf(getValue());

      expect(ivsFailure).toMatchObject({ name: ivsName, status: ivsStatus });
      expect(smFailure).toMatchObject({ name: smName, status: smStatus });
      expect(standIn.requests.slice(-2).map((request) => request.fault)).toEqual([kind, kind]);
      expect(standIn.rejected()).toEqual([]);
    },
  );

  it('drop closes the connection without an answer and without the effect', async () => {
    standIn.faults.add({ kind: 'drop', operation: 'ImportPlaybackKeyPair' });

    const failure = await sdkErrorOf(
      ivs().send(new ImportPlaybackKeyPairCommand({ publicKeyMaterial: generateP384KeyPair().publicKeyPem })),
    );

    expect(failure.code ?? failure.name).toMatch(/ECONNRESET|socket hang up/i);
    expect(standIn.ivs.keyPairs).toEqual([]);
    expect(standIn.requests.at(-1)).toMatchObject({
      operation: 'ImportPlaybackKeyPair',
      status: 0,
      fault: 'drop',
    });
  });

  it('latency delays the answer', async () => {
    standIn.faults.add({ kind: 'latency', latencyMs: 150, service: 'secretsmanager' });

    const started = performance.now();
    const value = await getValue();

    expect(value.SecretString).toBe('v1');
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
  });
});

describe('afterEffect: the request takes effect, the reply is lost', () => {
  it('a dropped import still imports, so the caller retrying gets ConflictException', async () => {
    const { publicKeyPem } = generateP384KeyPair();
    standIn.faults.add({ kind: 'drop', operation: 'ImportPlaybackKeyPair', afterEffect: true, times: 1 });

    const lost = await sdkErrorOf(
      ivs().send(new ImportPlaybackKeyPairCommand({ publicKeyMaterial: publicKeyPem })),
    );
    const retry = await sdkErrorOf(
      ivs().send(new ImportPlaybackKeyPairCommand({ publicKeyMaterial: publicKeyPem })),
    );

    expect(lost.code ?? lost.name).toMatch(/ECONNRESET|socket hang up/i);
    expect(retry).toMatchObject({ name: 'ConflictException', status: 409 });
    expect(standIn.ivs.keyPairs).toHaveLength(1);
  });

  it('a 500 after PutSecretValue took effect is healed by the SDK retrying with the same ClientRequestToken', async () => {
    const retrying = secretsManagerClientFor(standIn);
    standIn.faults.add({ kind: 'server-error', operation: 'PutSecretValue', afterEffect: true, times: 1 });

    const put = await retrying.send(new PutSecretValueCommand({ SecretId: 'key', SecretString: 'v2' }));

    expect(put.$metadata.attempts).toBe(2);
    expect(standIn.secrets.secret('key')?.versions).toHaveLength(2);
    expect(
      standIn.requests.filter((request) => request.operation === 'PutSecretValue').map((r) => r.status),
    ).toEqual([500, 200]);
    retrying.destroy();
  });

  it('a client timeout during an after-effect delay leaves the effect in place', async () => {
    const impatient = secretsManagerClientFor(standIn, {
      maxAttempts: 1,
      requestHandler: { requestTimeout: 100, throwOnRequestTimeout: true },
    });
    standIn.faults.add({ kind: 'latency', latencyMs: 400, operation: 'PutSecretValue', afterEffect: true });

    const failure = await sdkErrorOf(
      impatient.send(new PutSecretValueCommand({ SecretId: 'key', SecretString: 'v2' })),
    );

    expect(failure.name).toBe('TimeoutError');
    expect(standIn.secrets.secret('key')?.versions.map((version) => version.secretString)).toEqual([
      'v1',
      'v2',
    ]);
    impatient.destroy();
  });
});

describe('which requests a fault hits', () => {
  it('nth fails only the nth matching call', async () => {
    standIn.faults.add({ kind: 'server-error', operation: 'GetSecretValue', nth: 2 });

    const results = [await outcome(getValue()), await outcome(getValue()), await outcome(getValue())];

    expect(results).toEqual(['ok', 'InternalServiceError', 'ok']);
    expect(standIn.faults.list()).toEqual([]);
  });

  it('times fails the next K matching calls', async () => {
    standIn.faults.add({ kind: 'throttle', service: 'secretsmanager', times: 2 });

    const results = [await outcome(getValue()), await outcome(getValue()), await outcome(getValue())];

    expect(results).toEqual(['ThrottlingException', 'ThrottlingException', 'ok']);
  });

  it('without nth or times, fails every matching call until cleared', async () => {
    const id = standIn.faults.add({ kind: 'unavailable', operation: 'GetSecretValue' });

    const whileActive = [await outcome(getValue()), await outcome(getValue()), await outcome(getValue())];
    standIn.faults.clear(id);
    const afterClear = await outcome(getValue());

    expect(whileActive).toEqual(['ServiceUnavailable', 'ServiceUnavailable', 'ServiceUnavailable']);
    expect(afterClear).toBe('ok');
  });

  it('service and operation filters leave other requests alone', async () => {
    standIn.faults.add({ kind: 'throttle', service: 'ivs' });
    standIn.faults.add({ kind: 'throttle', operation: 'PutSecretValue' });

    const smRead = await outcome(getValue());
    const smWrite = await outcome(
      sm().send(new PutSecretValueCommand({ SecretId: 'key', SecretString: 'v2' })),
    );
    const ivsRead = await outcome(ivs().send(new ListPlaybackKeyPairsCommand({})));

    expect([smRead, smWrite, ivsRead]).toEqual(['ok', 'ThrottlingException', 'ThrottlingException']);
  });

  it('lists active faults and refuses inconsistent specs', () => {
    const id = standIn.faults.add({ kind: 'throttle', nth: 3 });

    expect(standIn.faults.list()).toEqual([{ id, kind: 'throttle', nth: 3, seen: 0, fired: 0 }]);
    expect(() => standIn.faults.add({ kind: 'latency' })).toThrow(TypeError);
    expect(() => standIn.faults.add({ kind: 'drop', nth: 0 })).toThrow(TypeError);
    expect(() => standIn.faults.add({ kind: 'throttle', latencyMs: 5 })).toThrow(TypeError);
  });
});

describe('the SDK default retry strategy', () => {
  it('succeeds after one throttle, for IVS and for Secrets Manager', async () => {
    const retryingIvs = ivsClientFor(standIn);
    const retryingSm = secretsManagerClientFor(standIn);
    standIn.faults.add({ kind: 'throttle', operation: 'ListPlaybackKeyPairs', times: 1 });
    standIn.faults.add({ kind: 'throttle', operation: 'GetSecretValue', times: 1 });

    const listed = await retryingIvs.send(new ListPlaybackKeyPairsCommand({}));
    const value = await retryingSm.send(new GetSecretValueCommand({ SecretId: 'key' }));

    expect(listed.$metadata.attempts).toBe(2);
    expect(value.$metadata.attempts).toBe(2);
    expect(value.SecretString).toBe('v1');
    retryingIvs.destroy();
    retryingSm.destroy();
  });
});
