import { readFile } from 'node:fs/promises';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { CONSOLE_DIR } from '../../src/http/routes/console-routes.js';
import { expectToMatchSpec } from '../support/spec.js';
import { buildTestApp } from '../support/test-app.js';

const FILES = [
  ['/console', 'text/html; charset=utf-8'],
  ['/console/console.js', 'text/javascript; charset=utf-8'],
  ['/console/console.css', 'text/css; charset=utf-8'],
  ['/console/icon.svg', 'image/svg+xml'],
] as const;

const read = (file: string) => readFile(new URL(file, CONSOLE_DIR), 'utf8');

/** The directives of a Content-Security-Policy header, by name. */
function directives(policy: string): Record<string, string[]> {
  return Object.fromEntries(
    policy
      .split(';')
      .map((part) => part.trim().split(/\s+/))
      .filter(([name]) => name)
      .map(([name = '', ...values]) => [name, values]),
  );
}

describe('the support console (/console)', () => {
  it('serves its static files, each under the strict policy, with helmet’s other headers', async () => {
    const context = await buildTestApp();
    const api = await request(context.app).get('/healthz');

    for (const [path, type] of FILES) {
      const response = await request(context.app).get(path);

      expectToMatchSpec(response, 'get', path);
      expect(response.status, path).toBe(200);
      expect(response.headers['content-type'], path).toBe(type);
      expect(response.headers['cache-control'], path).toBe('no-cache');
      expect(directives(response.headers['content-security-policy'] ?? ''), path).toEqual({
        'default-src': ["'none'"],
        'script-src': ["'self'"],
        'style-src': ["'self'"],
        'img-src': ["'self'"],
        'connect-src': ["'self'"],
        'base-uri': ["'none'"],
        'form-action': ["'none'"],
        'frame-ancestors': ["'none'"],
        'object-src': ["'none'"],
        'require-trusted-types-for': ["'script'"],
        'trusted-types': ["'none'"],
      });
      for (const header of [
        'x-content-type-options',
        'strict-transport-security',
        'cross-origin-opener-policy',
      ]) {
        expect(response.headers[header], `${path} ${header}`).toBe(api.headers[header]);
      }
    }
    // The API keeps helmet's own policy.
    expect(api.headers['content-security-policy']).toContain("style-src 'self' https: 'unsafe-inline'");
  });

  it('loads nothing from elsewhere and nothing inline', async () => {
    const html = await read('index.html');
    const references = [...html.matchAll(/\s(?:src|href)="([^"]*)"/g)].map((match) => match[1]);

    expect(references.sort()).toEqual([
      '#main',
      '/console/console.css',
      '/console/console.js',
      '/console/icon.svg',
    ]);
    expect(html).not.toMatch(/<script(?![^>]*\ssrc=)/);
    expect(html).not.toMatch(/<style|\sstyle="|\son[a-z]+="/i);
    const css = await read('console.css');
    expect(css).not.toMatch(/@import|url\(/);
  });

  it('writes no HTML from strings and keeps the API key in session storage only', async () => {
    const script = await read('console.js');

    expect(script).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function/);
    expect(script).not.toMatch(/localStorage|document\.cookie|indexedDB/);
    expect(script).toContain('sessionStorage.setItem');
    expect(script).not.toMatch(/https?:\/\//);
  });

  it('labels every form control', async () => {
    const html = await read('index.html');
    const controls = [...html.matchAll(/<(?:input|textarea|select)\b[^>]*\bid="([^"]+)"/g)].map(
      (match) => match[1],
    );
    const labelled = new Set([...html.matchAll(/<label\b[^>]*\bfor="([^"]+)"/g)].map((match) => match[1]));

    expect(controls.length).toBeGreaterThanOrEqual(4);
    for (const id of controls) expect(labelled.has(id), `#${id} has a <label for>`).toBe(true);
    expect(html).toContain('<html lang="en">');
  });
});
