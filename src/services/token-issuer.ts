import { SignJWT } from 'jose';
import { type Caller, requireChannelAllowed } from '../domain/api-keys.js';
import { isServiceError, type ServiceError } from '../domain/errors.js';
import {
  buildPlaybackClaims,
  type PlaybackTokenRequest,
  type TokenPolicy,
} from '../domain/playback-claims.js';
import type { ChannelDirectory, Clock } from '../domain/ports.js';
import type { KeyCache } from './key-cache.js';

export interface IssuedToken {
  readonly token: string;
  readonly expiresAt: Date;
  readonly keyId: string;
  /** The channel's playback URL with `?token=`, when the channel is known. */
  readonly playbackUrl?: string | undefined;
}

export type BatchItemResult =
  | { readonly ok: true; readonly value: IssuedToken }
  | { readonly ok: false; readonly error: ServiceError };

export type TokenOutcome = 'issued' | 'rejected' | 'failed';

export interface TokenIssuer {
  /** Signs one token; throws a ServiceError naming the broken rule. */
  issue(request: PlaybackTokenRequest, caller?: Caller): Promise<IssuedToken>;
  /** Signs each request independently: one bad item does not fail the others. */
  issueBatch(requests: readonly PlaybackTokenRequest[], caller?: Caller): Promise<BatchItemResult[]>;
}

export interface TokenIssuerDeps {
  readonly keys: KeyCache;
  readonly channels: ChannelDirectory;
  readonly policy: TokenPolicy;
  readonly clock: Clock;
  readonly newUuid: () => string;
  /** Called once per token request with its outcome (metrics). */
  readonly onOutcome?: (outcome: TokenOutcome) => void;
}

/** The fixed JWS header IVS expects, in this exact order. */
const HEADER = { alg: 'ES384', typ: 'JWT' } as const;

export function createTokenIssuer(deps: TokenIssuerDeps): TokenIssuer {
  const { keys, channels, policy, clock, newUuid, onOutcome = () => {} } = deps;

  async function issue(request: PlaybackTokenRequest, caller?: Caller): Promise<IssuedToken> {
    try {
      if (caller) requireChannelAllowed(caller, request.channelArn);
      const { claims, expiresAt } = buildPlaybackClaims(request, { policy, now: clock(), newUuid });
      const key = keys.signingKey();
      const [token, playbackUrl] = await Promise.all([
        new SignJWT({ ...claims }).setProtectedHeader(HEADER).sign(key.privateKey),
        channels.lookup(request.channelArn).then((channel) => channel?.playbackUrl),
      ]);
      onOutcome('issued');
      return {
        token,
        expiresAt,
        keyId: key.keyId,
        playbackUrl: playbackUrl === undefined ? undefined : withToken(playbackUrl, token),
      };
    } catch (error) {
      onOutcome(isServiceError(error) && error.code !== 'NO_SIGNING_KEY' ? 'rejected' : 'failed');
      throw error;
    }
  }

  return {
    issue,
    async issueBatch(requests, caller) {
      return Promise.all(
        requests.map(async (request): Promise<BatchItemResult> => {
          try {
            return { ok: true, value: await issue(request, caller) };
          } catch (error) {
            if (isServiceError(error)) return { ok: false, error };
            throw error;
          }
        }),
      );
    },
  };
}

function withToken(playbackUrl: string, token: string): string {
  const url = new URL(playbackUrl);
  url.searchParams.set('token', token);
  return url.toString();
}
