import { type Caller, requireChannelAllowed } from '../domain/api-keys.js';
import { isServiceError, ServiceError } from '../domain/errors.js';
import {
  buildPlaybackClaims,
  type PlaybackClaims,
  type PlaybackTokenRequest,
  type TokenPolicy,
} from '../domain/playback-claims.js';
import type { ChannelDirectory, ChannelInfo, Clock } from '../domain/ports.js';
import type { KeyCache, SigningKey } from './key-cache.js';
import type { TokenReuse } from './token-reuse.js';

export interface IssuedToken {
  readonly token: string;
  readonly expiresAt: Date;
  readonly keyId: string;
  /** The channel's playback URL with `?token=`, when the channel is known. */
  readonly playbackUrl?: string | undefined;
}

export type TokenOutcome = 'issued' | 'reused' | 'rejected' | 'failed';

export interface TokenIssuer {
  /** Signs one token; throws a ServiceError naming the broken rule. */
  issue(request: PlaybackTokenRequest, caller?: Caller): Promise<IssuedToken>;
}

export interface TokenIssuerDeps {
  readonly keys: KeyCache;
  readonly channels: ChannelDirectory;
  readonly policy: TokenPolicy;
  readonly clock: Clock;
  readonly newUuid: () => string;
  /** Called once per token request with its outcome (metrics). */
  readonly onOutcome?: (outcome: TokenOutcome) => void;
  /**
   * `none`: any well-formed channel ARN (the playback URL is added when known); `exists`: refuse
   * channels IVS does not have (404 CHANNEL_NOT_FOUND); `authorized`: also refuse channels without
   * playback authorization (409 CHANNEL_NOT_AUTHORIZED). When IVS cannot tell, checks answer 503.
   */
  readonly channelCheck?: ChannelCheck;
  /** TOKEN_REUSE_SECONDS: hands out one token for identical channel-wide requests (off when absent). */
  readonly reuse?: TokenReuse | undefined;
}

export type ChannelCheck = 'none' | 'exists' | 'authorized';

/** The fixed JWS header IVS expects, in this exact order, base64url-encoded once. */
const ENCODED_HEADER = Buffer.from(JSON.stringify({ alg: 'ES384', typ: 'JWT' })).toString('base64url');

export function createTokenIssuer(deps: TokenIssuerDeps): TokenIssuer {
  const { keys, channels, policy, clock, newUuid, reuse, onOutcome = () => {}, channelCheck = 'none' } = deps;

  async function checkedChannel(channelArn: string): Promise<ChannelInfo | undefined> {
    const channel = await channels.lookup(channelArn);
    if (channelCheck === 'none') return channel ?? undefined;
    if (channel === undefined) {
      throw new ServiceError(
        'DEPENDENCY_UNAVAILABLE',
        'IVS cannot confirm the channel right now; try again shortly',
        {
          retryAfterSeconds: 5,
        },
      );
    }
    if (channel === null) {
      throw new ServiceError('CHANNEL_NOT_FOUND', 'IVS has no such channel in this account and region', {
        details: { field: 'channelArn' },
      });
    }
    if (channelCheck === 'authorized' && !channel.authorized) {
      throw new ServiceError(
        'CHANNEL_NOT_AUTHORIZED',
        'the channel does not have playback authorization enabled, so it needs no token',
        { details: { field: 'channelArn' } },
      );
    }
    return channel;
  }

  async function issue(request: PlaybackTokenRequest, caller?: Caller): Promise<IssuedToken> {
    try {
      if (caller) requireChannelAllowed(caller, request.channelArn);
      const now = clock();
      const { claims } = buildPlaybackClaims(request, { policy, now, newUuid });
      const key = keys.signingKey();
      // Without a check the lookup is only for the URL, so it runs beside the signature.
      const channelLookup = checkedChannel(request.channelArn);
      if (channelCheck !== 'none') await channelLookup;
      const sign = (signed: PlaybackClaims) => signCompactJws(signed, key);
      const signed = reuse
        ? reuse.tokenFor(claims, key.keyId, now, sign)
        : { token: sign(claims), exp: claims.exp, reused: false };
      const [token, channel] = await Promise.all([signed.token, channelLookup]);
      const playbackUrl = channel?.playbackUrl;
      onOutcome(signed.reused ? 'reused' : 'issued');
      return {
        token,
        expiresAt: new Date(signed.exp * 1000),
        keyId: key.keyId,
        playbackUrl: playbackUrl === undefined ? undefined : withToken(playbackUrl, token),
      };
    } catch (error) {
      const ourFault =
        !isServiceError(error) || ['NO_SIGNING_KEY', 'DEPENDENCY_UNAVAILABLE'].includes(error.code);
      onOutcome(ourFault ? 'failed' : 'rejected');
      throw error;
    }
  }

  return { issue };
}

/** ES384 compact JWS (RFC 7515): header and claims as base64url JSON, signature as raw R‖S. */
async function signCompactJws(claims: object, key: SigningKey): Promise<string> {
  const signingInput = `${ENCODED_HEADER}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  const signature = await key.sign(Buffer.from(signingInput));
  return `${signingInput}.${signature.toString('base64url')}`;
}

function withToken(playbackUrl: string, token: string): string {
  const url = new URL(playbackUrl);
  url.searchParams.set('token', token);
  return url.toString();
}
