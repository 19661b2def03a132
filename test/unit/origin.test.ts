import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkOrigin } from '../../src/domain/origin.js';

const LABEL_63 = 'a'.repeat(63);
/** 253 characters: three 63-character labels, one 61-character label, three dots. */
const HOST_253 = `${LABEL_63}.${LABEL_63}.${LABEL_63}.${'b'.repeat(61)}`;

const NOT_AN_ORIGIN = /must be an origin such as https:\/\/example\.com/;
const BAD_HOST = /invalid host name/;
const BAD_PORT = /port outside 1-65535/;
const DEFAULT_PORT = /default port/;
const BROAD_WILDCARD = /wildcard over a top-level domain/;

describe('checkOrigin', () => {
  it.each([
    ['https', 'https://example.com', 'https://example.com'],
    ['http', 'http://example.com', 'http://example.com'],
    ['port 1', 'https://example.com:1', 'https://example.com:1'],
    ['port 65535', 'https://example.com:65535', 'https://example.com:65535'],
    ['port 443 on http (not its default)', 'http://example.com:443', 'http://example.com:443'],
    ['port 80 on https (not its default)', 'https://example.com:80', 'https://example.com:80'],
    ['a subdomain wildcard', 'https://*.example.com', 'https://*.example.com'],
    ['a subdomain wildcard with a port', 'https://*.example.com:8443', 'https://*.example.com:8443'],
    ['an IPv4 host', 'https://192.168.0.1', 'https://192.168.0.1'],
    ['an IPv4 host with a port', 'http://127.0.0.1:8080', 'http://127.0.0.1:8080'],
    ['a single-label host', 'http://localhost:3000', 'http://localhost:3000'],
    ['a hyphen inside a label', 'https://my-site.example.com', 'https://my-site.example.com'],
    ['a punycode host', 'https://xn--bcher-kva.example', 'https://xn--bcher-kva.example'],
    ['a 63-character label', `https://${LABEL_63}.com`, `https://${LABEL_63}.com`],
    ['a 253-character host', `https://${HOST_253}`, `https://${HOST_253}`],
    ['upper case (normalized to lower case)', 'HTTPS://WWW.Example.COM', 'https://www.example.com'],
    ['an upper-case wildcard host', 'Https://*.EXAMPLE.com:8080', 'https://*.example.com:8080'],
  ])('accepts %s', (_reason, value, normalized) => {
    const result = checkOrigin(value);

    expect(result).toEqual({ ok: true, origin: normalized });
  });

  it.each([
    ['port 0', 'https://example.com:0', BAD_PORT],
    ['port 65536', 'https://example.com:65536', BAD_PORT],
    ['a port with a leading zero', 'https://example.com:0443', BAD_PORT],
    ['a six-digit port', 'https://example.com:100000', NOT_AN_ORIGIN],
    ['an empty port', 'https://example.com:', NOT_AN_ORIGIN],
    ['the default port 80 on http', 'http://example.com:80', DEFAULT_PORT],
    ['the default port 443 on https', 'https://example.com:443', DEFAULT_PORT],
    ['a wildcard over a top-level domain', 'https://*.com', BROAD_WILDCARD],
    ['a bare wildcard', 'https://*', NOT_AN_ORIGIN],
    ['a wildcard for the whole host', '*', NOT_AN_ORIGIN],
    ['a wildcard inside a label', 'https://*example.com', NOT_AN_ORIGIN],
    ['a wildcard that is not leftmost', 'https://a.*.example.com', NOT_AN_ORIGIN],
    ['two wildcards', 'https://*.*.example.com', NOT_AN_ORIGIN],
    ['a path', 'https://example.com/path', NOT_AN_ORIGIN],
    ['a trailing slash', 'https://example.com/', NOT_AN_ORIGIN],
    ['a query', 'https://example.com?a=1', NOT_AN_ORIGIN],
    ['a fragment', 'https://example.com#top', NOT_AN_ORIGIN],
    ['userinfo', 'https://user@example.com', NOT_AN_ORIGIN],
    ['userinfo with a password', 'https://user:secret@example.com', NOT_AN_ORIGIN],
    ['a comma joining two origins', 'https://a.example.com,https://b.example.com', NOT_AN_ORIGIN],
    ['a trailing space', 'https://example.com ', NOT_AN_ORIGIN],
    ['a leading space', ' https://example.com', NOT_AN_ORIGIN],
    ['a space in the host', 'https://exa mple.com', NOT_AN_ORIGIN],
    ['CR LF', 'https://example.com\r\n', NOT_AN_ORIGIN],
    ['a trailing line feed', 'https://example.com\n', NOT_AN_ORIGIN],
    ['a header injection', 'https://example.com\r\nX-Evil: 1', NOT_AN_ORIGIN],
    ['a tab', '\thttps://example.com', NOT_AN_ORIGIN],
    ['ftp', 'ftp://example.com', NOT_AN_ORIGIN],
    ['javascript:', 'javascript:alert(1)', NOT_AN_ORIGIN],
    ['data:', 'data:text/html,hi', NOT_AN_ORIGIN],
    ['file:', 'file:///etc/passwd', NOT_AN_ORIGIN],
    ['wss:', 'wss://example.com', NOT_AN_ORIGIN],
    ['no scheme', 'example.com', NOT_AN_ORIGIN],
    ['a scheme-relative URL', '//example.com', NOT_AN_ORIGIN],
    ['the opaque origin "null"', 'null', NOT_AN_ORIGIN],
    ['an empty string', '', NOT_AN_ORIGIN],
    ['an IPv6 literal', 'https://[::1]', NOT_AN_ORIGIN],
    ['an empty label', 'https://a..b', BAD_HOST],
    ['a leading dot', 'https://.example.com', BAD_HOST],
    ['a trailing dot', 'https://example.com.', BAD_HOST],
    ['a 64-character label', `https://${'a'.repeat(64)}.com`, BAD_HOST],
    ['a 254-character host', `https://${HOST_253}b`, BAD_HOST],
    ['a hyphen at the start of a label', 'https://-a.example.com', BAD_HOST],
    ['a hyphen at the end of a label', 'https://a-.example.com', BAD_HOST],
    ['an underscore', 'https://a_b.example.com', NOT_AN_ORIGIN],
    ['a unicode host (must be punycode)', 'https://bücher.example', NOT_AN_ORIGIN],
    ['a homograph with a Cyrillic letter', 'https://exаmple.com', NOT_AN_ORIGIN],
    ['a fullwidth digit in the port', 'https://example.com:８０８０', NOT_AN_ORIGIN],
  ])('refuses %s', (_reason, value, reason) => {
    const result = checkOrigin(value);

    expect(result.ok).toBe(false);
    expect(result.ok ? undefined : result.reason).toMatch(reason);
  });

  it.each([
    [
      'a trailing slash',
      'https://example.com/',
      /^ends with a slash, but an origin has no path: drop the trailing slash; it must be/,
    ],
    [
      'a path',
      'https://example.com:8443/watch',
      /^has a path, but an origin has no path: keep only scheme:\/\/host\[:port\]; it must/,
    ],
    ['a query', 'https://example.com?a=1', /^has a query or fragment, which an origin never has/],
    ['a fragment', 'https://example.com#top', /^has a query or fragment/],
    [
      'userinfo',
      'https://user:secret@example.com',
      /^has a user name or password, which an origin never has; it must/,
    ],
    [
      'two origins in one',
      'https://a.example.com,https://b.example.com',
      /^holds a comma: give each origin as its own array item; it must/,
    ],
    ['a trailing space', 'https://example.com ', /^contains whitespace or a control character; it must/],
    ['no scheme', 'example.com', /^has no scheme: an origin starts with https:\/\/ or http:\/\/; it must/],
    ['another scheme', 'wss://example.com', /^uses a scheme other than http or https; it must/],
    ['nothing recognisable', 'https://*', /^must be an origin such as/],
  ])('says plainly what is wrong with %s, without echoing it', (_reason, value, reason) => {
    const result = checkOrigin(value);

    expect(result.ok ? undefined : result.reason).toMatch(reason);
    expect(result.ok ? undefined : result.reason).not.toContain('secret');
  });

  it('refuses any string containing a comma, whitespace or a control character', () => {
    const separator = fc.oneof(
      fc.constantFrom(
        ',',
        ' ',
        '\t',
        '\n',
        '\r',
        '\v',
        '\f',
        '\u00a0',
        '\u1680',
        '\u2028',
        '\u2029',
        '\u3000',
      ),
      fc.constantFrom('\u202f', '\u205f', '\ufeff'),
      fc.integer({ min: 0x2000, max: 0x200a }).map((code) => String.fromCharCode(code)),
      fc.integer({ min: 0, max: 0x1f }).map((code) => String.fromCharCode(code)),
      fc.integer({ min: 0x7f, max: 0x9f }).map((code) => String.fromCharCode(code)),
    );
    const aroundAnOrigin = fc.constantFrom('https://example.com', 'https://*.example.com:8443', 'http://a.b');

    fc.assert(
      fc.property(
        fc.oneof(fc.string(), aroundAnOrigin),
        separator,
        fc.oneof(fc.string(), aroundAnOrigin),
        (before, bad, after) => {
          const value = before + bad + after;
          expect(bad).toMatch(/^[,\s\p{Cc}]$/u);

          const result = checkOrigin(value);

          expect(result.ok).toBe(false);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('returns accepted origins in a form it accepts unchanged, free of commas and whitespace', () => {
    fc.assert(
      fc.property(
        fc.mixedCase(fc.stringMatching(/^https?:\/\/(\*\.)?[a-z0-9.-]{1,30}(:\d{1,5})?$/)),
        (value) => {
          const result = checkOrigin(value);

          if (result.ok) {
            expect(checkOrigin(result.origin)).toEqual(result);
            expect(result.origin).toBe(result.origin.toLowerCase());
            expect(result.origin).not.toMatch(/[,\s]/);
          }
        },
      ),
    );
  });
});
