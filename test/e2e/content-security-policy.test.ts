import { existsSync } from 'node:fs';
import path from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWebIfStale } from '../../src/server/web-build.js';
import { createTestApp, type TestApp } from '../support/app.js';

/**
 * The Content-Security-Policy in a real browser: the web app and the Swagger UI at /docs load and run under it,
 * with not one violation (an inline script, eval, a style or image the policy forgets would each report one).
 */
const CHROMIUM = '/usr/bin/chromium';
const root = path.resolve(import.meta.dirname, '../..');

describe.skipIf(!existsSync(CHROMIUM))('the Content-Security-Policy (Chromium)', () => {
  let t: TestApp;
  let browser: Browser;
  let url: string;

  beforeAll(async () => {
    await buildWebIfStale(root, () => {});
    t = await createTestApp();
    url = await t.app.listen({ port: 0, host: '127.0.0.1' });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'] });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  /** A page that records every CSP violation (the listener is installed by the browser, outside the policy). */
  async function openPage(): Promise<{ page: Page; violations: () => Promise<string[]> }> {
    const page = await browser.newPage();
    await page.addInitScript(() => {
      const seen: string[] = [];
      (window as unknown as { cspViolations: string[] }).cspViolations = seen;
      document.addEventListener('securitypolicyviolation', (event) => seen.push(`${event.violatedDirective} ${event.blockedURI}`));
    });
    return { page, violations: () => page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations) };
  }

  it('the web app runs, its theme script included, with no violation', async () => {
    const { page, violations } = await openPage();
    const response = await page.goto(url);
    expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
    await page.evaluate(() => localStorage.setItem('flowtab.theme', 'dark'));
    // Without the app's bundle, only theme.js can apply the remembered theme: it runs under the policy.
    await page.route(/\/assets\/.*\.js$/, (route) => route.abort());
    await page.reload();
    await page.waitForLoadState('load');
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
    await page.unroute(/\/assets\/.*\.js$/);
    await page.reload();
    await page.waitForSelector('#root > *');
    await page.waitForLoadState('networkidle');
    expect(await violations()).toEqual([]);
    // The recorder does see a violation: an inline script, as index.html used to have, is blocked and reported.
    await page.evaluate(() => document.head.append(Object.assign(document.createElement('script'), { textContent: 'window.ran = true' })));
    await expect.poll(violations).toEqual([expect.stringMatching(/^script-src(-elem)? inline$/)]);
    expect(await page.evaluate(() => (window as unknown as { ran?: boolean }).ran)).toBeUndefined();
    await page.close();
  });

  it('the docs UI renders the API under the policy, with no violation', async () => {
    const { page, violations } = await openPage();
    await page.goto(`${url}/docs/`);
    await page.waitForSelector('.swagger-ui .info .title');
    expect(await page.textContent('.swagger-ui .info .title')).toContain('Flowtab.Pro API');
    await expect.poll(() => page.locator('.opblock').count()).toBeGreaterThan(10);
    await page.waitForLoadState('networkidle');
    expect(await violations()).toEqual([]);
    await page.close();
  });
});
