import { type DestinationStream, pino } from 'pino';
import type { Logger } from '../../domain/ports.js';

/**
 * JSON lines on stdout (or `destination`). Redaction is a second line of defence: no code logs a
 * header, key or token, but if one ever does, these paths are censored.
 */
export function createPinoLogger(options: {
  readonly level: string;
  readonly destination?: DestinationStream | undefined;
}): Logger & { readonly flush: () => void } {
  const logger = pino(
    {
      level: options.level,
      base: { service: 'ivs-playback-auth' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: {
        paths: [
          'authorization',
          '*.authorization',
          'headers',
          '*.headers',
          'token',
          '*.token',
          'privateKey',
          '*.privateKey',
          'apiKey',
          '*.apiKey',
          'sha256',
          '*.sha256',
        ],
        censor: '[redacted]',
      },
    },
    options.destination ?? pino.destination({ dest: 1, sync: false }),
  );
  return {
    debug: (fields, message) => logger.debug(fields, message),
    info: (fields, message) => logger.info(fields, message),
    warn: (fields, message) => logger.warn(fields, message),
    error: (fields, message) => logger.error(fields, message),
    flush: () => logger.flush(),
  };
}
