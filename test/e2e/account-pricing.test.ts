import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PublicConfig, Subscription } from '../../src/web/api/types.js';
import { formatCents, formatDate } from '../../src/web/lib/format.js';
import { e2eApi, type E2eApi, type FlowSummary } from '../support/e2e-api.js';
import { startStack } from '../support/stack.js';
import { CHROMIUM, closeChromium, gotoApp, launchChromium } from '../support/browser.js';

/**
 * Issue 15's fixes on the account page, the pricing page and the header (SPEC §3, §15), in Chromium against the whole
 * stack with the Stripe emulator. The economics differ from the defaults on purpose: a number the web app hard-coded
 * ($0.07, 100, 70 %) would show up wrong. Screenshots land in test-results/screenshots/account-*.png and pricing-*.png.
 */
const SCREENSHOTS = path.resolve(import.meta.dirname, '../../test-results/screenshots');
const STACK_START_MS = 180_000;
const ECONOMICS = { RATE_PER_COPY_CENTS: '9', PAID_COPIES_PER_PERIOD: '40', COPY_LIMIT_PER_PERIOD: '500', CREATOR_SHARE_PERCENT: '65', HOLD_DAYS: '10', MIN_PAYOUT_CENTS: '2500' };
/** What a member must never wait for again: the ~15 s of a stale ACTIVE after the portal. */
const STALE_BEFORE_MS = 15_000;

type Stack = Awaited<ReturnType<typeof startStack>>;
type Look = { width: 1280 | 390; scheme: 'light' | 'dark' };

const LOOKS: Look[] = [
  { width: 1280, scheme: 'light' },
  { width: 1280, scheme: 'dark' },
  { width: 390, scheme: 'light' },
  { width: 390, scheme: 'dark' },
];

describe.skipIf(!existsSync(CHROMIUM))('account, pricing and the header counter (Chromium)', () => {
  let context: BrowserContext;
  let stack: Stack;
  let api: E2eApi;
  let config: PublicConfig;

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    context = await launchChromium();
    stack = await startStack(ECONOMICS);
    api = e2eApi(stack);
    config = await api.call<PublicConfig>('GET', '/v1/config/public');
  }, STACK_START_MS);

  afterAll(async () => {
    await closeChromium(context);
    await stack?.close();
  });

  /** A fresh tab, logged in when `token` is given (the app keeps its token in localStorage). */
  async function openPage(token?: string): Promise<Page> {
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(stack.url).origin });
    const page = await context.newPage();
    await gotoApp(page, stack.url);
    await page.evaluate((value) => (value ? localStorage.setItem('flowtab.token', value) : localStorage.removeItem('flowtab.token')), token ?? null);
    return page;
  }

  /** The account page is long (tokens, settings): its shots are the first screen, where the subscription is. */
  async function shoot(page: Page, name: string, look: Look) {
    await page.setViewportSize({ width: look.width, height: look.width === 390 ? 844 : 860 });
    await page.emulateMedia({ colorScheme: look.scheme });
    await expect.poll(() => page.evaluate(() => document.documentElement.dataset.theme)).toBe(look.scheme);
    // From the top: a full-page shot of a scrolled page paints the sticky header in its middle.
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: path.join(SCREENSHOTS, `${name}-${look.width}-${look.scheme}.png`), fullPage: !name.startsWith('account-') });
  }

  async function shootAll(page: Page, name: string, looks: Look[] = LOOKS) {
    for (const look of looks) await shoot(page, name, look);
    await page.setViewportSize({ width: 1280, height: 860 });
    await page.emulateMedia({ colorScheme: 'light' });
  }

  const subscriptionOf = (token: string) => api.call<Subscription>('GET', '/v1/subscriptions/me', { token });
  const counter = (page: Page) => page.getByTestId('copy-counter').textContent();
  const status = (page: Page) => page.getByTestId('subscription-status').textContent();
  const summary = (page: Page) => page.getByTestId('subscription-summary').textContent();

  async function copyInBrowser(page: Page, flow: FlowSummary) {
    await gotoApp(page, `${stack.url}/flows/${flow.slug}`);
    await page.getByRole('button', { name: /Copy flow/ }).click();
    await expect.poll(() => page.getByTestId('copy-status').textContent()).toMatch(/^Copied/);
  }

  /** From the account page into the emulator's portal, one button there, and back with its Return link. */
  async function throughPortal(page: Page, accountButton: string, portalButton: string, beforeReturn?: () => Promise<void>): Promise<number> {
    await page.getByRole('button', { name: accountButton }).click();
    await page.waitForURL((url) => url.href.startsWith(stack.emulatorUrl));
    // The portal's form posts, then shows the portal again with the change made.
    await Promise.all([page.waitForEvent('load'), page.getByRole('button', { name: portalButton }).click()]);
    await beforeReturn?.();
    const returnedAt = Date.now();
    await page.getByRole('link', { name: 'Return' }).click();
    await page.waitForURL((url) => url.href.startsWith(`${stack.url}/account`));
    return returnedAt;
  }

  it('the counter counts paid copies only: one free and two premium copies say 2 used, as the account page does', async () => {
    const { token } = await api.register('counter');
    await api.subscribe(token);
    const premium = await api.premiumFlows('maya_research');
    const free = (await api.call<{ items: FlowSummary[] }>('GET', '/v1/flows?premium=false&page_size=5')).items[0];
    expect(free, 'the demo data has a free flow').toBeDefined();

    const page = await openPage(token);
    await gotoApp(page, `${stack.url}/account`);
    await expect.poll(() => counter(page)).toBe(`0 / ${config.paid_copies_per_period}`);
    await copyInBrowser(page, free!);
    await copyInBrowser(page, premium[0]!);
    await copyInBrowser(page, premium[1]!);

    // The server's count, then the header: copies_this_month is 3, paid copies used 2.
    expect(await subscriptionOf(token)).toMatchObject({ copies_this_month: 3, paid_copies_used: 2, paid_copies_per_period: config.paid_copies_per_period });
    await expect.poll(() => counter(page)).toBe(`2 / ${config.paid_copies_per_period}`);

    await gotoApp(page, `${stack.url}/account`);
    await expect.poll(() => status(page)).toBe('Active');
    const left = config.paid_copies_per_period - 2;
    expect(await page.getByTestId('copies-this-period').textContent()).toContain(`2 used · ${left} of ${config.paid_copies_per_period} paid copies left`);
    expect(await page.getByTestId('copies-this-period').textContent()).toContain('1 more that did not count');
    expect(await page.getByTestId('copies-this-period').textContent()).toContain(`up to ${config.copy_limit_per_period} copies a period`);
    expect(await counter(page)).toBe(`2 / ${config.paid_copies_per_period}`);
    expect(await page.getByTestId('copy-counter').getAttribute('aria-label')).toContain(`${left} left`);
    await expect.poll(() => page.getByRole('link', { name: premium[1]!.title }).isVisible()).toBe(true);
    expect(await summary(page)).toContain(`renews on ${formatDate((await subscriptionOf(token)).current_period_end)}`);
    await shootAll(page, 'account-active');

    // A copy made elsewhere (an agent through the API): the page reads again when the window gets focus.
    await api.call('POST', `/v1/flows/${premium[2]!.id}/copy`, { token });
    await page.evaluate(() => window.dispatchEvent(new Event('focus')));
    await expect.poll(() => counter(page)).toBe(`3 / ${config.paid_copies_per_period}`);
    expect(await page.getByTestId('copies-this-period').textContent()).toContain(`3 used · ${left - 1} of`);
    await expect.poll(() => page.getByRole('link', { name: premium[2]!.title }).isVisible()).toBe(true);
    await page.close();
  });

  it('cancel at period end in the portal: back on the account page it says when premium ends and offers to resume', async () => {
    const { token } = await api.register('ending');
    await api.subscribe(token);
    const page = await openPage(token);
    await gotoApp(page, `${stack.url}/account`);
    await expect.poll(() => status(page)).toBe('Active');

    await throughPortal(page, 'Manage billing or cancel', 'Cancel at period end');
    // No reload: the page itself watches until the webhook has arrived.
    await expect.poll(() => status(page), { timeout: STALE_BEFORE_MS }).toBe('Ending');
    expect(new URL(page.url()).search, 'the return marker is taken off the URL').toBe('');
    const subscription = await subscriptionOf(token);
    expect(subscription).toMatchObject({ status: 'active', cancel_at_period_end: true, is_subscriber: true });
    expect(await summary(page)).toContain(`Premium ends on ${formatDate(subscription.current_period_end)} and will not renew`);
    expect(await page.getByRole('button', { name: 'Resume or manage billing' }).isVisible()).toBe(true);
    expect(await page.getByRole('button', { name: 'Manage billing or cancel' }).count()).toBe(0);
    // This period's copies still show: premium lasts to the period's end.
    expect(await page.getByTestId('copies-this-period').textContent()).toContain(`0 used · ${config.paid_copies_per_period} of`);
    expect(await page.getByRole('heading', { name: 'Copied this period' }).isVisible()).toBe(true);
    await expect.poll(() => page.getByTestId('subscription-updating').count()).toBe(0);
    await shootAll(page, 'account-ending');

    // Resume in the portal: active again, renewing.
    await throughPortal(page, 'Resume or manage billing', 'Resume subscription');
    await expect.poll(() => status(page), { timeout: STALE_BEFORE_MS }).toBe('Active');
    expect(await summary(page)).toContain(`renews on ${formatDate(subscription.current_period_end)}`);
    await page.close();
  });

  it('cancel now in the portal: back on the account page it says canceled at once, with no resume and no stale ACTIVE', async () => {
    const { token } = await api.register('cancelnow');
    await api.subscribe(token);
    const page = await openPage(token);
    await gotoApp(page, `${stack.url}/account`);
    await expect.poll(() => status(page)).toBe('Active');
    await expect.poll(() => counter(page)).toBe(`0 / ${config.paid_copies_per_period}`);

    // Stripe's webhook can land after the member is back: until the test says so, the browser's reads get the answer
    // from before the portal, as the server gives it until the webhook is in. The page must keep reading, saying
    // "Updating…", and show the change without a reload once it is there.
    const before = await subscriptionOf(token);
    let isWebhookLate = true;
    let staleAnswers = 0;
    const serveStaleFirst = async () => {
      await page.route('**/v1/subscriptions/me', async (route) => {
        if (!isWebhookLate) return route.continue();
        staleAnswers += 1;
        return route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(before) });
      });
    };
    const returnedAt = await throughPortal(page, 'Manage billing or cancel', 'Cancel now', serveStaleFirst);
    await page.getByTestId('subscription-updating').waitFor({ state: 'visible' });
    expect(await status(page)).toBe('Active');
    // Read again with pauses: the session's read on start, the page's first read, then at least one more.
    await expect.poll(() => staleAnswers).toBeGreaterThanOrEqual(3);
    await shoot(page, 'account-updating', { width: 1280, scheme: 'light' });

    // The webhook is in: the page's next read (within its longest pause, 4 s) shows it, no reload.
    await expect.poll(async () => (await subscriptionOf(token)).status).toBe('canceled');
    isWebhookLate = false;
    const releasedAt = Date.now();
    await expect.poll(() => status(page), { timeout: 6_000 }).toBe('Canceled');
    expect(Date.now() - releasedAt).toBeLessThan(6_000);
    expect(Date.now() - returnedAt, 'the page still watched when the webhook came').toBeLessThan(STALE_BEFORE_MS);
    expect(await summary(page)).toBe('Your subscription is canceled and premium has ended.');
    expect(await page.locator('.account').textContent()).not.toMatch(/\bends on\b|Resume/);
    expect(await page.getByRole('button', { name: /Resume/ }).count()).toBe(0);
    expect(await page.getByRole('link', { name: `Subscribe again for $${config.price_cents! / 100}/month` }).isVisible()).toBe(true);
    expect(await page.getByTestId('copies-this-period').count()).toBe(0);
    // The header agrees: no counter without a subscription.
    await expect.poll(() => page.getByTestId('copy-counter').count()).toBe(0);
    await expect.poll(() => page.getByTestId('subscription-updating').count()).toBe(0);
    await shootAll(page, 'account-canceled');
    await page.close();
  });

  it('the pricing page says what a subscriber gets and what creators get, with the numbers from GET /v1/config/public, and a FAQ', async () => {
    expect(config).toMatchObject({ price_cents: 1000, currency: 'usd', rate_per_copy_cents: 9, paid_copies_per_period: 40, copy_limit_per_period: 500 });
    const price = `$${config.price_cents! / 100}`;
    const page = await openPage();
    await gotoApp(page, `${stack.url}/pricing`);
    await expect.poll(() => page.getByTestId('plan-price').textContent()).toBe(`${price} / month`);

    const subscriberTerms = (await page.getByTestId('subscriber-terms').textContent()) ?? '';
    expect(subscriberTerms).toContain('Read and copy every premium flow, with no charge per copy');
    expect(subscriberTerms).toContain(`Fair use: up to ${config.copy_limit_per_period} copies each billing period`);

    const creatorTerms = (await page.getByTestId('creator-terms').textContent()) ?? '';
    expect(creatorTerms).toContain(`${formatCents(config.rate_per_copy_cents)} for each counted copy`);
    expect(creatorTerms).toContain(`Up to ${config.paid_copies_per_period} counted copies per subscriber per period`);
    expect(creatorTerms).toContain(`${config.creator_share_percent}% of what that subscriber paid`);
    expect(creatorTerms).toContain(`held for ${config.hold_days} days`);
    expect(creatorTerms).toContain(`at least ${formatCents(config.min_payout_cents)}`);

    // None of the default numbers, which would mean a hard-coded one.
    const text = (await page.locator('main').textContent()) ?? '';
    expect(text).not.toMatch(/\$0\.07|\b100 (paid )?copies|\b70 ?%|\b14 days|\$10\.00/);

    const faq = page.getByTestId('pricing-faq').locator('details');
    expect(await faq.count()).toBeGreaterThanOrEqual(5);
    expect(await faq.count()).toBeLessThanOrEqual(7);
    expect(await faq.first().getAttribute('open')).toBeNull();
    await page.getByText('Do I pay for each copy?').click();
    expect(await faq.first().getAttribute('open')).not.toBeNull();
    expect(await faq.first().locator('p').textContent()).toContain(`No. You pay ${price}/month`);
    await page.getByText('How and when are creators paid?').click();
    expect(await page.getByTestId('pricing-faq').textContent()).toContain(`held ${config.hold_days} days`);
    expect(await page.getByRole('link', { name: 'Sign up to subscribe' }).isVisible()).toBe(true);
    await shootAll(page, 'pricing-guest');

    // A member sees the price on the button.
    const { token } = await api.register('pricing');
    const member = await openPage(token);
    await gotoApp(member, `${stack.url}/pricing`);
    await expect.poll(() => member.getByRole('button', { name: `Subscribe for ${price}/month` }).isVisible()).toBe(true);
    await shoot(member, 'pricing-member', { width: 1280, scheme: 'light' });
    await member.close();
    await page.close();
  });
});
