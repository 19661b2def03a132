import {
  BatchGetChannelCommand,
  GetPlaybackKeyPairCommand,
  ImportPlaybackKeyPairCommand,
  type ImportPlaybackKeyPairCommandInput,
  IvsClient,
  ListChannelsCommand,
  ListPlaybackKeyPairsCommand,
  StartViewerSessionRevocationCommand,
} from '@aws-sdk/client-ivs';
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  ListSecretsCommand,
  PutSecretValueCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { describe, expect, it } from 'vitest';
import {
  generateP384KeyPair,
  ivsClientFor,
  sdkErrorOf,
  secretsManagerClientFor,
} from '../support/aws-stand-in/index.js';
import { useStandIn } from '../support/aws-stand-in/use-stand-in.js';
import { validateInput } from '../support/aws-stand-in/validate.js';
import { ivsOperations, secretsManagerOperations } from '../support/aws-stand-in/validation-table.js';

type HttpRequestLike = { headers: Record<string, string>; body?: unknown };
type AnyClient = IvsClient | SecretsManagerClient;

const {
  standIn,
  ivsClient: ivs,
  secretsManagerClient: sm,
} = useStandIn({ ivsClient: { maxAttempts: 1 }, secretsManagerClient: { maxAttempts: 1 } });

/** The serialized body as text, whether the SDK holds it as a string or as bytes. */
function bodyText(body: unknown): string {
  return typeof body === 'string' ? body : new TextDecoder().decode(body as Uint8Array);
}

/**
 * Adds `intercept` to either client's middleware stack. The two clients' stacks have unrelated
 * types, so each gets its own call. `add` is overloaded per step and TypeScript cannot pick an
 * overload for a union of steps; the cast only selects one, the real step travels in `options`.
 */
function addMiddleware<C extends AnyClient>(
  client: C,
  intercept: <A extends { request: unknown }, R>(next: (args: A) => Promise<R>) => (args: A) => Promise<R>,
  options: { step: 'build' | 'deserialize'; name: string; priority?: 'high' },
): C {
  if (client instanceof IvsClient) client.middlewareStack.add(intercept, options as { step: 'build' });
  else client.middlewareStack.add(intercept, options as { step: 'build' });
  return client;
}

/** Rewrites the request after the SDK signed it (the deserialize step runs last before sending). */
function afterSigning<C extends AnyClient>(client: C, rewrite: (request: HttpRequestLike) => void): C {
  const intercept =
    <A extends { request: unknown }, R>(next: (args: A) => Promise<R>) =>
    async (args: A): Promise<R> => {
      rewrite(args.request as HttpRequestLike);
      return next(args);
    };
  return addMiddleware(client, intercept, { step: 'deserialize', name: 'standInTestAfterSigning' });
}

/** Rewrites the JSON body before the SDK signs it, e.g. to send a member the SDK does not model. */
function beforeSigning<C extends AnyClient>(client: C, rewrite: (body: Record<string, unknown>) => void): C {
  const intercept =
    <A extends { request: unknown }, R>(next: (args: A) => Promise<R>) =>
    async (args: A): Promise<R> => {
      const request = args.request as HttpRequestLike;
      const body = JSON.parse(bodyText(request.body)) as Record<string, unknown>;
      rewrite(body);
      request.body = JSON.stringify(body);
      request.headers['content-length'] = String(Buffer.byteLength(request.body as string));
      return next(args);
    };
  return addMiddleware(client, intercept, {
    step: 'build',
    priority: 'high',
    name: 'standInTestBeforeSigning',
  });
}

describe('request validation (IVS → ValidationException)', () => {
  it.each<[string, () => Promise<unknown>, string]>([
    [
      'a key pair name longer than 128',
      () =>
        ivs().send(
          new ImportPlaybackKeyPairCommand({
            publicKeyMaterial: generateP384KeyPair().publicKeyPem,
            name: 'n'.repeat(129),
          }),
        ),
      "Value at 'name' failed to satisfy constraint: Member must have length less than or equal to 128",
    ],
    [
      'a key pair name outside [a-zA-Z0-9-_]',
      () =>
        ivs().send(
          new ImportPlaybackKeyPairCommand({
            publicKeyMaterial: generateP384KeyPair().publicKeyPem,
            name: 'has space',
          }),
        ),
      'regular expression pattern',
    ],
    [
      'an ARN of the wrong resource type',
      () =>
        ivs().send(
          new GetPlaybackKeyPairCommand({ arn: 'arn:aws:ivs:us-west-2:123456789012:channel/AbCdEfGhIjKl' }),
        ),
      "Value at 'arn' failed to satisfy constraint: Member must satisfy regular expression pattern",
    ],
    [
      'a missing required member',
      () => ivs().send(new ImportPlaybackKeyPairCommand({ name: 'k' } as ImportPlaybackKeyPairCommandInput)),
      "Value null at 'publicKeyMaterial' failed to satisfy constraint: Member must not be null",
    ],
    [
      'maxResults 0',
      () => ivs().send(new ListPlaybackKeyPairsCommand({ maxResults: 0 })),
      "Value '0' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 1",
    ],
    [
      'maxResults 101',
      () => ivs().send(new ListPlaybackKeyPairsCommand({ maxResults: 101 })),
      'less than or equal to 100',
    ],
    [
      'an empty BatchGetChannel',
      () => ivs().send(new BatchGetChannelCommand({ arns: [] })),
      "Value at 'arns' failed to satisfy constraint: Member must have length greater than or equal to 1",
    ],
    [
      'a viewerId longer than 40',
      () =>
        ivs().send(
          new StartViewerSessionRevocationCommand({
            channelArn: 'arn:aws:ivs:us-west-2:123456789012:channel/AbCdEfGhIjKl',
            viewerId: 'v'.repeat(41),
          }),
        ),
      "Value at 'viewerId'",
    ],
    [
      'a nextToken this API did not issue',
      () => ivs().send(new ListPlaybackKeyPairsCommand({ nextToken: 'bm9wZQ' })),
      'nextToken',
    ],
  ])('rejects %s', async (_what, call, expectedMessage) => {
    const failure = await sdkErrorOf(call());

    expect(failure).toMatchObject({ name: 'ValidationException', status: 400 });
    expect(failure.message).toContain(expectedMessage);
    expect(standIn.rejected()).toEqual([
      expect.objectContaining({
        service: 'ivs',
        status: 400,
        errorType: 'ValidationException',
        rejectedFor: 'validation',
      }),
    ]);
  });

  it('rejects a member the operation does not accept', async () => {
    const client = beforeSigning(ivsClientFor(standIn, { maxAttempts: 1 }), (body) => {
      body['unexpected'] = true;
    });

    const failure = await sdkErrorOf(client.send(new ListPlaybackKeyPairsCommand({})));

    expect(failure).toMatchObject({ name: 'ValidationException', status: 400 });
    expect(failure.message).toContain("Member 'unexpected' is not accepted");
  });

  it('lists every violation of one request in one message', async () => {
    const failure = await sdkErrorOf(
      ivs().send(
        new ImportPlaybackKeyPairCommand({
          name: 'bad name!'.repeat(20),
        } as ImportPlaybackKeyPairCommandInput),
      ),
    );

    expect(failure.message).toMatch(/^3 validation errors detected: /);
  });
});

describe('request validation (Secrets Manager → InvalidParameterException)', () => {
  it.each<[string, () => Promise<unknown>, string]>([
    [
      'a ClientRequestToken shorter than 32',
      () => sm().send(new CreateSecretCommand({ Name: 's', SecretString: 'v', ClientRequestToken: 'short' })),
      "Value at 'ClientRequestToken'",
    ],
    [
      'a SecretString over 65,536 UTF-8 bytes (though under 65,536 characters)',
      () => sm().send(new CreateSecretCommand({ Name: 's', SecretString: 'é'.repeat(40_000) })),
      "Value at 'SecretString' failed to satisfy constraint: Member must have length less than or equal to 65536",
    ],
    [
      'an empty VersionStages list',
      () => sm().send(new PutSecretValueCommand({ SecretId: 's', SecretString: 'v', VersionStages: [] })),
      "Value at 'VersionStages'",
    ],
    [
      'a missing SecretId',
      () => sm().send(new DescribeSecretCommand({} as { SecretId: string })),
      "Value null at 'SecretId'",
    ],
    [
      'a secret name with characters AWS refuses',
      () => sm().send(new CreateSecretCommand({ Name: 'bad name', SecretString: 'v' })),
      'Invalid name',
    ],
    [
      'both SecretString and SecretBinary',
      () =>
        sm().send(
          new CreateSecretCommand({ Name: 's', SecretString: 'v', SecretBinary: new Uint8Array([1]) }),
        ),
      'not both',
    ],
  ])('rejects %s', async (_what, call, expectedMessage) => {
    const failure = await sdkErrorOf(call());

    expect(failure).toMatchObject({ name: 'InvalidParameterException', status: 400 });
    expect(failure.message).toContain(expectedMessage);
    expect(standIn.rejected()).toEqual([
      expect.objectContaining({
        service: 'secretsmanager',
        errorType: 'InvalidParameterException',
        rejectedFor: 'validation',
      }),
    ]);
  });
});

describe('SigV4 Authorization header', () => {
  it('rejects a request without one: IVS AccessDeniedException, Secrets Manager MissingAuthenticationTokenException', async () => {
    const strip = (request: HttpRequestLike) => {
      delete request.headers['authorization'];
    };

    const ivsFailure = await sdkErrorOf(
      afterSigning(ivsClientFor(standIn, { maxAttempts: 1 }), strip).send(
        new ListPlaybackKeyPairsCommand({}),
      ),
    );
    const smFailure = await sdkErrorOf(
      afterSigning(secretsManagerClientFor(standIn, { maxAttempts: 1 }), strip).send(
        new DescribeSecretCommand({ SecretId: 's' }),
      ),
    );

    expect(ivsFailure).toMatchObject({ name: 'AccessDeniedException', status: 403 });
    expect(smFailure).toMatchObject({ name: 'MissingAuthenticationTokenException', status: 403 });
    expect(standIn.rejected().map((request) => request.rejectedFor)).toEqual(['signature', 'signature']);
  });

  it('rejects a garbled one: IVS AccessDeniedException, Secrets Manager IncompleteSignatureException', async () => {
    const garble = (request: HttpRequestLike) => {
      request.headers['authorization'] = 'AWS4-HMAC-SHA256 Credential=nonsense, Signature=zz';
    };

    const ivsFailure = await sdkErrorOf(
      afterSigning(ivsClientFor(standIn, { maxAttempts: 1 }), garble).send(
        new ListPlaybackKeyPairsCommand({}),
      ),
    );
    const smFailure = await sdkErrorOf(
      afterSigning(secretsManagerClientFor(standIn, { maxAttempts: 1 }), garble).send(
        new DescribeSecretCommand({ SecretId: 's' }),
      ),
    );

    expect(ivsFailure).toMatchObject({ name: 'AccessDeniedException', status: 403 });
    expect(smFailure).toMatchObject({ name: 'IncompleteSignatureException', status: 400 });
    expect(standIn.rejected()).toHaveLength(2);
  });

  it('rejects a signature over another body (InvalidSignatureException)', async () => {
    const client = afterSigning(secretsManagerClientFor(standIn, { maxAttempts: 1 }), (request) => {
      request.body = bodyText(request.body).replace('"s"', '"t"');
    });

    const failure = await sdkErrorOf(client.send(new DescribeSecretCommand({ SecretId: 's' })));

    expect(failure).toMatchObject({ name: 'InvalidSignatureException', status: 403 });
    expect(failure.message).toContain('signature');
  });

  it('rejects a credential scoped to another region or service', async () => {
    const wrongRegion = secretsManagerClientFor(standIn, { maxAttempts: 1, region: 'eu-west-1' });
    const wrongService = afterSigning(secretsManagerClientFor(standIn, { maxAttempts: 1 }), (request) => {
      request.headers['authorization'] = String(request.headers['authorization']).replace(
        '/secretsmanager/',
        '/ivs/',
      );
    });
    // IVS answers every region (its state is kept per region), but only a region's name.
    const ivsNoRegion = afterSigning(ivsClientFor(standIn, { maxAttempts: 1 }), (request) => {
      request.headers['authorization'] = String(request.headers['authorization']).replace(
        '/us-west-2/ivs/',
        '/global/ivs/',
      );
    });

    const regionFailure = await sdkErrorOf(wrongRegion.send(new DescribeSecretCommand({ SecretId: 's' })));
    const serviceFailure = await sdkErrorOf(wrongService.send(new DescribeSecretCommand({ SecretId: 's' })));
    const ivsFailure = await sdkErrorOf(ivsNoRegion.send(new ListPlaybackKeyPairsCommand({})));

    expect(regionFailure).toMatchObject({ name: 'InvalidSignatureException', status: 403 });
    expect(regionFailure.message).toContain('region');
    expect(serviceFailure.message).toContain('service');
    expect(ivsFailure).toMatchObject({ name: 'AccessDeniedException', status: 403 });
    expect(ivsFailure.message).toContain("'global' is not an AWS region name");
  });

  it('rejects credentials other than the stand-in test key (UnrecognizedClientException)', async () => {
    const client = secretsManagerClientFor(standIn, {
      maxAttempts: 1,
      credentials: { accessKeyId: 'SOMEONEELSE', secretAccessKey: 'x' },
    });

    const failure = await sdkErrorOf(client.send(new DescribeSecretCommand({ SecretId: 's' })));

    expect(failure).toMatchObject({ name: 'UnrecognizedClientException', status: 403 });
  });
});

describe('operations the stand-in does not implement', () => {
  it('answers UnknownOperationException by name and counts it as rejected', async () => {
    const ivsFailure = await sdkErrorOf(ivs().send(new ListChannelsCommand({})));
    const smFailure = await sdkErrorOf(sm().send(new ListSecretsCommand({})));

    expect(ivsFailure).toMatchObject({ name: 'UnknownOperationException', status: 404 });
    expect(smFailure).toMatchObject({ name: 'UnknownOperationException', status: 400 });
    expect(standIn.rejected().map(({ operation, rejectedFor }) => ({ operation, rejectedFor }))).toEqual([
      { operation: 'ListChannels', rejectedFor: 'routing' },
      { operation: 'ListSecrets', rejectedFor: 'routing' },
    ]);
  });
});

describe('validateInput', () => {
  it('accepts a valid request and checks nested list members', () => {
    const shape = ivsOperations.BatchStartViewerSessionRevocation.input;

    const valid = validateInput(
      { viewerSessions: [{ channelArn: 'arn:aws:ivs:us-west-2:1:channel/abc', viewerId: 'v' }] },
      shape,
    );
    const invalid = validateInput(
      { viewerSessions: [{ channelArn: 'arn:aws:ivs:us-west-2:1:channel/abc', viewerId: '' }] },
      shape,
    );

    expect(valid).toEqual([]);
    expect(invalid).toEqual([
      "Value at 'viewerSessions.1.member.viewerId' failed to satisfy constraint: Member must have length greater than or equal to 1",
    ]);
  });

  it('checks types, integers and map keys', () => {
    expect(validateInput({ maxResults: 1.5 }, ivsOperations.ListPlaybackKeyPairs.input)).toEqual([
      "Value at 'maxResults' failed to satisfy constraint: Member must be an integer",
    ]);
    expect(
      validateInput({ publicKeyMaterial: 'x', tags: { '': 'v' } }, ivsOperations.ImportPlaybackKeyPair.input),
    ).toHaveLength(2);
    expect(
      validateInput(
        { SecretId: 's', IncludeDeprecated: 'yes' },
        secretsManagerOperations.ListSecretVersionIds.input,
      ),
    ).toEqual(["Value at 'IncludeDeprecated' failed to satisfy constraint: Member must be a boolean"]);
  });
});
