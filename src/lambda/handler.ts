import { createPinoLogger } from '../adapters/logging/pino-logger.js';
import { ConfigError, loadConfig } from '../config.js';
import { ServiceError } from '../domain/errors.js';
import { createRuntime, type Runtime } from '../runtime.js';
import type { SecretsManagerRotationStep } from '../services/key-rotator.js';

/** What Secrets Manager sends a rotation function. */
export interface RotationEvent {
  readonly Step: string;
  readonly SecretId: string;
  readonly ClientRequestToken: string;
  readonly RotationToken?: string;
}

const STEPS: readonly SecretsManagerRotationStep[] = [
  'createSecret',
  'setSecret',
  'testSecret',
  'finishSecret',
];

// Built once per Lambda container and reused by later invocations (key store, IVS client, caches).
let runtime: Promise<Runtime> | undefined;

/**
 * The Secrets Manager rotation function: the four rotation steps on the same rotation plan as the
 * admin route (createSecret = store the new key as AWSPENDING after retiring a drained previous
 * key, setSecret = import into IVS, testSecret = sign and verify, finishSecret = promote). Every
 * step is safe to repeat. The secret is the event's `SecretId`; the rest of the configuration
 * (drain period: TOKEN_MAX_TTL_SECONDS, CLOCK_SKEW_SECONDS, KEY_MAX_STALENESS_SECONDS) comes from
 * the function's environment and must match the servers'.
 */
export async function handler(event: RotationEvent): Promise<void> {
  const step = event?.Step as SecretsManagerRotationStep;
  if (
    !STEPS.includes(step) ||
    typeof event.SecretId !== 'string' ||
    typeof event.ClientRequestToken !== 'string'
  ) {
    throw new Error(
      `not a Secrets Manager rotation event: expected Step (${STEPS.join(', ')}), SecretId and ClientRequestToken`,
    );
  }
  runtime ??= createRuntimeFor(event.SecretId);
  const { rotator, logger } = await runtime;
  logger.info({ step, secretId: event.SecretId }, 'rotation step');
  try {
    await rotator.secretsManagerStep(step, event.ClientRequestToken);
  } catch (error) {
    // Secrets Manager shows the message in its rotation failure; keep it ours, never the SDK's.
    if (error instanceof ServiceError) {
      logger.error({ step, code: error.code }, error.message);
      throw new Error(`${step} failed: ${error.code}: ${error.message}`);
    }
    throw error;
  }
}

async function createRuntimeFor(secretId: string): Promise<Runtime> {
  const config = loadConfig({
    ...process.env,
    KEY_STORE: 'secrets-manager',
    SECRET_ID: secretId,
    PLAYBACK_KEY_REGISTRY: process.env['PLAYBACK_KEY_REGISTRY'] ?? 'ivs',
    // The Lambda issues no tokens: no need to look for the Nettle addon in its package.
    SIGNER: process.env['SIGNER'] ?? 'openssl',
  });
  const logger = createPinoLogger({ level: config.logLevel });
  try {
    return await createRuntime(config, { logger });
  } catch (error) {
    runtime = undefined;
    if (error instanceof ConfigError) logger.error({ problems: error.problems }, 'invalid configuration');
    throw error;
  }
}

/** For tests: forget the cached runtime so the next invocation reads the environment again. */
export function resetForTests(): void {
  runtime = undefined;
}
