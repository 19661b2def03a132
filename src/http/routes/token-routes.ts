import type { Request, Response } from 'express';
import { isServiceError, type ServiceError } from '../../domain/errors.js';
import type { PlaybackTokenRequest } from '../../domain/playback-claims.js';
import type { IssuedToken, TokenIssuer } from '../../services/token-issuer.js';
import { callerOf } from '../authentication.js';
import type { OperationHandler } from '../create-app.js';
import { ERROR_STATUS } from '../error-status.js';
import { isoExpiry, sendJson } from '../fast-paths/index.js';

function tokenBody(issued: IssuedToken) {
  return {
    token: issued.token,
    expiresAt: isoExpiry(issued.expiresAt),
    keyId: issued.keyId,
    ...(issued.playbackUrl === undefined ? {} : { playbackUrl: issued.playbackUrl }),
    ...(issued.policy === undefined ? {} : { policy: issued.policy }),
  };
}

export function tokenRoutes(deps: {
  readonly issuer: TokenIssuer;
  /** Validates one batch item against `PlaybackTokenRequest` in openapi.yaml. */
  readonly validateItem: (value: unknown) => void;
}): Record<'issuePlaybackToken' | 'issuePlaybackTokenBatch', OperationHandler> {
  return {
    async issuePlaybackToken(req: Request, res: Response) {
      const issued = await deps.issuer.issue(req.body as PlaybackTokenRequest, callerOf(res));
      res.setHeader('Cache-Control', 'no-store');
      sendJson(res, 201, tokenBody(issued));
    },

    async issuePlaybackTokenBatch(req: Request, res: Response) {
      const items = (req.body as { requests: unknown[] }).requests;
      const caller = callerOf(res);
      const results = await Promise.all(
        items.map(async (item, index) => {
          try {
            deps.validateItem(item);
            return {
              index,
              status: 201,
              ...tokenBody(await deps.issuer.issue(item as PlaybackTokenRequest, caller)),
            };
          } catch (error) {
            if (!isServiceError(error)) throw error;
            return { index, status: ERROR_STATUS[error.code], error: itemError(error) };
          }
        }),
      );
      const issued = results.filter((result) => result.status === 201).length;
      res.setHeader('Cache-Control', 'no-store');
      sendJson(res, 200, { issued, failed: results.length - issued, results });
    },
  };
}

function itemError(error: ServiceError) {
  return {
    code: error.code,
    message: error.message,
    ...(error.details === undefined ? {} : { details: error.details }),
  };
}
