import {
  BatchStartViewerSessionRevocationCommand,
  type IvsClient,
  StartViewerSessionRevocationCommand,
} from '@aws-sdk/client-ivs';
import { parseChannelArn } from '../../domain/channel-arn.js';
import { VIEWER_SESSION_VERSION_MAX } from '../../domain/playback-claims.js';
import type {
  Logger,
  RevocationOutcome,
  ViewerSessionRevocation,
  ViewerSessionRevoker,
} from '../../domain/ports.js';
import { awsErrorName, isAwsError, translateAwsError } from './aws-error.js';
import { type RateLimiter, TokenBucket } from './rate-limiter.js';

export interface IvsViewerSessionRevokerOptions {
  readonly client: Pick<IvsClient, 'send'>;
  readonly logger: Logger;
  /** Paces StartViewerSessionRevocation; default 10 calls a second, the IVS limit. */
  readonly singleRateLimiter?: RateLimiter;
  /** Paces BatchStartViewerSessionRevocation; default 2 calls a second, the IVS limit. */
  readonly batchRateLimiter?: RateLimiter;
}

/** BatchStartViewerSessionRevocation takes 1–20 sessions. */
const BATCH_LIMIT = 20;
/** The API's field is a 32-bit integer. */
/** Errors of one session, not of IVS as a whole: reported for that session rather than thrown. */
const SESSION_ERRORS = [
  'ResourceNotFoundException',
  'ValidationException',
  'AccessDeniedException',
  'PendingVerification',
];

/**
 * The production ViewerSessionRevoker. One session is one StartViewerSessionRevocation; more go
 * through BatchStartViewerSessionRevocation in chunks of 20, one chunk after the other, paced to the
 * IVS limit, with IVS's per-session errors mapped back to the input positions. A session IVS would
 * refuse as malformed is answered locally, so it cannot make IVS refuse the 19 others in its chunk.
 * When IVS cannot be reached the whole call throws DEPENDENCY_UNAVAILABLE; revocation is idempotent,
 * so the caller may simply repeat every session, including those of chunks that went through.
 */
export class IvsViewerSessionRevoker implements ViewerSessionRevoker {
  readonly #client: Pick<IvsClient, 'send'>;
  readonly #logger: Logger;
  readonly #singleLimiter: RateLimiter;
  readonly #batchLimiter: RateLimiter;

  constructor(options: IvsViewerSessionRevokerOptions) {
    this.#client = options.client;
    this.#logger = options.logger;
    this.#singleLimiter = options.singleRateLimiter ?? new TokenBucket({ ratePerSecond: 10 });
    this.#batchLimiter = options.batchRateLimiter ?? new TokenBucket({ ratePerSecond: 2 });
  }

  async revoke(sessions: readonly ViewerSessionRevocation[]): Promise<readonly RevocationOutcome[]> {
    const outcomes: RevocationOutcome[] = sessions.map(invalidity);
    const valid = sessions.flatMap((session, index) => (outcomes[index]?.ok ? [{ session, index }] : []));
    const [only] = valid;
    if (valid.length === 1 && only) {
      outcomes[only.index] = await this.#revokeOne(only.session);
    } else {
      for (let start = 0; start < valid.length; start += BATCH_LIMIT) {
        const chunk = valid.slice(start, start + BATCH_LIMIT);
        const results = await this.#revokeChunk(
          chunk.map(({ session }) => session),
          { done: start, total: valid.length },
        );
        chunk.forEach(({ index }, position) => {
          outcomes[index] = results[position] ?? { ok: true };
        });
      }
    }
    this.#logger.debug(
      { sessions: sessions.length, refused: outcomes.filter((outcome) => !outcome.ok).length },
      'viewer session revocations started',
    );
    return outcomes;
  }

  async #revokeOne(session: ViewerSessionRevocation): Promise<RevocationOutcome> {
    await this.#singleLimiter.take();
    try {
      await this.#client.send(new StartViewerSessionRevocationCommand(toRequest(session)));
      return { ok: true };
    } catch (error) {
      if (isAwsError(error, ...SESSION_ERRORS)) return refusal(awsErrorName(error), session);
      throw translateAwsError(error, 'IVS StartViewerSessionRevocation');
    }
  }

  async #revokeChunk(
    chunk: readonly ViewerSessionRevocation[],
    progress: { readonly done: number; readonly total: number },
  ): Promise<RevocationOutcome[]> {
    await this.#batchLimiter.take();
    let errors: readonly {
      channelArn?: string | undefined;
      viewerId?: string | undefined;
      code?: string | undefined;
    }[];
    try {
      const output = await this.#client.send(
        new BatchStartViewerSessionRevocationCommand({ viewerSessions: chunk.map(toRequest) }),
      );
      errors = output.errors ?? [];
    } catch (error) {
      const failure = translateAwsError(error, 'IVS BatchStartViewerSessionRevocation');
      this.#logger.warn(
        { ...failure.details, sessionsStarted: progress.done, sessionsTotal: progress.total },
        `${failure.message}; sessions before this chunk were revoked, the rest were not`,
      );
      throw failure;
    }
    // IVS names a failed session by channel and viewer, not by position.
    const codes = new Map(errors.map((error) => [sessionKey(error), error.code]));
    return chunk.map((session) => {
      const key = sessionKey(session);
      return codes.has(key) ? refusal(codes.get(key) ?? 'UnknownError', session) : { ok: true };
    });
  }
}

function toRequest(session: ViewerSessionRevocation) {
  return {
    channelArn: session.channelArn,
    viewerId: session.viewerId,
    ...(session.viewerSessionVersionsLessThanOrEqualTo === undefined
      ? {}
      : { viewerSessionVersionsLessThanOrEqualTo: session.viewerSessionVersionsLessThanOrEqualTo }),
  };
}

function sessionKey(session: { channelArn?: string | undefined; viewerId?: string | undefined }): string {
  return JSON.stringify([session.channelArn ?? '', session.viewerId ?? '']);
}

/** `{ok: true}` when IVS would accept the session's shape, else the ValidationException IVS would give. */
function invalidity(session: ViewerSessionRevocation): RevocationOutcome {
  const version = session.viewerSessionVersionsLessThanOrEqualTo;
  const viewerIdLength = [...session.viewerId].length;
  if (!parseChannelArn(session.channelArn)) {
    return { ok: false, code: 'ValidationException', message: 'channelArn is not an IVS channel ARN' };
  }
  if (viewerIdLength < 1 || viewerIdLength > 40) {
    return { ok: false, code: 'ValidationException', message: 'viewerId must be 1 to 40 characters' };
  }
  if (
    version !== undefined &&
    !(Number.isInteger(version) && version >= 0 && version <= VIEWER_SESSION_VERSION_MAX)
  ) {
    return {
      ok: false,
      code: 'ValidationException',
      message: `viewerSessionVersionsLessThanOrEqualTo must be an integer from 0 to ${VIEWER_SESSION_VERSION_MAX}`,
    };
  }
  return { ok: true };
}

/** Our own words for IVS's code: IVS's message text is never passed on. */
function refusal(rawCode: string, session: ViewerSessionRevocation): RevocationOutcome {
  const code = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/.test(rawCode) ? rawCode : 'UnknownError';
  switch (code) {
    case 'ResourceNotFoundException':
      return { ok: false, code, message: `channel ${session.channelArn} does not exist` };
    case 'ValidationException':
      return { ok: false, code, message: 'IVS rejected this session as invalid' };
    case 'AccessDeniedException':
      return { ok: false, code, message: 'this service is not allowed to revoke sessions on this channel' };
    case 'PendingVerification':
      return {
        ok: false,
        code,
        message: 'the AWS account is pending verification, so IVS refuses revocations',
      };
    default:
      return { ok: false, code, message: `IVS could not revoke this session (${code})` };
  }
}
