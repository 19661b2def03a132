import { IvsClient, type IvsClientConfig } from '@aws-sdk/client-ivs';
import { SecretsManagerClient, type SecretsManagerClientConfig } from '@aws-sdk/client-secrets-manager';
import { standInCredentials } from './credentials.js';
import type { AwsStandIn } from './server.js';

/** A real IVS client aimed at the stand-in, with its test credentials; `overrides` win. */
export function ivsClientFor(standIn: AwsStandIn, overrides: IvsClientConfig = {}): IvsClient {
  return new IvsClient({
    endpoint: standIn.endpoint,
    region: standIn.region,
    credentials: { ...standInCredentials },
    ...overrides,
  });
}

/** A real Secrets Manager client aimed at the stand-in, with its test credentials; `overrides` win. */
export function secretsManagerClientFor(
  standIn: AwsStandIn,
  overrides: SecretsManagerClientConfig = {},
): SecretsManagerClient {
  return new SecretsManagerClient({
    endpoint: standIn.endpoint,
    region: standIn.region,
    credentials: { ...standInCredentials },
    ...overrides,
  });
}
