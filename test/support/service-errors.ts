import { ServiceError } from '../../src/domain/errors.js';

/** Awaits a call that must fail with a ServiceError and returns it; throws on success or any other error. */
export async function serviceErrorOf(call: Promise<unknown>): Promise<ServiceError> {
  const error = await call.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof ServiceError)) throw new Error(`expected a ServiceError, got ${String(error)}`);
  return error;
}
