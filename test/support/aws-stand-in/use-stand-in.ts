import type { IvsClient, IvsClientConfig } from '@aws-sdk/client-ivs';
import type { SecretsManagerClient, SecretsManagerClientConfig } from '@aws-sdk/client-secrets-manager';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { ivsClientFor, secretsManagerClientFor } from './sdk-clients.js';
import { type AwsStandIn, type AwsStandInOptions, startAwsStandIn } from './server.js';

export interface UseStandInOptions {
  /** How to start the stand-in, e.g. with a fixed clock; default: as `startAwsStandIn()`. */
  readonly standIn?: AwsStandInOptions;
  /** Config for the IVS client, e.g. `{ maxAttempts: 1 }`; default: the SDK's own. */
  readonly ivsClient?: IvsClientConfig;
  /** Config for the Secrets Manager client; default: the SDK's own. */
  readonly secretsManagerClient?: SecretsManagerClientConfig;
  /** New clients for every test, destroyed after it; default: one of each for the whole suite. */
  readonly clientsPerTest?: boolean;
  /**
   * Puts the stand-in's endpoint, region and credentials into `process.env` for the suite (restored
   * after it), for code under test that builds its own SDK clients from the environment.
   */
  readonly processEnv?: boolean;
}

/** What `useStandIn` manages; use it inside the suite's hooks and tests only (it throws elsewhere). */
export interface StandInAccessors {
  /**
   * The running stand-in, reset before every test. A stable handle on it, so module-level helpers
   * can name it before it starts; `useStandIn` closes it.
   */
  readonly standIn: AwsStandIn;
  /** The IVS client aimed at the stand-in (`ivsClientFor`), with the suite's config. */
  readonly ivsClient: () => IvsClient;
  /** The Secrets Manager client aimed at the stand-in (`secretsManagerClientFor`), with the suite's config. */
  readonly secretsManagerClient: () => SecretsManagerClient;
}

/**
 * Runs one AWS stand-in for the calling suite (file or `describe`): starts it before the first
 * test, resets it before each, closes it after the last. The clients it hands out are destroyed
 * with the stand-in, or after each test with `clientsPerTest`.
 *
 * Not exported from `index.ts`: `npm run soak` loads that outside vitest, and vitest's hooks
 * fail there.
 */
export function useStandIn(options: UseStandInOptions = {}): StandInAccessors {
  let running: AwsStandIn | undefined;
  let ivs: IvsClient | undefined;
  let secretsManager: SecretsManagerClient | undefined;

  const current = (): AwsStandIn => {
    if (running === undefined)
      throw new Error('the stand-in runs only inside the hooks and tests of its suite');
    return running;
  };
  const destroyClients = () => {
    ivs?.destroy();
    secretsManager?.destroy();
    ivs = undefined;
    secretsManager = undefined;
  };

  const savedEnv = { ...process.env };
  beforeAll(async () => {
    running = await startAwsStandIn(options.standIn);
    if (options.processEnv) Object.assign(process.env, running.env());
  });
  beforeEach(() => {
    current().reset();
  });
  if (options.clientsPerTest) afterEach(destroyClients);
  afterAll(async () => {
    destroyClients();
    await running?.close();
    running = undefined;
    if (options.processEnv) process.env = savedEnv;
  });

  return {
    standIn: handleOn(current),
    // Made on first use, so a suite that talks to one service builds only that client.
    ivsClient: () => {
      ivs ??= ivsClientFor(current(), options.ivsClient);
      return ivs;
    },
    secretsManagerClient: () => {
      secretsManager ??= secretsManagerClientFor(current(), options.secretsManagerClient);
      return secretsManager;
    },
  };
}

/** An `AwsStandIn` that forwards every member to whichever stand-in `current` returns. */
function handleOn(current: () => AwsStandIn): AwsStandIn {
  return {
    get endpoint() {
      return current().endpoint;
    },
    get region() {
      return current().region;
    },
    get accountId() {
      return current().accountId;
    },
    env: () => current().env(),
    get ivs() {
      return current().ivs;
    },
    ivsIn: (region) => current().ivsIn(region),
    ivsRegions: () => current().ivsRegions(),
    play: (attempt) => current().play(attempt),
    get secrets() {
      return current().secrets;
    },
    get faults() {
      return current().faults;
    },
    get requests() {
      return current().requests;
    },
    rejected: () => current().rejected(),
    reset: () => current().reset(),
    close: () => current().close(),
  };
}
