import { DescribeSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { awsErrorKind, awsErrorName, translateAwsError } from '../../src/adapters/aws/aws-error.js';

/** An error shaped as the SDK throws it: its name is the AWS error, its text is not ours to pass on. */
function sdkError(name: string, text: string, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(text), { name, ...extra });
}

describe('translateAwsError', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('names a missing region, as the real SDK client reports it, and says to set AWS_REGION', async () => {
    // Only the environment and the (absent) config files are consulted: no request is sent.
    vi.stubEnv('AWS_REGION', undefined);
    vi.stubEnv('AWS_DEFAULT_REGION', undefined);
    vi.stubEnv('AWS_PROFILE', undefined);
    vi.stubEnv('AWS_CONFIG_FILE', '/nonexistent/aws-config');
    vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', '/nonexistent/aws-credentials');
    const client = new SecretsManagerClient({ maxAttempts: 1 });
    const thrown = await client.send(new DescribeSecretCommand({ SecretId: 'x' })).catch((error) => error);

    const translated = translateAwsError(thrown, 'Secrets Manager DescribeSecret');

    expect(awsErrorName(thrown)).toBe('RegionMissing');
    expect(translated).toMatchObject({
      code: 'DEPENDENCY_UNAVAILABLE',
      message:
        'Secrets Manager DescribeSecret failed (RegionMissing): no AWS region is configured: set AWS_REGION',
      details: { operation: 'Secrets Manager DescribeSecret', awsError: 'RegionMissing' },
    });
  });

  it('names a malformed region, as the real SDK client reports it', async () => {
    vi.stubEnv('AWS_REGION', '');
    const client = new SecretsManagerClient({ maxAttempts: 1 });
    const thrown = await client.send(new DescribeSecretCommand({ SecretId: 'x' })).catch((error) => error);

    const translated = translateAwsError(thrown, 'Secrets Manager DescribeSecret');

    expect(translated.message).toBe(
      'Secrets Manager DescribeSecret failed (RegionInvalid): AWS_REGION is not a region name such as us-west-2',
    );
  });

  it.each([
    [
      'no credentials',
      sdkError('CredentialsProviderError', 'Could not load credentials from any providers'),
      /no AWS credentials were found: run with an IAM role, or set AWS_PROFILE/,
    ],
    [
      'access denied',
      sdkError('AccessDeniedException', 'User: arn:aws:sts::123456789012:assumed-role/x is not authorized'),
      /AWS refused the credentials or the permission: check the service's IAM policy/,
    ],
    [
      'an unknown access key',
      sdkError('UnrecognizedClientException', 'The security token included in the request is invalid'),
      /AWS refused the credentials/,
    ],
    [
      'an unreachable endpoint',
      sdkError('Error', 'getaddrinfo ENOTFOUND secretsmanager.example', { code: 'ENOTFOUND' }),
      /could not reach AWS \(ENOTFOUND\): check the network, AWS_REGION and any AWS_ENDPOINT_URL_\* setting/,
    ],
    [
      'throttling',
      sdkError('ThrottlingException', 'Rate exceeded'),
      /is unavailable right now \(ThrottlingException\); try again shortly/,
    ],
  ])('says what to do about %s, naming the error but never quoting the SDK', (_case, error, expected) => {
    const translated = translateAwsError(error, 'IVS ListPlaybackKeyPairs');

    expect(translated.message).toMatch(expected);
    expect(translated.message).not.toContain(error.message);
    expect(translated.details).toEqual({
      operation: 'IVS ListPlaybackKeyPairs',
      awsError: awsErrorName(error),
    });
  });
});

describe('awsErrorKind', () => {
  it('calls throttling, 5xx, timeouts and network failures unavailable: waiting may fix them', () => {
    const unavailable = [
      sdkError('ThrottlingException', 'Rate exceeded'),
      sdkError('TimeoutError', 'timed out'),
      sdkError('SomethingNew', 'oops', { $metadata: { httpStatusCode: 502 } }),
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }),
    ];

    expect(unavailable.map(awsErrorKind)).toEqual([
      'unavailable',
      'unavailable',
      'unavailable',
      'unavailable',
    ]);
  });

  it('calls IAM, credential and region failures refused: a person must act', () => {
    const refused = [
      sdkError('AccessDeniedException', 'not authorized'),
      sdkError('UnrecognizedClientException', 'bad token'),
      sdkError('CredentialsProviderError', 'Could not load credentials from any providers'),
      sdkError('Error', 'Region is missing'),
    ];

    expect(refused.map(awsErrorKind)).toEqual(['refused', 'refused', 'refused', 'refused']);
  });

  it('calls any other answer other, such as a key pair already deleted', () => {
    expect(
      awsErrorKind(sdkError('ResourceNotFoundException', 'gone', { $metadata: { httpStatusCode: 404 } })),
    ).toBe('other');
    expect(awsErrorKind(sdkError('ValidationException', 'bad', { $metadata: { httpStatusCode: 400 } }))).toBe(
      'other',
    );
  });
});
