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
    return {
      ok: false,
      reason:
        'must be an origin such as https://example.com or https://*.example.com: scheme http or https, a host, an optional port, and no path, query, comma or whitespace',
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
