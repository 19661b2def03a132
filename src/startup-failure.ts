import { ConfigError } from './config.js';
import { isServiceError } from './domain/errors.js';

/**
 * A failure at start that the person running the service caused and can fix: `setting` names what
 * to change, and the message says what is wrong and what to do. The entry points print it as one
 * line, without a stack trace (a stack is for bugs, not for a missing file).
 */
export class StartupError extends Error {
  override readonly name = 'StartupError';
  readonly setting: string;

  constructor(setting: string, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.setting = setting;
  }
}

export interface StartupFailure {
  /** What to print after `ivs-playback-auth: `. */
  readonly message: string;
  /** 2 for settings (as for invalid configuration), 1 for anything else a person can fix. */
  readonly exitCode: 1 | 2;
}

/**
 * Turns what a start threw into the one message to print, or undefined for a bug (which keeps its
 * stack trace). Knows the listen errors a second instance or a wrong PORT/HOST causes.
 */
export function describeStartupFailure(error: unknown): StartupFailure | undefined {
  if (error instanceof ConfigError) return { message: error.message, exitCode: 2 };
  if (error instanceof StartupError) {
    const named = error.message.startsWith(`${error.setting}=`);
    return { message: named ? error.message : `${error.setting}: ${error.message}`, exitCode: 2 };
  }
  if (isServiceError(error)) return { message: `${error.code}: ${error.message}`, exitCode: 1 };
  const listen = listenFailure(error);
  return listen === undefined ? undefined : { message: listen, exitCode: 2 };
}

function listenFailure(error: unknown): string | undefined {
  const { code, syscall, address, port } = (error ?? {}) as NodeJS.ErrnoException & {
    address?: string;
    port?: number;
  };
  if (syscall !== 'listen' && syscall !== 'bind' && syscall !== 'getaddrinfo') return undefined;
  const where = port === undefined ? address : `${address}:${port}`;
  switch (code) {
    case 'EADDRINUSE':
      return `PORT: ${where} is already in use (another ivs-playback-auth, or another program): stop it, or set PORT to a free port`;
    case 'EACCES':
      return `PORT: not allowed to listen on ${where} (ports below 1024 need privileges): set PORT to 1024 or above`;
    case 'EADDRNOTAVAIL':
      return `HOST: ${address} is not an address of this machine: set HOST to one of its addresses, 127.0.0.1 or 0.0.0.0`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `HOST: ${error instanceof Error && 'hostname' in error ? String(error.hostname) : 'the host name'} does not resolve: set HOST to an address such as 127.0.0.1 or 0.0.0.0`;
    default:
      return undefined;
  }
}
