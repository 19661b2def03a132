import { ServiceError } from '../../domain/errors.js';
import type { RevocationOutcome, ViewerSessionRevocation, ViewerSessionRevoker } from '../../domain/ports.js';

/** Local mode never calls IVS, so it cannot revoke sessions; it says how to do it by hand. */
export class OfflineViewerSessionRevoker implements ViewerSessionRevoker {
  async revoke(sessions: readonly ViewerSessionRevocation[]): Promise<readonly RevocationOutcome[]> {
    const first = sessions[0];
    throw new ServiceError(
      'NOT_AVAILABLE_IN_LOCAL_MODE',
      `local mode does not call IVS; revoke with: aws ivs start-viewer-session-revocation --channel-arn ${first?.channelArn ?? '<arn>'} --viewer-id <viewer id>`,
    );
  }
}
