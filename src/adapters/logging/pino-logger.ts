import { type DestinationStream, type LoggerOptions, pino } from 'pino';
import type { Logger } from '../../domain/ports.js';

/** Top-level keys that are censored wherever they appear, and again one level down (`*.key`). */
const REDACTED_KEYS = ['authorization', 'headers', 'token', 'privateKey', 'apiKey', 'sha256'] as const;
const REDACTED = new Set<string>(REDACTED_KEYS);

/**
 * JSON lines on stdout (or `destination`). Redaction is a second line of defence: no code logs a
 * header, key or token, but if one ever does, these paths are censored.
 *
 * pino's redaction re-parses every path on every line (about 70,000 instructions a line, twice
 * what the rest of the line costs). Lines whose fields hold only primitives under keys that are
 * not redacted cannot match a path, so they go through a second pino instance without redaction,
 * writing to the same stream: the output is identical. Every other line is redacted as before.
 */
export function createPinoLogger(options: {
  readonly level: string;
  readonly destination?: DestinationStream | undefined;
  /**
   * Fields added to every line, computed when it is written: with tracing on, the active span's
   * `trace_id` and `span_id`, so a log line leads to its trace. Absent, nothing is called.
   */
  readonly mixin?: (() => object) | undefined;
}): Logger & { readonly flush: () => void } {
  const settings: LoggerOptions = {
    level: options.level,
    base: { service: 'ivs-playback-auth' },
    timestamp: () => isoTimeField(Date.now()),
    formatters: { level: (label) => ({ level: label }) },
    ...(options.mixin ? { mixin: options.mixin } : {}),
  };
  const destination = options.destination ?? pino.destination({ dest: 1, sync: false });
  const redacting = pino(
    {
      ...settings,
      redact: {
        paths: REDACTED_KEYS.flatMap((key) => [key, `*.${key}`]),
        censor: '[redacted]',
      },
    },
    destination,
  );
  const plain = pino(settings, destination);
  const loggerFor = (fields: Record<string, unknown>) => (mayNeedRedaction(fields) ? redacting : plain);
  return {
    debug: (fields, message) => loggerFor(fields).debug(fields, message),
    info: (fields, message) => loggerFor(fields).info(fields, message),
    warn: (fields, message) => loggerFor(fields).warn(fields, message),
    error: (fields, message) => loggerFor(fields).error(fields, message),
    flush: () => redacting.flush(),
  };
}

let cachedSecond = Number.NaN;
let cachedPrefix = '';

/**
 * pino's `stdTimeFunctions.isoTime` field, `,"time":"2026-11-28T16:35:00.123Z"`, with the date and
 * time of day formatted once a second instead of on every line (Date#toISOString is a C++ call
 * that costs more than the rest of the timestamp).
 */
export function isoTimeField(epochMs: number): string {
  const second = Math.floor(epochMs / 1000);
  if (second !== cachedSecond) {
    cachedSecond = second;
    cachedPrefix = `,"time":"${new Date(second * 1000).toISOString().slice(0, -4)}`;
  }
  const ms = epochMs - second * 1000;
  return `${cachedPrefix}${ms < 10 ? '00' : ms < 100 ? '0' : ''}${ms}Z"`;
}

/** False only when no redaction path can match: no redacted key, and no value with keys of its own. */
export function mayNeedRedaction(fields: Record<string, unknown>): boolean {
  for (const key in fields) {
    if (REDACTED.has(key)) return true;
    const value = fields[key];
    if (typeof value === 'object' && value !== null) return true;
    if (typeof value === 'function') return true;
  }
  return false;
}
