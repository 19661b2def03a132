import ipaddr from 'ipaddr.js';
import { countryCode, UNKNOWN_COUNTRY_MARKERS } from './countries.js';
import { ServiceError } from './errors.js';

/** An IPv6 address is at most 45 characters in text (with an embedded IPv4 address). */
export const VIEWER_IP_MAX_LENGTH = 45;

const DOTTED_QUAD = /^\d{1,3}(?:\.\d{1,3}){3}$/;
/** Hex groups, colons and an optional embedded IPv4 address; no zone id (`%eth0`), no brackets. */
const IPV6_TEXT = /^[0-9A-Fa-f:.]+$/;

/** A viewer address, ready to be looked up in a country database. */
export interface ViewerAddress {
  /**
   * The address in canonical text. An IPv4-mapped IPv6 address (`::ffff:192.0.2.1`, as dual-stack
   * servers report IPv4 clients) is given as the IPv4 address it carries.
   */
  readonly address: string;
  /**
   * `unicast` for a public address; otherwise the special range it belongs to (`private`,
   * `loopback`, `linkLocal`, `carrierGradeNat`, `uniqueLocal`, `reserved`, …), where no country
   * database can tell a country.
   */
  readonly range: string;
}

/**
 * Checks `viewerIp`: an IPv4 address in dotted-quad form or an IPv6 address (any of its text
 * forms). Throws INVALID_VIEWER_IP for anything else, including the shorthand IPv4 forms
 * (`127.1`, `0x7f.0.0.1`) that some parsers accept and no client address ever uses.
 */
export function parseViewerIp(value: unknown): ViewerAddress {
  if (typeof value === 'string' && value.length <= VIEWER_IP_MAX_LENGTH) {
    if (DOTTED_QUAD.test(value) && ipaddr.IPv4.isValidFourPartDecimal(value)) {
      const parsed = ipaddr.IPv4.parse(value);
      return { address: parsed.toString(), range: parsed.range() };
    }
    if (value.includes(':') && IPV6_TEXT.test(value) && ipaddr.IPv6.isValid(value)) {
      const parsed = ipaddr.IPv6.parse(value);
      if (parsed.isIPv4MappedAddress()) {
        const ipv4 = parsed.toIPv4Address();
        return { address: ipv4.toString(), range: ipv4.range() };
      }
      return { address: parsed.toNormalizedString(), range: parsed.range() };
    }
  }
  throw new ServiceError(
    'INVALID_VIEWER_IP',
    'viewerIp must be an IPv4 address (203.0.113.7) or an IPv6 address (2001:db8::7), without port, brackets or zone',
    { details: { field: 'viewerIp' } },
  );
}

/** The country named by `viewerCountry`, or `unknown` for a CDN's "cannot tell" marker (XX, T1). */
export function parseViewerCountry(value: unknown): string | 'unknown' {
  if (typeof value === 'string' && /^[A-Za-z0-9]{2}$/.test(value)) {
    if (UNKNOWN_COUNTRY_MARKERS.has(value.toUpperCase())) return 'unknown';
    const code = countryCode(value);
    if (code !== undefined) return code;
  }
  throw new ServiceError(
    'INVALID_VIEWER_COUNTRY',
    'viewerCountry must be an ISO 3166-1 alpha-2 country code such as US or DE (XX or T1 from a CDN: country unknown)',
    { details: { field: 'viewerCountry' } },
  );
}

/** Where the viewer is, as far as the request tells. */
export type ViewerCountry =
  | { readonly known: true; readonly country: string; readonly from: 'viewerCountry' | 'viewerIp' }
  | {
      readonly known: false;
      /**
       * `not-given`: neither viewerIp nor viewerCountry; `marked-unknown`: the CDN said so;
       * `non-public-address`: a private, loopback or reserved address; `not-in-database`: the
       * country database has no country for the address.
       */
      readonly reason: 'not-given' | 'marked-unknown' | 'non-public-address' | 'not-in-database';
    };

/**
 * The viewer's country: `viewerCountry` when given (a CDN saw the viewer's connection), otherwise
 * the country database's answer for `viewerIp`. `lookup` is asked only for a public address.
 */
export function viewerCountryOf(
  request: { readonly viewerIp?: string | undefined; readonly viewerCountry?: string | undefined },
  lookup: (address: string) => string | undefined,
  /** `viewerIp` already parsed, so the hot path parses it once. */
  parsed?: ViewerAddress,
): ViewerCountry {
  if (request.viewerCountry !== undefined) {
    const country = parseViewerCountry(request.viewerCountry);
    return country === 'unknown'
      ? { known: false, reason: 'marked-unknown' }
      : { known: true, country, from: 'viewerCountry' };
  }
  if (request.viewerIp === undefined) return { known: false, reason: 'not-given' };
  const viewer = parsed ?? parseViewerIp(request.viewerIp);
  if (viewer.range !== 'unicast') return { known: false, reason: 'non-public-address' };
  const found = lookup(viewer.address);
  const country = found === undefined ? undefined : countryCode(found);
  return country === undefined
    ? { known: false, reason: 'not-in-database' }
    : { known: true, country, from: 'viewerIp' };
}
