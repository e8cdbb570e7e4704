import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack } from '../support/stack.js';

/**
 * The web app end to end: a real server with the Stripe emulator on a fresh database with demo data, driven by
 * Debian's Chromium. Screenshots of every page land in test-results/screenshots/.
 */
const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOTS = path.resolve(import.meta.dirname, '../../test-results/screenshots');
const DEMO_PASSWORD = 'flowtab-demo';
const PAYING_CARD = '4242424242424242';

type Stack = Awaited<ReturnType<typeof startStack>>;
type FlowSummary = { id: string; slug: string; title: string; body: string; is_premium: boolean; author: { username: string } };

describe.skipIf(!existsSync(CHROMIUM))('web app (Chromium)', () => {
  let stack: Stack;
  let context: BrowserContext;
  let profileDir: string;

  beforeAll(async () => {
    stack = await startStack();
    profileDir = mkdtempSync(path.join(tmpdir(), 'flowtab-e2e-'));
    mkdirSync(SCREENSHOTS, { recursive: true });
    context = await chromium.launchPersistentContext(profileDir, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1280, height: 860 },
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
    });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(stack.url).origin });
  });

  afterAll(async () => {
    await context?.close();
    await stack?.close();
    if (profileDir) rmSync(profileDir, { recursive: true, force: true });
  });

  /** JSON against the API, as a member when `token` is given. */
  async function callApi<T>(method: string, apiPath: string, { body, token }: { body?: unknown; token?: string } = {}): Promise<T> {
    const response = await fetch(`${stack.url}${apiPath}`, {
      method,
      headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const payload = (await response.json()) as T;
    if (!response.ok) throw new Error(`${method} ${apiPath} → ${response.status}: ${JSON.stringify(payload)}`);
    return payload;
  }

  const uniqueName = (prefix: string) => `${prefix}_${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;

  async function registerByApi(): Promise<string> {
    const username = uniqueName('e2e');
    const { access_token } = await callApi<{ access_token: string }>('POST', '/v1/auth/register', {
      body: { email: `${username}@example.com`, username, password: 'correct horse battery' },
    });
    return access_token;
  }

  /** A member who subscribed through Checkout with the paying test card (the emulator's control API pays it). */
  async function subscribeByApi(token: string) {
    const session = await callApi<{ session_id: string }>('POST', '/v1/subscriptions/checkout', { token });
    const paid = await fetch(`${stack.emulatorUrl}/_emulator/checkout/sessions/${session.session_id}/pay`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ card: PAYING_CARD }),
      redirect: 'manual',
    });
    expect(paid.status).toBeLessThan(400);
    await expect
      .poll(async () => (await callApi<{ is_subscriber: boolean }>('GET', '/v1/subscriptions/me', { token })).is_subscriber, { timeout: 30_000 })
      .toBe(true);
  }

  async function premiumFlowBy(author: string, skip = 0): Promise<FlowSummary> {
    const list = await callApi<{ items: FlowSummary[] }>('GET', `/v1/flows?author=${author}&premium=true&page_size=20`);
    const flow = list.items[skip];
    if (!flow) throw new Error(`no premium flow #${skip} by ${author}`);
    return flow;
  }

  async function newPage(token?: string): Promise<Page> {
    const page = await context.newPage();
    await page.goto(stack.url);
    await page.evaluate((value) => (value ? localStorage.setItem('flowtab.token', value) : localStorage.removeItem('flowtab.token')), token ?? null);
    return page;
  }

  const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });

  it('a guest browses the library, searches and meets the paywall on a premium flow', async () => {
    const page = await newPage();
    await page.goto(stack.url);
    await expect.poll(() => page.locator('.flow-card').count()).toBeGreaterThan(3);
    await expect.poll(() => page.getByRole('heading', { level: 2, name: /\d+ flows?/ }).textContent()).toMatch(/\d+ flows/);
    await shot(page, '01-library');

    await page.getByLabel('Search flows').fill('linkedin');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.waitForURL(/q=linkedin/);
    await expect.poll(() => page.locator('#results-heading').textContent()).toContain('for “linkedin”');
    const titles = await page.locator('.flow-card-title').allTextContents();
    expect(titles.length).toBeGreaterThan(0);
    await shot(page, '02-library-search');

    await page.getByRole('checkbox', { name: 'Playwright' }).check();
    await page.waitForURL(/tools=Playwright/);
    await shot(page, '03-library-filtered');

    const premium = await premiumFlowBy('maya_research');
    await page.goto(`${stack.url}/flows/${premium.slug}`);
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe(premium.title);
    expect(await page.getByText('This is a preview of a premium flow.').isVisible()).toBe(true);
    expect(await page.getByRole('link', { name: 'Subscribe for $10/month' }).isVisible()).toBe(true);
    expect(await page.getByRole('button', { name: /Copy flow/ }).count()).toBe(0);
    await shot(page, '04-flow-locked');

    await page.goto(`${stack.url}/no/such/page`);
    await expect.poll(() => page.getByRole('heading', { name: 'Page not found' }).isVisible()).toBe(true);
    await page.close();
  });

  it('a new member registers, subscribes on Checkout, copies a premium flow to the clipboard and the counter moves', async () => {
    const page = await newPage();
    const username = uniqueName('reader');

    await page.goto(`${stack.url}/pricing`);
    await shot(page, '05-pricing-guest');
    await page.getByRole('link', { name: 'Sign up to subscribe' }).click();
    await page.waitForURL(/\/register\?next=%2Fpricing/);
    await page.getByRole('button', { name: 'Sign up' }).click(); // empty form: every field says what is wrong
    expect(await page.locator('.field-error').count()).toBe(3);
    await page.getByLabel('Email').fill(`${username}@example.com`);
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill('correct horse battery');
    await shot(page, '06-register');
    await page.getByRole('button', { name: 'Sign up' }).click();
    await page.waitForURL(`${stack.url}/pricing`);
    await expect.poll(() => page.locator('.nav-user').textContent()).toBe(username);

    // The session survives a reload (the token is kept in localStorage).
    await page.reload();
    await expect.poll(() => page.locator('.nav-user').textContent()).toBe(username);
    expect(await page.getByTestId('copy-counter').count()).toBe(0);

    await page.getByRole('button', { name: 'Subscribe for $10/month' }).click();
    await page.waitForURL((url) => url.href.startsWith(stack.emulatorUrl));
    await page.locator('input[name="card"]').fill(PAYING_CARD);
    await shot(page, '07-emulator-checkout');
    await page.locator('#pay').click();

    await page.waitForURL(/\/subscribe\/return\?session_id=/);
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent(), { timeout: 30_000 }).toBe('You are subscribed');
    expect(await page.getByText('Stripe confirmed your payment').isVisible()).toBe(true);
    await shot(page, '08-subscribe-return');
    await expect.poll(() => page.getByTestId('copy-counter').textContent()).toBe('0 / 100');

    const premium = await premiumFlowBy('maya_research');
    await page.goto(`${stack.url}/flows/${premium.slug}`);
    await expect.poll(() => page.getByRole('button', { name: /Copy flow/ }).isVisible()).toBe(true);
    const bodySelect = await page.getByTestId('flow-body').evaluate((element) => getComputedStyle(element).userSelect);
    expect(bodySelect).toBe('none');

    await page.getByRole('button', { name: /Copy flow/ }).click();
    await expect.poll(() => page.getByTestId('copy-status').textContent()).toBe('Copied · the creator earned $0.07 · 99 paid copies left');
    await expect.poll(() => page.getByTestId('copy-counter').textContent()).toBe('1 / 100');
    const clipboard = await page.evaluate(() => navigator.clipboard.readText());
    const fullText = await callApi<{ body: string }>('GET', `/v1/flows/${premium.slug}`, {
      token: (await page.evaluate(() => localStorage.getItem('flowtab.token'))) ?? undefined,
    });
    expect(clipboard).toBe(fullText.body);
    expect(clipboard.length).toBeGreaterThan(premium.body.length - 1); // the full text, not the guest preview
    await shot(page, '09-flow-copied');

    // A second copy in the same period is not counted again, but still lands on the clipboard.
    await page.evaluate(() => navigator.clipboard.writeText(''));
    await page.getByRole('button', { name: /Copy flow/ }).click();
    await expect.poll(() => page.getByTestId('copy-status').textContent()).toContain('already copied this flow this period');
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(fullText.body);
    await expect.poll(() => page.getByTestId('copy-counter').textContent()).toBe('1 / 100');

    await page.goto(`${stack.url}/account`);
    await expect.poll(() => page.getByText(premium.title).first().isVisible()).toBe(true);
    expect(await page.locator('.details').textContent()).toContain('1 used');
    await shot(page, '10-account');
    await page.close();
  });

  it('the creator logs in and sees what a subscriber’s copy earned', async () => {
    const flow = await premiumFlowBy('maya_research', 1);
    const subscriber = await registerByApi();
    await subscribeByApi(subscriber);
    const copy = await callApi<{ counted_for_payout: boolean; payout_earned: number }>('POST', `/v1/flows/${flow.id}/copy`, { token: subscriber });
    expect(copy).toMatchObject({ counted_for_payout: true, payout_earned: 7 });

    const page = await newPage();
    await page.goto(`${stack.url}/login?next=%2Fcreator`);
    await page.getByLabel('Email or username').fill('maya_research');
    await page.getByLabel('Password').fill(DEMO_PASSWORD);
    await shot(page, '11-log-in');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(`${stack.url}/creator`);

    const row = page.getByTestId('creator-flows').locator('tr', { hasText: flow.title });
    await expect.poll(() => row.textContent(), { timeout: 15_000 }).toContain('$0.07');
    const cards = await page.getByTestId('money-cards').textContent();
    expect(cards).toMatch(/\$0\.\d\d/);
    await expect.poll(() => page.getByText(/Total earned \$0\.\d\d/).isVisible()).toBe(true);
    await shot(page, '12-creator-dashboard');

    await page.getByRole('button', { name: 'Log out' }).click();
    await expect.poll(() => page.getByRole('link', { name: 'Log in' }).isVisible()).toBe(true);
    expect(await page.evaluate(() => localStorage.getItem('flowtab.token'))).toBeNull();
    await page.close();
  });

  it('a member publishes a flow: each invalid field says why, the preview follows the text', async () => {
    const page = await newPage(await registerByApi());
    await page.goto(`${stack.url}/publish`);
    await page.getByLabel('Title').fill('ab');
    await page.getByLabel('Tags').fill('ok, Bad_Tag!');
    await page.getByRole('button', { name: 'Publish', exact: true }).click();
    await expect.poll(() => page.locator('.field-error').count()).toBeGreaterThanOrEqual(3);
    expect(await page.locator('.field-error').allTextContents()).toEqual(
      expect.arrayContaining(['Use 3 to 120 characters.', expect.stringContaining('bad_tag!')]),
    );
    await shot(page, '13-publish-invalid');

    const title = `Weekly inbox zero ${Date.now()}`;
    await page.getByLabel('Title').fill(title);
    await page.getByLabel('Summary').fill('Sorts the week’s email into reply, delegate and archive.');
    await page.getByLabel('Flow text').fill('# Role\nYou are my **inbox** assistant.\n\n- Read the last 7 days\n- Draft replies');
    await page.getByLabel('Steps').fill('Open Gmail\nRun the flow');
    await page.getByLabel('Tags').fill('email, productivity');
    await page.getByRole('checkbox', { name: 'Comet' }).check();
    await expect.poll(() => page.locator('.editor-preview strong').first().textContent()).toBe('inbox');
    await shot(page, '14-publish-preview');
    await page.getByRole('button', { name: 'Publish', exact: true }).click();
    await page.waitForURL(/\/flows\/weekly-inbox-zero/);
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe(title);
    await shot(page, '15-flow-published');
    await page.getByRole('link', { name: 'Edit' }).click();
    await page.waitForURL(/\/edit$/);
    await expect.poll(() => page.getByLabel('Title').inputValue()).toBe(title);
    await shot(page, '16-edit-flow');
    await page.close();
  });

  it('pages fit a phone and read in dark mode', async () => {
    const page = await newPage();
    await page.setViewportSize({ width: 360, height: 780 });
    await page.emulateMedia({ colorScheme: 'dark' });
    const premium = await premiumFlowBy('maya_research');
    for (const [name, pagePath] of [
      ['17-phone-dark-library', '/'],
      ['18-phone-dark-flow', `/flows/${premium.slug}`],
      ['19-phone-dark-pricing', '/pricing'],
    ] as const) {
      await page.goto(`${stack.url}${pagePath}`);
      await page.waitForLoadState('networkidle');
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(overflow, `${pagePath} scrolls sideways at 360px`).toBeLessThanOrEqual(0);
      expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
      await shot(page, name);
    }
    await page.getByRole('button', { name: 'Menu' }).click();
    expect(await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Library' }).isVisible()).toBe(true);
    await shot(page, '20-phone-dark-menu');
    await page.close();
  });
});
