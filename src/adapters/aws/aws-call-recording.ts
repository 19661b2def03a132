import { awsErrorKind, awsErrorName } from './aws-error.js';

/** One AWS SDK call as it ended, after the SDK's own retries (see `recordAwsCalls`). */
export interface AwsCall {
  readonly service: string;
  readonly operation: string;
  readonly region: string;
  /** Absent when the call succeeded; the error's name only, never the SDK's text. */
  readonly error?: { readonly name: string; readonly kind: string };
}

/**
 * The part of an SDK v3 client this needs: its middleware stack and its region. The stack's types
 * are generic over each client's own commands; this middleware only passes them on, so it is
 * added as `never` (see below) and any client's stack accepts it.
 */
export interface InstrumentableClient {
  readonly middlewareStack: {
    add(middleware: never, options: { readonly step: 'initialize'; readonly name: string }): void;
  };
  readonly config: { region(): Promise<string> };
}

type Next = (args: unknown) => Promise<unknown>;

/**
 * Reports every call an SDK client makes to `record`, once, with how it ended. The middleware sits
 * in the `initialize` step, outside the SDK's retry step, so a throttled call that succeeded on its
 * second attempt counts as one success, and a failure is what the adapter (and a client of this
 * service, as DEPENDENCY_UNAVAILABLE) saw.
 */
export function recordAwsCalls(
  client: InstrumentableClient,
  service: string,
  record: (call: AwsCall) => void,
): void {
  let region: Promise<string> | undefined;
  const regionOf = () => {
    // The SDK resolves its region once; a client without one fails its calls saying so.
    region ??= client.config.region().catch(() => 'unknown');
    return region;
  };
  const middleware =
    (next: Next, context: { readonly commandName?: string }) =>
    async (args: unknown): Promise<unknown> => {
      const operation = (context.commandName ?? 'UnknownCommand').replace(/Command$/, '');
      try {
        const output = await next(args);
        record({ service, operation, region: await regionOf() });
        return output;
      } catch (error) {
        record({
          service,
          operation,
          region: await regionOf(),
          error: { name: awsErrorName(error), kind: awsErrorKind(error) },
        });
        throw error;
      }
    };
  client.middlewareStack.add(middleware as never, {
    step: 'initialize',
    name: 'ivsPlaybackAuthCallRecording',
  });
}
