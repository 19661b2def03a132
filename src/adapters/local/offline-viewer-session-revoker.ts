import { ServiceError } from '../../domain/errors.js';
import type { RevocationOutcome, ViewerSessionRevocation, ViewerSessionRevoker } from '../../domain/ports.js';

/**
 * Local mode never calls IVS, so it cannot revoke sessions; it says how to do it by hand, with the
 * command for the first session of the request filled in (the caller named channel and viewer).
 */
export class OfflineViewerSessionRevoker implements ViewerSessionRevoker {
  async revoke(sessions: readonly ViewerSessionRevocation[]): Promise<readonly RevocationOutcome[]> {
    const [first] = sessions;
    const command = first
      ? [
          'aws ivs start-viewer-session-revocation',
          `--channel-arn ${first.channelArn}`,
          `--viewer-id ${shellQuote(first.viewerId)}`,
          ...(first.viewerSessionVersionsLessThanOrEqualTo === undefined
            ? []
            : [
                `--viewer-session-versions-less-than-or-equal-to ${first.viewerSessionVersionsLessThanOrEqualTo}`,
              ]),
        ].join(' ')
      : 'aws ivs start-viewer-session-revocation --channel-arn <arn> --viewer-id <viewer id>';
    const more = sessions.length > 1 ? ` (one command per session; this request has ${sessions.length})` : '';
    throw new ServiceError(
      'NOT_AVAILABLE_IN_LOCAL_MODE',
      `local mode does not call IVS; revoke with: ${command}${more}`,
    );
  }
}

/** Single-quotes a viewer id for a POSIX shell, so one pasted command is one argument. */
function shellQuote(value: string): string {
  return /^[A-Za-z0-9_.:@=+-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;
}
