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

/**
 * The Content-Security-Policy of the support console (`/console`), stricter than helmet's default:
 * everything from this service alone (`'self'`), nothing inline (no `'unsafe-inline'` for scripts
 * or styles, no inline event handlers), no plugins, no framing, no form posts, and Trusted Types
 * required, so the page's script cannot write HTML from strings even by mistake. Worked out once by
 * helmet's own CSP middleware.
 */
export function consoleContentSecurityPolicy(): string {
  let policy: string | undefined;
  const recorder = {
    setHeader(name: string, value: string | number | readonly string[]) {
      if (name.toLowerCase() === 'content-security-policy') policy = String(value);
    },
  };
  helmet.contentSecurityPolicy({
    useDefaults: false,
    directives: {
      defaultSrc: ["'none'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'"],
      imgSrc: ["'self'"],
      connectSrc: ["'self'"],
      baseUri: ["'none'"],
      formAction: ["'none'"],
      frameAncestors: ["'none'"],
      objectSrc: ["'none'"],
      requireTrustedTypesFor: ["'script'"],
      trustedTypes: ["'none'"],
    },
  })({ method: 'GET', url: '/', headers: {} } as never, recorder as never, (error?: unknown) => {
    if (error) throw error;
  });
  if (policy === undefined) throw new Error('helmet did not set a Content-Security-Policy');
  return policy;
}
