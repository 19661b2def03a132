import { type Caller, requireChannelAllowed } from './api-keys.js';
import { checkChannelArn, checkViewerId, checkViewerSessionVersion } from './playback-claims.js';
import type { ViewerSessionRevocation } from './ports.js';

/** IVS BatchStartViewerSessionRevocation takes at most 20 sessions a call. */
export const REVOCATION_BATCH_SIZE = 20;
/** One request revokes at most this many sessions (IVS allows 2 batch calls a second). */
export const MAX_REVOCATIONS_PER_REQUEST = 100;

/**
 * Checks one session to revoke with the same rules as the token claims (channel ARN, viewer id,
 * session version), and that the caller may act on that channel. Throws the rule's ServiceError.
 */
export function checkRevocation(item: ViewerSessionRevocation, caller?: Caller): ViewerSessionRevocation {
  const channelArn = checkChannelArn(item.channelArn);
  const viewerId = checkViewerId(item.viewerId);
  const version = item.viewerSessionVersionsLessThanOrEqualTo;
  if (caller) requireChannelAllowed(caller, channelArn);
  return {
    channelArn,
    viewerId,
    ...(version === undefined
      ? {}
      : { viewerSessionVersionsLessThanOrEqualTo: checkViewerSessionVersion(version) }),
  };
}
