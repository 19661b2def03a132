import type { RequestHandler } from 'express';
import helmet from 'helmet';

type HeaderOperation = readonly ['set', string, string] | readonly ['remove', string];

/**
 * helmet's default security headers, worked out once. With its defaults, every header helmet sets
 * is the same for every request, so running its twelve middlewares per request only rebuilds the
 * same strings (the Content-Security-Policy among them). This runs helmet once against a recorder
 * and replays what it did, in the same order, on every response.
 */
export function precomputedHelmet(): RequestHandler {
  const operations: HeaderOperation[] = [];
  const recorder = {
    setHeader(name: string, value: string | number | readonly string[]) {
      operations.push(['set', name, String(value)]);
    },
    removeHeader(name: string) {
      operations.push(['remove', name]);
    },
  };
  let finished = false;
  helmet()({ method: 'GET', url: '/', headers: {} } as never, recorder as never, (error?: unknown) => {
    if (error) throw error;
    finished = true;
  });
  if (!finished) throw new Error('helmet did not finish synchronously; its headers cannot be precomputed');

  return (_req, res, next) => {
    for (const operation of operations) {
      if (operation[0] === 'set') res.setHeader(operation[1], operation[2]);
      else res.removeHeader(operation[1]);
    }
    next();
  };
}
