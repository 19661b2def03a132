import type { Request, Response } from 'express';
import { isServiceError, type ServiceError } from '../../domain/errors.js';
import type { PlaybackTokenRequest } from '../../domain/playback-claims.js';
import type { IssuedToken, TokenIssuer } from '../../services/token-issuer.js';
import { callerOf } from '../authentication.js';
import type { OperationHandler } from '../create-app.js';
import { ERROR_STATUS } from '../error-status.js';

let lastExpiry = Number.NaN;
let lastExpiryText = '';

/** `toISOString`, remembered for the last expiry: tokens issued in the same second share one. */
function isoExpiry(expiresAt: Date): string {
  const time = expiresAt.getTime();
  if (time !== lastExpiry) {
    lastExpiryText = expiresAt.toISOString();
    lastExpiry = time;
  }
  return lastExpiryText;
}

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

/**
 * What `res.status(status).json(body)` sends with this app's settings (no ETag, no JSON spaces or
 * replacer, never a HEAD or a conditional request on these routes): the same status, headers in the
 * same order, and bytes, without express's per-call settings lookups and content-type re-parsing.
 */
function sendJson(res: Response, status: number, body: unknown): void {
  const json = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(json));
  res.end(json, 'utf8');
}

function itemError(error: ServiceError) {
  return {
    code: error.code,
    message: error.message,
    ...(error.details === undefined ? {} : { details: error.details }),
  };
}
