/** What an AWS SDK call failed with, as the stand-in tests compare it. */
export interface SdkError {
  /** The error's name: the AWS error type, or e.g. 'TimeoutError' for a client-side failure. */
  readonly name: string;
  /** The HTTP status, when a reply arrived. */
  readonly status?: number;
  /** The Node.js error code of a network failure, e.g. 'ECONNRESET'. */
  readonly code?: string;
  /**
   * What the service said: IVS sends it as `exceptionMessage` (the SDK's own `message` is then
   * 'UnknownError'), Secrets Manager as `message`.
   */
  readonly message: string;
  /** IVS only: the message as the SDK exposes it. */
  readonly exceptionMessage?: string;
}

/** Awaits an SDK call that must fail and describes the failure; throws if the call succeeds. */
export async function sdkErrorOf(call: Promise<unknown>): Promise<SdkError> {
  try {
    await call;
  } catch (error) {
    const failure = error as Error & {
      $metadata?: { httpStatusCode?: number };
      code?: string;
      exceptionMessage?: string;
    };
    return {
      name: failure.name,
      message: failure.exceptionMessage ?? failure.message,
      ...(failure.$metadata?.httpStatusCode === undefined
        ? {}
        : { status: failure.$metadata.httpStatusCode }),
      ...(failure.code === undefined ? {} : { code: failure.code }),
      ...(failure.exceptionMessage === undefined ? {} : { exceptionMessage: failure.exceptionMessage }),
    };
  }
  throw new Error('expected the call to fail');
}
