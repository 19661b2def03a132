import { createPinoLogger } from '../adapters/logging/pino-logger.js';
import { ConfigError, loadConfig } from '../config.js';
import { ServiceError } from '../domain/errors.js';
import type { Logger } from '../domain/ports.js';
import { createRuntime, type Runtime } from '../runtime.js';
import type { SecretsManagerRotationStep } from '../services/key-rotator.js';

/** What Secrets Manager sends a rotation function. */
export interface RotationEvent {
  readonly Step: string;
  readonly SecretId: string;
  readonly ClientRequestToken: string;
  readonly RotationToken?: string;
}

export type RotationHandler = (event: RotationEvent) => Promise<void>;

const STEPS: readonly SecretsManagerRotationStep[] = [
  'createSecret',
  'setSecret',
  'testSecret',
  'finishSecret',
];

/**
 * Builds the Secrets Manager rotation function: the four rotation steps on the same rotation plan
 * as the admin route (createSecret = store the new key as AWSPENDING after retiring a drained
 * previous key, setSecret = import into IVS, testSecret = sign and verify, finishSecret = promote).
 * Every step is safe to repeat. The secret is the event's `SecretId`; the rest of the configuration
 * (drain period: TOKEN_MAX_TTL_SECONDS, CLOCK_SKEW_SECONDS, KEY_MAX_STALENESS_SECONDS) comes from
 * `env` and must match the servers'.
 *
 * One runtime (key store, IVS client, caches) is kept per secret for the life of the Lambda
 * container; a runtime that failed to build is forgotten, so the next invocation tries again.
 */
export function createRotationHandler(deps: {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Where the function logs; by default JSON lines on stdout at LOG_LEVEL. */
  readonly logger?: Logger;
}): RotationHandler {
  const runtimes = new Map<string, Promise<Runtime>>();
  const logger = deps.logger ?? createPinoLogger({ level: validLogLevel(deps.env['LOG_LEVEL']) ?? 'info' });

  const runtimeFor = (secretId: string): Promise<Runtime> => {
    let runtime = runtimes.get(secretId);
    if (!runtime) {
      runtime = createRuntimeFor(deps.env, secretId, logger);
      runtimes.set(secretId, runtime);
      runtime.catch(() => runtimes.delete(secretId));
    }
    return runtime;
  };

  return async (event) => {
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
    logger.info({ step, secretId: event.SecretId }, 'rotation step');
    try {
      const { rotator } = await runtimeFor(event.SecretId);
      await rotator.secretsManagerStep(step, event.ClientRequestToken);
    } catch (error) {
      // Secrets Manager shows the message in its rotation failure; keep it ours, never the SDK's.
      if (error instanceof ConfigError) {
        logger.error({ step, problems: error.problems }, 'invalid configuration');
        throw new Error(`${step} failed: ${error.message}`);
      }
      if (error instanceof ServiceError) {
        logger.error({ step, code: error.code }, error.message);
        throw new Error(`${step} failed: ${error.code}: ${error.message}`);
      }
      logger.error({ step, err: error }, 'rotation step failed unexpectedly');
      throw error;
    }
  };
}

async function createRuntimeFor(
  env: Readonly<Record<string, string | undefined>>,
  secretId: string,
  logger: Logger,
): Promise<Runtime> {
  const config = loadConfig(
    {
      ...env,
      KEY_STORE: 'secrets-manager',
      SECRET_ID: secretId,
      PLAYBACK_KEY_REGISTRY: env['PLAYBACK_KEY_REGISTRY'] ?? 'ivs',
      // The Lambda issues no tokens: no need to look for the Nettle addon in its package.
      SIGNER: env['SIGNER'] ?? 'openssl',
    },
    'rotation-function',
  );
  return createRuntime(config, { logger });
}

function validLogLevel(raw: string | undefined): 'debug' | 'info' | 'warn' | 'error' | undefined {
  return raw === 'debug' || raw === 'info' || raw === 'warn' || raw === 'error' ? raw : undefined;
}

/** The function Lambda calls (`handler` in the deployment), reading the function's environment. */
export const handler: RotationHandler = createRotationHandler({ env: process.env });
