import helmet from 'helmet';

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
