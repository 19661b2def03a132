import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config.js';
import { ServiceError } from '../../src/domain/errors.js';
import { describeStartupFailure, StartupError } from '../../src/startup-failure.js';

const listenError = (code: string, address: string, port: number) =>
  Object.assign(new Error(`listen ${code}: ${address}:${port}`), { code, syscall: 'listen', address, port });

describe('describeStartupFailure', () => {
  it('prints a setting problem as the setting, what is wrong and what to do; exit code 2', () => {
    const failure = describeStartupFailure(
      new StartupError('CHANNELS_FILE', '/data/channels.json does not exist; unset CHANNELS_FILE'),
    );

    expect(failure).toEqual({
      message: 'CHANNELS_FILE: /data/channels.json does not exist; unset CHANNELS_FILE',
      exitCode: 2,
    });
  });

  it('does not repeat a setting the message already starts with', () => {
    const failure = describeStartupFailure(
      new StartupError('SIGNER', 'SIGNER=nettle, but the Nettle signer is not built; or set SIGNER=auto'),
    );

    expect(failure?.message).toBe('SIGNER=nettle, but the Nettle signer is not built; or set SIGNER=auto');
  });

  it('keeps configuration errors as loadConfig words them', () => {
    const failure = describeStartupFailure(new ConfigError(['PORT must be a whole number']));

    expect(failure).toEqual({
      message: 'invalid configuration:\n  - PORT must be a whole number',
      exitCode: 2,
    });
  });

  it.each([
    ['EADDRINUSE', /^PORT: 127\.0\.0\.1:8080 is already in use .*: stop it, or set PORT to a free port$/],
    ['EACCES', /^PORT: not allowed to listen on 127\.0\.0\.1:8080 .*set PORT to 1024 or above$/],
    ['EADDRNOTAVAIL', /^HOST: 127\.0\.0\.1 is not an address of this machine/],
  ])('names the setting behind a listen error (%s)', (code, expected) => {
    const failure = describeStartupFailure(listenError(code, '127.0.0.1', 8080));

    expect(failure?.message).toMatch(expected);
    expect(failure?.exitCode).toBe(2);
  });

  it('prints a service error with its code, exit code 1', () => {
    const failure = describeStartupFailure(new ServiceError('KEY_STORE_CORRUPT', 'keys/x.json is not JSON'));

    expect(failure).toEqual({ message: 'KEY_STORE_CORRUPT: keys/x.json is not JSON', exitCode: 1 });
  });

  it('leaves a bug alone, so it keeps its stack trace', () => {
    const failure = describeStartupFailure(
      new TypeError("Cannot read properties of undefined (reading 'x')"),
    );

    expect(failure).toBeUndefined();
  });
});
