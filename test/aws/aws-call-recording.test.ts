import {
  DeletePlaybackKeyPairCommand,
  type IvsClient,
  ListPlaybackKeyPairsCommand,
} from '@aws-sdk/client-ivs';
import { DescribeSecretCommand } from '@aws-sdk/client-secrets-manager';
import { describe, expect, it } from 'vitest';
import { type AwsCall, recordAwsCalls } from '../../src/adapters/aws/aws-call-recording.js';
import { ivsClientFor, secretsManagerClientFor } from '../support/aws-stand-in/sdk-clients.js';
import { useStandIn } from '../support/aws-stand-in/use-stand-in.js';

/**
 * Every AWS call counted once, after the SDK's retries, with the AWS error's name and what kind of
 * failure it is (the aws_api_call* metrics), through the real SDK clients against the stand-in.
 */
describe('recordAwsCalls', () => {
  const { standIn } = useStandIn();
  const recorded = (client: IvsClient | ReturnType<typeof secretsManagerClientFor>, service: string) => {
    const calls: AwsCall[] = [];
    recordAwsCalls(client, service, (call) => calls.push(call));
    return calls;
  };

  it('records a successful call once, with its operation and region', async () => {
    const client = ivsClientFor(standIn, { region: 'eu-west-1' });
    const calls = recorded(client, 'ivs');

    await client.send(new ListPlaybackKeyPairsCommand({}));

    expect(calls).toEqual([{ service: 'ivs', operation: 'ListPlaybackKeyPairs', region: 'eu-west-1' }]);
    client.destroy();
  });

  it('records a call the SDK retried into success as one success', async () => {
    const client = ivsClientFor(standIn, { maxAttempts: 3 });
    const calls = recorded(client, 'ivs');
    standIn.faults.add({ kind: 'throttle', operation: 'ListPlaybackKeyPairs', times: 1 });

    await client.send(new ListPlaybackKeyPairsCommand({}));

    expect(calls).toEqual([{ service: 'ivs', operation: 'ListPlaybackKeyPairs', region: 'us-west-2' }]);
    client.destroy();
  });

  it('records a failure after the retries with the error name and its kind, and rethrows it', async () => {
    const client = secretsManagerClientFor(standIn, { maxAttempts: 2 });
    const calls = recorded(client, 'secretsmanager');
    standIn.faults.add({ kind: 'unavailable', operation: 'DescribeSecret' });

    await expect(client.send(new DescribeSecretCommand({ SecretId: 'some-secret' }))).rejects.toThrow();

    expect(calls).toEqual([
      {
        service: 'secretsmanager',
        operation: 'DescribeSecret',
        region: 'us-west-2',
        error: { name: 'ServiceUnavailable', kind: 'unavailable' },
      },
    ]);
    client.destroy();
  });

  it('tells an AWS answer the service may expect from an outage', async () => {
    const client = ivsClientFor(standIn, { maxAttempts: 1 });
    const calls = recorded(client, 'ivs');

    await expect(
      client.send(
        new DeletePlaybackKeyPairCommand({
          arn: 'arn:aws:ivs:us-west-2:123456789012:playback-key/AbCdEf123456',
        }),
      ),
    ).rejects.toMatchObject({ name: 'ResourceNotFoundException' });

    expect(calls).toEqual([
      {
        service: 'ivs',
        operation: 'DeletePlaybackKeyPair',
        region: 'us-west-2',
        error: { name: 'ResourceNotFoundException', kind: 'other' },
      },
    ]);
    client.destroy();
  });
});
