/// <reference lib="dom" />
// The functions given to page.evaluate run in the browser, hence the DOM types.
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { craftKey, craftToken, craftTokenWith, secondsFrom } from '../support/crafted-tokens.js';
import { buildTestApp, CHANNEL_ARN, type TestApp } from '../support/test-app.js';

/**
 * The support console in a real headless Chromium (Debian's `chromium`, driven by puppeteer-core;
 * no browser is ever downloaded). CI installs it (.ci/run); where it is missing the test is skipped
 * and says so. CONSOLE_SCREENSHOTS_DIR, when set, receives a screenshot of each view.
 */
const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) {
  console.warn(
    `browser test skipped: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`,
  );
}
const SCREENSHOTS = process.env['CONSOLE_SCREENSHOTS_DIR'];

interface PageProblems {
  readonly consoleErrors: string[];
  readonly pageErrors: string[];
  readonly failedRequests: string[];
}

// CI installs Chromium (.ci/run): there, a missing browser is a failure, not a skip.
it.runIf(process.env['CI'] === 'true')('has Chromium in CI', () => {
  expect(hasChromium, `no Chromium at ${CHROMIUM}`).toBe(true);
});

describe.skipIf(!hasChromium)('the support console in Chromium', () => {
  let context: TestApp;
  let server: Server;
  let base: string;
  let browser: Browser;
  const cases: {
    name: string;
    body: { token?: string; url?: string; origin?: string };
    verdict: string;
    code: string;
  }[] = [];

  async function issue(body: object): Promise<{ token: string; playbackUrl: string }> {
    const response = await request(context.app)
      .post('/v1/playback-tokens')
      .set('Authorization', `Bearer ${context.apiKeys.issuer}`)
      .send({ channelArn: CHANNEL_ARN, ...body });
    return response.body;
  }

  /** A fresh tab (a fresh session storage) that records every console error and CSP violation. */
  async function openConsole(): Promise<{ page: Page; problems: PageProblems }> {
    const page = await browser.newPage();
    await page.setViewport({ width: 1200, height: 900 });
    const problems: PageProblems = { consoleErrors: [], pageErrors: [], failedRequests: [] };
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warn')
        problems.consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => problems.pageErrors.push(String(error)));
    page.on('requestfailed', (failed) => problems.failedRequests.push(failed.url()));
    await page.evaluateOnNewDocument(() => {
      const seen: string[] = [];
      (window as unknown as { cspViolations: string[] }).cspViolations = seen;
      document.addEventListener('securitypolicyviolation', (event) => {
        seen.push(`${event.violatedDirective} ${event.blockedURI}`);
      });
    });
    const response = await page.goto(`${base}/console`, { waitUntil: 'networkidle0' });
    expect(response?.status()).toBe(200);
    return { page, problems };
  }

  async function useKey(page: Page, key: string): Promise<void> {
    await page.type('#api-key', key);
    await page.keyboard.press('Enter');
    await page.waitForFunction(() =>
      document.getElementById('api-key-status')?.textContent?.startsWith('Using'),
    );
  }

  async function inspectIn(page: Page, body: { token?: string; url?: string; origin?: string }) {
    await page.$eval(
      '#inspect-input',
      (element, value) => {
        (element as HTMLTextAreaElement).value = value;
      },
      body.token ?? body.url ?? '',
    );
    await page.$eval(
      '#inspect-origin',
      (element, value) => {
        (element as HTMLInputElement).value = value;
      },
      body.origin ?? '',
    );
    await page.$eval('#inspect-result', (element) => element.replaceChildren());
    await page.click('#inspect-submit');
    await page.waitForSelector('#inspect-result .verdict, #inspect-result .error-box');
    return page.$eval('#inspect-result', (element) => ({
      verdict: element.querySelector('.verdict')?.getAttribute('data-verdict') ?? undefined,
      codes: [...element.querySelectorAll('.finding')].map((item) => item.getAttribute('data-code')),
      error: element.querySelector('.error-box')?.textContent ?? undefined,
      focused: document.activeElement?.id,
    }));
  }

  async function expectNoProblems(page: Page, problems: PageProblems): Promise<void> {
    const violations = await page.evaluate(
      () => (window as unknown as { cspViolations: string[] }).cspViolations,
    );
    expect(violations).toEqual([]);
    expect(problems.pageErrors).toEqual([]);
    expect(problems.failedRequests).toEqual([]);
    // A refused request shows as a console error for its status; those are the test's own doing.
    expect(problems.consoleErrors.filter((text) => !/status of 40[13]/.test(text))).toEqual([]);
  }

  /**
   * Every visible text on the page against its background, by WCAG 2 relative luminance: the lowest
   * contrast found, and where (AA asks 4.5:1 for body text).
   */
  function lowestContrast(page: Page): Promise<{ ratio: number; where: string }> {
    return page.evaluate(() => {
      const parse = (color: string) => (color.match(/[\d.]+/g) ?? []).map(Number);
      const luminance = ([r = 0, g = 0, b = 0]: number[]) => {
        const channel = (value: number) => {
          const c = value / 255;
          return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
        };
        return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
      };
      const background = (element: Element | null): number[] => {
        for (let node = element; node; node = node.parentElement) {
          const [r, g, b, a = 1] = parse(getComputedStyle(node).backgroundColor);
          if (a > 0 && r !== undefined) return [r, g ?? 0, b ?? 0];
        }
        return [255, 255, 255];
      };
      let lowest = { ratio: 21, where: '' };
      for (const element of document.querySelectorAll('body *')) {
        const html = element as HTMLElement;
        const hasText = [...element.childNodes].some(
          (node) => node.nodeType === 3 && node.textContent?.trim(),
        );
        if (!hasText || html.offsetParent === null || (html as HTMLButtonElement).disabled) continue;
        const fore = luminance(parse(getComputedStyle(element).color));
        const back = luminance(background(element));
        const ratio = (Math.max(fore, back) + 0.05) / (Math.min(fore, back) + 0.05);
        if (ratio < lowest.ratio)
          lowest = {
            ratio,
            where: `${element.tagName}.${html.className} "${element.textContent?.slice(0, 30)}"`,
          };
      }
      return lowest;
    });
  }

  beforeAll(async () => {
    context = await buildTestApp();
    server = context.app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await puppeteer.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
    });
    if (SCREENSHOTS) await mkdir(SCREENSHOTS, { recursive: true });

    // The six cases of the issue. The deleted key's token first: the emergency rotation deletes
    // the key that signed it, and the others are signed by the key after it.
    const doomed = await issue({});
    await context.rotator.rotate({ emergency: true });
    await context.runtime.coverage.refresh();
    const now = context.clock.now();
    const signer = context.keyCache.signingKey();
    const good = await issue({ viewerId: 'viewer-42', ttlSeconds: 300 });
    const strict = await issue({
      allowedOrigins: ['https://www.example.com'],
      strictOriginEnforcement: true,
    });
    const other = await issue({ ttlSeconds: 60 });
    cases.push(
      {
        name: 'a token from the service',
        body: { url: good.playbackUrl },
        verdict: 'plays',
        code: 'REVOCABLE_VIEWER_SESSION',
      },
      {
        name: 'exp in milliseconds',
        body: {
          token: await craftTokenWith(signer, {
            'aws:channel-arn': CHANNEL_ARN,
            exp: now.getTime() + 300_000,
          }),
        },
        verdict: 'will-not-play',
        code: 'EXP_IN_MILLISECONDS',
      },
      { name: 'a deleted key', body: { token: doomed.token }, verdict: 'will-not-play', code: 'KEY_RETIRED' },
      {
        name: 'a viewer token with a 20-minute exp',
        body: {
          token: await craftTokenWith(signer, {
            'aws:channel-arn': CHANNEL_ARN,
            'aws:viewer-id': 'viewer-42',
            exp: secondsFrom(now, 1200),
          }),
        },
        verdict: 'will-not-play',
        code: 'TTL_OVER_VIEWER_LIMIT',
      },
      {
        name: 'a strict-origin token from another Origin',
        body: { token: strict.token, origin: 'https://evil.example.net' },
        verdict: 'will-not-play',
        code: 'ORIGIN_NOT_ALLOWED',
      },
      {
        name: 'a playback URL with the token doubled',
        body: { url: `${good.playbackUrl}?token=${other.token}` },
        verdict: 'will-not-play',
        code: 'TOKEN_DOUBLED_IN_URL',
      },
    );
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
  });

  it('loads with no console error and no CSP violation, and says no key is set yet', async () => {
    const { page, problems } = await openConsole();

    expect(await page.title()).toBe('ivs-playback-auth console');
    expect(await page.$eval('#api-key-status', (element) => element.textContent)).toContain('No API key yet');
    expect(await page.$eval('#view-keys', (element) => (element as HTMLElement).hidden)).toBe(true);
    await expectNoProblems(page, problems);
    await page.close();
  });

  it('shows a clear message for a bad API key', async () => {
    const { page, problems } = await openConsole();
    await useKey(page, `ipa_0123456789ab_${'A'.repeat(43)}`);

    const result = await inspectIn(page, { token: cases[0]?.body.token ?? 'eyJ.eyJ.x' });

    expect(result.error).toContain('The API key was not accepted (UNAUTHENTICATED)');
    await expectNoProblems(page, problems);
    await page.close();
  });

  it('renders the verdict and the main finding of each of the six cases, and moves focus to the verdict', async () => {
    const { page, problems } = await openConsole();
    await useKey(page, context.apiKeys.issuer);

    for (const item of cases) {
      const result = await inspectIn(page, item.body);

      expect([item.name, result.verdict], JSON.stringify(result)).toEqual([item.name, item.verdict]);
      expect(result.codes[0], item.name).toBe(item.code);
      expect(result.focused).toBe('verdict-title');
    }
    // A token of a signer this service does not know, checked with the public key given.
    const foreign = craftKey();
    await page.click('.more summary');
    await page.$eval(
      '#inspect-public-key',
      (element, value) => {
        (element as HTMLTextAreaElement).value = value;
      },
      foreign.publicKeyPem,
    );
    const foreignResult = await inspectIn(page, {
      token: craftToken(
        { 'aws:channel-arn': CHANNEL_ARN, exp: secondsFrom(context.clock.now(), 60) },
        foreign,
      ),
    });
    expect([foreignResult.verdict, foreignResult.codes[0]]).toEqual(['cannot-tell', 'KEY_NOT_OURS']);
    await page.$eval('#inspect-public-key', (element) => {
      (element as HTMLTextAreaElement).value = '';
    });
    // The key lives in this tab's session storage, nowhere else.
    expect(
      await page.evaluate(() => ({ session: sessionStorage.length, local: localStorage.length })),
    ).toEqual({
      session: 1,
      local: 0,
    });
    await inspectIn(page, cases[1]?.body ?? {});
    const contrast = await lowestContrast(page);
    expect(contrast.ratio, contrast.where).toBeGreaterThanOrEqual(4.5);
    if (SCREENSHOTS)
      await page.screenshot({ path: join(SCREENSHOTS, 'console-inspect.png'), fullPage: true });
    await expectNoProblems(page, problems);
    await page.close();

    const fresh = await openConsole();
    expect(await fresh.page.$eval('#api-key-status', (element) => element.textContent)).toContain(
      'No API key yet',
    );
    await fresh.page.close();
  });

  it('lists the keys per region with drain countdowns for a keys:admin key, and rotates only after confirmation', async () => {
    const { page, problems } = await openConsole();
    await useKey(page, context.apiKeys.issuer);
    await page.click('#show-keys');
    await page.waitForSelector('#keys-result .error-box');
    expect(await page.$eval('#keys-result', (element) => element.textContent)).toContain(
      'lacks the keys:admin scope',
    );

    await page.click('#api-key-forget');
    await useKey(page, context.apiKeys.admin);
    await page.click('#keys-refresh');
    await page.waitForSelector('#keys-result table');
    const before = await page.$$eval('#keys-result tbody tr[data-key-id]', (rows) => rows.length);

    // Cancel first: nothing happens.
    await page.click('#rotate-open');
    expect(await page.$eval('#rotate-dialog', (element) => (element as HTMLDialogElement).open)).toBe(true);
    await page.keyboard.press('Escape');
    expect(await page.$eval('#rotate-dialog', (element) => (element as HTMLDialogElement).open)).toBe(false);
    expect(await page.$$eval('#keys-result tbody tr[data-key-id]', (rows) => rows.length)).toBe(before);

    await page.click('#rotate-open');
    await page.click('#rotate-confirm');
    await page.waitForFunction(() =>
      document.getElementById('rotate-result')?.textContent?.startsWith('Rotated'),
    );
    await page.waitForFunction(() =>
      /drains in \d/.test(document.getElementById('keys-result')?.textContent ?? ''),
    );
    const states = await page.$$eval('#keys-result tbody tr[data-key-id] td:nth-child(2)', (cells) =>
      cells.map((cell) => cell.textContent),
    );

    expect([...states].sort()).toEqual(['current', 'previous', ...Array(before - 1).fill('retired')]);
    const contrast = await lowestContrast(page);
    expect(contrast.ratio, contrast.where).toBeGreaterThanOrEqual(4.5);
    if (SCREENSHOTS) await page.screenshot({ path: join(SCREENSHOTS, 'console-keys.png'), fullPage: true });
    await expectNoProblems(page, problems);
    await page.close();
  });

  it('works from the keyboard alone', async () => {
    const { page, problems } = await openConsole();
    await page.focus('#api-key');
    await page.keyboard.type(context.apiKeys.issuer);
    await page.keyboard.press('Enter');
    await page.focus('#inspect-input');
    await page.keyboard.type(cases[0]?.body.url ?? '');
    // Tab to the Origin field, past the foreign-signer disclosure, to the button, and press it.
    const focused = [];
    for (let step = 0; step < 3; step++) {
      await page.keyboard.press('Tab');
      focused.push(await page.evaluate(() => document.activeElement?.id || document.activeElement?.tagName));
    }
    expect(focused).toEqual(['inspect-origin', 'SUMMARY', 'inspect-submit']);
    await page.keyboard.press('Enter');
    await page.waitForSelector('#inspect-result .verdict');

    expect(
      await page.$eval('#inspect-result .verdict', (element) => element.getAttribute('data-verdict')),
    ).toBe('plays');
    await expectNoProblems(page, problems);
    await page.close();
  });
});
