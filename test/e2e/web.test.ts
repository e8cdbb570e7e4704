import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreatorFlowStats, Earnings } from '../../src/web/api/types.js';
import { formatCents } from '../../src/web/lib/format.js';
import { DEMO_PASSWORD, e2eApi, type E2eApi, type FlowSummary, PAYING_CARD, uniqueName } from '../support/e2e-api.js';
import { startStack } from '../support/stack.js';
import { CHROMIUM, closeChromium, gotoApp, launchChromium } from '../support/browser.js';

/**
 * The web app end to end: a real server with the Stripe emulator on a fresh database with demo data, driven by
 * Debian's Chromium. Screenshots of every page land in test-results/screenshots/.
 */
const SCREENSHOTS = path.resolve(import.meta.dirname, '../../test-results/screenshots');
const STACK_START_MS = 180_000; // migrations, demo data and the web build, on a busy two-core CI machine

type Stack = Awaited<ReturnType<typeof startStack>>;

const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });

describe.skipIf(!existsSync(CHROMIUM))('web app (Chromium)', () => {
  let context: BrowserContext;

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    context = await launchChromium();
  });

  afterAll(async () => {
    await closeChromium(context);
  });

  /** A fresh tab on `stack`, logged in when `token` is given (the app keeps its token in localStorage). */
  async function openPage(stack: Stack, token?: string): Promise<Page> {
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(stack.url).origin });
    const page = await context.newPage();
    await gotoApp(page, stack.url);
    await page.evaluate((value) => (value ? localStorage.setItem('flowtab.token', value) : localStorage.removeItem('flowtab.token')), token ?? null);
    return page;
  }

  describe('with the default economics', () => {
    let stack: Stack;
    let api: E2eApi;

    beforeAll(async () => {
      stack = await startStack();
      api = e2eApi(stack);
    }, STACK_START_MS);

    afterAll(async () => {
      await Promise.all(context.pages().map((page) => page.close()));
      await stack?.close();
    });

    it('a guest browses the library, searches and meets the paywall on a premium flow', async () => {
      const page = await openPage(stack);
      await gotoApp(page, stack.url);
      await expect.poll(() => page.locator('.flow-card').count()).toBeGreaterThan(3);
      await expect.poll(() => page.locator('#results-heading').textContent()).toMatch(/^\d+ flows$/);
      await shot(page, '01-library');

      await page.getByLabel('Search flows').fill('linkedin');
      await page.getByRole('button', { name: 'Search', exact: true }).click();
      await page.waitForURL(/q=linkedin/);
      await expect.poll(() => page.locator('#results-heading').textContent()).toMatch(/^\d+ flows? for “linkedin”$/);
      expect(await page.locator('.flow-card').count()).toBeGreaterThan(0);
      await shot(page, '02-library-search');

      await page.getByRole('checkbox', { name: 'Playwright' }).check();
      await page.waitForURL(/tools=Playwright/);
      await shot(page, '03-library-filtered');

      const [premium] = await api.premiumFlows('maya_research');
      await gotoApp(page, `${stack.url}/flows/${premium!.slug}`);
      await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe(premium!.title);
      expect(await page.getByText('This is a preview of a premium flow.').isVisible()).toBe(true);
      expect(await page.getByRole('link', { name: 'Subscribe for $10/month' }).isVisible()).toBe(true);
      expect(await page.getByRole('button', { name: /Copy flow/ }).count()).toBe(0);
      await shot(page, '04-flow-locked');

      await gotoApp(page, `${stack.url}/no/such/page`);
      await expect.poll(() => page.getByRole('heading', { name: 'Page not found' }).isVisible()).toBe(true);
      await page.close();
    });

    it('a new member registers, subscribes on Checkout, copies a premium flow to the clipboard and the counter moves', async () => {
      const page = await openPage(stack);
      const username = uniqueName('reader');

      await gotoApp(page, `${stack.url}/pricing`);
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
      // Checkout returns to PUBLIC_URL; the session (localStorage) belongs to the origin the member started on.
      expect(new URL(page.url()).origin, 'the stack must set PUBLIC_URL to its own url').toBe(new URL(stack.url).origin);
      await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent(), { timeout: 30_000 }).toBe('You are subscribed');
      expect(await page.getByText('Stripe confirmed your payment').isVisible()).toBe(true);
      await shot(page, '08-subscribe-return');
      await expect.poll(() => page.getByTestId('copy-counter').textContent()).toBe('0 / 100');

      const [premium] = await api.premiumFlows('maya_research');
      await gotoApp(page, `${stack.url}/flows/${premium!.slug}`);
      await expect.poll(() => page.getByRole('button', { name: /Copy flow/ }).isVisible()).toBe(true);
      // Polled: the body is rendered again once the member's subscription has loaded (a replaced node has no style).
      await expect.poll(() => page.getByTestId('flow-body').evaluate((element) => getComputedStyle(element).userSelect)).toBe('none');

      await page.getByRole('button', { name: /Copy flow/ }).click();
      await expect.poll(() => page.getByTestId('copy-status').textContent()).toBe('Copied · the creator earned $0.07 · 99 paid copies left');
      await expect.poll(() => page.getByTestId('copy-counter').textContent()).toBe('1 / 100');
      const token = (await page.evaluate(() => localStorage.getItem('flowtab.token'))) ?? undefined;
      const { body: fullText } = await api.call<{ body: string }>('GET', `/v1/flows/${premium!.slug}`, { token });
      expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(fullText);
      const { body: guestPreview } = await api.call<{ body: string }>('GET', `/v1/flows/${premium!.slug}`);
      expect(fullText.length).toBeGreaterThan(guestPreview.length); // the whole flow, not the guest preview
      await shot(page, '09-flow-copied');

      // A second copy in the same period is not counted again, but still lands on the clipboard.
      await page.evaluate(() => navigator.clipboard.writeText(''));
      await page.getByRole('button', { name: /Copy flow/ }).click();
      await expect.poll(() => page.getByTestId('copy-status').textContent()).toContain('already copied this flow this period');
      expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(fullText);
      expect(await page.getByTestId('copy-counter').textContent()).toBe('1 / 100');

      await gotoApp(page, `${stack.url}/account`);
      await expect.poll(() => page.getByRole('link', { name: premium!.title }).isVisible()).toBe(true);
      expect(await page.locator('.details').textContent()).toContain('1 used');
      await shot(page, '10-account');

      // Cancel at period end in the hosted portal; back on the account page the subscription says it will not renew.
      await page.getByRole('button', { name: 'Manage billing or cancel' }).click();
      await page.waitForURL((url) => url.href.startsWith(stack.emulatorUrl));
      await page.getByRole('button', { name: 'Cancel at period end' }).click();
      await page.getByRole('link', { name: 'Return' }).click();
      await page.waitForURL(`${stack.url}/account`);
      await expect
        .poll(async () => {
          await page.reload();
          await page.locator('.details').waitFor();
          return page.locator('.details').textContent();
        }, { timeout: 20_000 })
        .toContain('will not renew');
      await shot(page, '11-account-canceling');
      await page.close();
    });

    it('the creator logs in and sees what a subscriber’s copy earned', async () => {
      const [, flow] = await api.premiumFlows('maya_research');
      const creator = await api.logIn('maya_research', DEMO_PASSWORD);
      const earnedOnFlow = async () => {
        const { items } = await api.call<{ items: CreatorFlowStats[] }>('GET', '/v1/creators/me/flows', { token: creator });
        return items.find((item) => item.flow_id === flow!.id)!.earnings_cents;
      };
      // The demo data gives creators earlier earnings: what is under test is what this copy adds.
      const earnedBefore = await earnedOnFlow();
      const { token: subscriber } = await api.register();
      await api.subscribe(subscriber);
      const copy = await api.call<{ counted_for_payout: boolean; payout_earned: number }>('POST', `/v1/flows/${flow!.id}/copy`, { token: subscriber });
      expect(copy).toMatchObject({ counted_for_payout: true, payout_earned: 7 });
      expect(await earnedOnFlow()).toBe(earnedBefore + 7);
      const earnings = await api.call<Earnings>('GET', '/v1/creators/me/earnings', { token: creator });

      const page = await openPage(stack);
      await gotoApp(page, `${stack.url}/login?next=%2Fcreator`);
      await page.getByLabel('Email or username').fill('maya_research');
      await page.getByLabel('Password').fill(DEMO_PASSWORD);
      await shot(page, '12-log-in');
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.waitForURL(`${stack.url}/creator`);

      const row = page.getByTestId('creator-flows').locator('tr', { hasText: flow!.title });
      await expect.poll(() => row.textContent(), { timeout: 15_000 }).toContain(formatCents(earnedBefore + 7));
      await expect.poll(() => page.getByText(`Total earned ${formatCents(earnings.total_earnings_cents)}`).isVisible()).toBe(true);

      // Connect status and the payouts list come with the earnings: the page shows what that one answer says.
      const badge = { not_connected: 'Not connected', onboarding: 'Setup unfinished', enabled: 'Payouts enabled' }[earnings.connect.status];
      expect(await page.locator('.connect-status').textContent()).toContain(badge);
      const payouts = page.getByRole('region', { name: 'Payouts', exact: true });
      if (earnings.payouts.length === 0) expect(await payouts.getByText('No payouts yet').isVisible()).toBe(true);
      else expect(await payouts.locator('tbody tr').count()).toBe(earnings.payouts.length);
      await shot(page, '13-creator-dashboard');

      // Log out ends the session on the server: the token the page held stops working.
      const pageToken = await page.evaluate(() => localStorage.getItem('flowtab.token'));
      await page.getByRole('button', { name: 'Log out' }).click();
      await expect.poll(() => page.getByRole('link', { name: 'Log in' }).isVisible()).toBe(true);
      expect(await page.evaluate(() => localStorage.getItem('flowtab.token'))).toBeNull();
      await expect
        .poll(() => fetch(`${stack.url}/v1/users/me`, { headers: { authorization: `Bearer ${pageToken}` } }).then((r) => r.status), { timeout: 6_000 })
        .toBe(401);
      await page.close();
    });

    it('a member publishes a flow: each invalid field says why, the preview follows the text', async () => {
      const page = await openPage(stack, (await api.register()).token);
      await gotoApp(page, `${stack.url}/publish`);
      await page.getByLabel('Title').fill('ab');
      await page.getByLabel('Tags').fill('ok, Bad_Tag!');
      await page.getByRole('button', { name: 'Publish', exact: true }).click();
      await expect.poll(() => page.locator('.field-error').count()).toBe(4); // title, summary, flow text, tags
      expect(await page.locator('.field-error').allTextContents()).toEqual(
        expect.arrayContaining(['Use 3 to 120 characters.', expect.stringContaining('bad_tag!')]),
      );
      await shot(page, '14-publish-invalid');

      const title = `Weekly inbox zero ${Date.now()}`;
      await page.getByLabel('Title').fill(title);
      await page.getByLabel('Summary').fill('Sorts the week’s email into reply, delegate and archive.');
      await page.getByLabel('Flow text').fill('# Role\nYou are my **inbox** assistant.\n\n- Read the last 7 days\n- Draft replies');
      await page.getByLabel('Steps').fill('Open Gmail\nRun the flow');
      await page.getByLabel('Tags').fill('email, productivity');
      await page.getByRole('checkbox', { name: 'Comet' }).check();
      expect(await page.locator('.field-error').count()).toBe(0); // fixing a field clears its message
      await expect.poll(() => page.locator('.editor-preview strong').first().textContent()).toBe('inbox');
      await shot(page, '15-publish-preview');
      await page.getByRole('button', { name: 'Publish', exact: true }).click();
      await page.waitForURL(/\/flows\/weekly-inbox-zero/);
      await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe(title);
      await shot(page, '16-flow-published');

      await page.getByRole('link', { name: 'Edit' }).click();
      await page.waitForURL(/\/edit$/);
      await expect.poll(() => page.getByLabel('Title').inputValue()).toBe(title);
      await shot(page, '17-edit-flow');
      await page.close();
    });

    it('pages fit a phone and read in dark mode', async () => {
      const page = await openPage(stack);
      await page.setViewportSize({ width: 360, height: 780 });
      await page.emulateMedia({ colorScheme: 'dark' });
      const [premium] = await api.premiumFlows('maya_research');
      for (const [name, pagePath] of [
        ['18-phone-dark-library', '/'],
        ['19-phone-dark-flow', `/flows/${premium!.slug}`],
        ['20-phone-dark-pricing', '/pricing'],
        ['21-phone-dark-register', '/register'],
      ] as const) {
        await gotoApp(page, `${stack.url}${pagePath}`);
        await page.waitForLoadState('networkidle');
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        expect(overflow, `${pagePath} scrolls sideways at 360px`).toBeLessThanOrEqual(0);
        expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
        await shot(page, name);
      }
      await page.getByRole('button', { name: 'Menu' }).click();
      expect(await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Library' }).isVisible()).toBe(true);
      await shot(page, '22-phone-dark-menu');

      // The toggle overrides the system setting, and the choice survives a reload.
      await page.getByRole('button', { name: 'Switch to light theme' }).click();
      await page.reload();
      expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('light');
      await page.close();
    });
  });

  describe('with one paid copy and a fair-use limit of two per period', () => {
    let stack: Stack;
    let api: E2eApi;

    beforeAll(async () => {
      stack = await startStack({ PAID_COPIES_PER_PERIOD: '1', COPY_LIMIT_PER_PERIOD: '2' });
      api = e2eApi(stack);
    }, STACK_START_MS);

    afterAll(async () => {
      await Promise.all(context.pages().map((page) => page.close()));
      await stack?.close();
    });

    it('the Copy button says when a copy is past the paid cap and when the fair-use limit stops it', async () => {
      const { token } = await api.register();
      await api.subscribe(token);
      const [first, second, third] = await api.premiumFlows('leo_automates').catch(() => api.premiumFlows('maya_research'));
      const page = await openPage(stack, token);
      const copy = async (flow: FlowSummary) => {
        await gotoApp(page, `${stack.url}/flows/${flow.slug}`);
        await page.getByRole('button', { name: /Copy flow/ }).click();
        await expect.poll(() => page.getByTestId('copy-status').textContent()).not.toBe('');
        return page.getByTestId('copy-status').textContent();
      };

      expect(await copy(first!)).toBe('Copied · the creator earned $0.07 · 0 paid copies left');
      expect(await copy(second!)).toBe('Copied · you are past this period’s paid copies, so this one is free and earns the creator nothing');
      expect(await page.evaluate(() => navigator.clipboard.readText())).not.toBe('');
      expect(await copy(third!)).toContain('Fair-use limit reached.');
      // Paid copies used (SPEC §15): the copy past the paid one was free and does not move the counter.
      await expect.poll(() => page.getByTestId('copy-counter').textContent()).toBe('1 / 1');
      await shot(page, '23-flow-fair-use-limit');
      await page.close();
    });
  });
});
