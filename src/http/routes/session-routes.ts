import type { Request, Response } from 'express';
import { isServiceError } from '../../domain/errors.js';
import type { ViewerSessionRevocation, ViewerSessionRevoker } from '../../domain/ports.js';
import { checkRevocation } from '../../domain/viewer-sessions.js';
import { callerOf } from '../authentication.js';
import type { OperationHandler } from '../create-app.js';

type ItemResult =
  | { index: number; status: 'started' }
  | { index: number; status: 'failed'; error: { code: string; message: string; details?: unknown } };

export function sessionRoutes(deps: {
  readonly revoker: ViewerSessionRevoker;
  /** Validates one item against `ViewerSessionRevocation` in openapi.yaml. */
  readonly validateItem: (value: unknown) => void;
}): Record<'revokeViewerSessions', OperationHandler> {
  return {
    async revokeViewerSessions(req: Request, res: Response) {
      const items = (req.body as { sessions: unknown[] }).sessions;
      const caller = callerOf(res);
      const results: ItemResult[] = [];
      const valid: { index: number; session: ViewerSessionRevocation }[] = [];
      items.forEach((item, index) => {
        try {
          deps.validateItem(item);
          valid.push({ index, session: checkRevocation(item as ViewerSessionRevocation, caller) });
        } catch (error) {
          if (!isServiceError(error)) throw error;
          results[index] = {
            index,
            status: 'failed',
            error: {
              code: error.code,
              message: error.message,
              ...(error.details ? { details: error.details } : {}),
            },
          };
        }
      });
      if (valid.length > 0) {
        const outcomes = await deps.revoker.revoke(valid.map(({ session }) => session));
        valid.forEach(({ index }, position) => {
          const outcome = outcomes[position];
          results[index] =
            outcome?.ok === false
              ? { index, status: 'failed', error: { code: outcome.code, message: outcome.message } }
              : { index, status: 'started' };
        });
      }
      const started = results.filter((result) => result.status === 'started').length;
      res.status(202).json({ started, failed: results.length - started, results });
    },
  };
}
