import type { RejectionReason } from './types.js';

/**
 * An error the stand-in answers with, named as the real service names it. The protocol adapter
 * turns it into the service's wire format and looks its HTTP status up in the error catalog.
 */
export class AwsError extends Error {
  override readonly name = 'AwsError';

  constructor(
    readonly errorType: string,
    message: string,
    /**
     * Why the request itself was invalid (listed by `rejected()`); `null` for a well-formed request
     * that the state refused (another client changed it first), which is not the caller's mistake.
     */
    readonly rejectedFor?: RejectionReason | null,
  ) {
    super(message);
  }
}
