/**
 * Origins for the `aws:access-control-allow-origin` claim. IVS compares them with the browser's
 * `Origin` header and receives them joined by commas, so an accepted origin must be exactly what a
 * browser sends: scheme and host, an optional non-default port, nothing else. Anything that could
 * smuggle a second origin into the joined claim (commas, whitespace, CR/LF, paths) is refused.
 */
const ORIGIN = /^(https?):\/\/(\*\.)?([a-z0-9.-]+)(?::(\d{1,5}))?$/i;
const DNS_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const DEFAULT_PORT: Readonly<Record<string, string>> = { http: '80', https: '443' };
const MAX_HOST_LENGTH = 253;

export type OriginCheck =
  | { readonly ok: true; readonly origin: string }
  | { readonly ok: false; readonly reason: string };

/**
 * Checks one origin and returns it in the form browsers send (lower-case scheme and host). A host
 * may start with `*.` to match any subdomain, but the wildcard must be followed by at least two
 * labels (`https://*.example.com`, never `https://*.com`).
 */
export function checkOrigin(value: string): OriginCheck {
  const match = ORIGIN.exec(value);
  if (!match) {
    const what = mistakeIn(value);
    return {
      ok: false,
      reason: `${what ? `${what}; it ` : ''}must be an origin such as https://example.com or https://*.example.com: scheme http or https, a host, an optional port, and no path, query, comma or whitespace`,
    };
  }
  const [, rawScheme = '', wildcard, rawHost = '', port] = match;
  const scheme = rawScheme.toLowerCase();
  const host = rawHost.toLowerCase();
  const labels = host.split('.');
  if (host.length > MAX_HOST_LENGTH || !labels.every((label) => DNS_LABEL.test(label))) {
    return {
      ok: false,
      reason: 'has an invalid host name (letters, digits and hyphens in dot-separated labels)',
    };
  }
  if (wildcard && labels.length < 2) {
    return { ok: false, reason: 'uses a wildcard over a top-level domain; use *.example.com or narrower' };
  }
  if (port !== undefined) {
    const portNumber = Number(port);
    if (port.startsWith('0') || portNumber < 1 || portNumber > 65_535) {
      return { ok: false, reason: 'has a port outside 1-65535' };
    }
    if (port === DEFAULT_PORT[scheme]) {
      return { ok: false, reason: `names the default port ${port}, which browsers never send; leave it out` };
    }
  }
  return { ok: true, origin: `${scheme}://${wildcard ?? ''}${host}${port === undefined ? '' : `:${port}`}` };
}

/**
 * The common ways a URL is pasted where an origin belongs, said plainly (the value itself is not
 * echoed); undefined when none applies and the general rule is explanation enough.
 */
function mistakeIn(value: string): string | undefined {
  if (value.includes(',')) return 'holds a comma: give each origin as its own array item';
  if (/[\s\p{Cc}]/u.test(value)) return 'contains whitespace or a control character';
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(value);
  if (!scheme) return 'has no scheme: an origin starts with https:// or http://';
  if (!/^https?$/i.test(scheme[1] ?? '')) return 'uses a scheme other than http or https';
  const rest = value.slice(scheme[0].length);
  if (rest.includes('@')) return 'has a user name or password, which an origin never has';
  const pathAt = rest.search(/[/?#]/);
  if (pathAt < 0) return undefined;
  if (rest[pathAt] !== '/')
    return 'has a query or fragment, which an origin never has: keep only scheme://host[:port]';
  return pathAt === rest.length - 1
    ? 'ends with a slash, but an origin has no path: drop the trailing slash'
    : 'has a path, but an origin has no path: keep only scheme://host[:port]';
}

const ORIGIN_PARTS = /^([a-z][a-z0-9+.-]*):\/\/([^/:?#\s]+)(?::(\d{1,5}))?$/i;

/**
 * Whether an `Origin` header matches one entry of `aws:access-control-allow-origin`, as
 * docs/ivs-playback-rules.md (step 8) describes it: `*` matches any origin; otherwise scheme, host
 * and port must be the same, scheme and host compared case-insensitively, and a host `*.example.com`
 * matches any host ending in `.example.com` (not `example.com` itself).
 */
export function originAllowed(pattern: string, origin: string): boolean {
  if (pattern === '*') return true;
  const wanted = ORIGIN_PARTS.exec(pattern);
  const actual = ORIGIN_PARTS.exec(origin);
  if (!wanted || !actual) return false;
  const [, wantedScheme = '', wantedHost = '', wantedPort] = wanted;
  const [, actualScheme = '', actualHost = '', actualPort] = actual;
  if (wantedScheme.toLowerCase() !== actualScheme.toLowerCase() || wantedPort !== actualPort) return false;
  const host = actualHost.toLowerCase();
  const expected = wantedHost.toLowerCase();
  if (!expected.startsWith('*.')) return host === expected;
  const suffix = expected.slice(1);
  return host.endsWith(suffix) && host.length > suffix.length;
}
