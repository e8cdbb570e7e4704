import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreatorAnalytics, Earnings, Subscription } from '../../src/web/api/types.js';
import { formatCents, formatCount } from '../../src/web/lib/format.js';
import { e2eApi, type E2eApi, type FlowSummary } from '../support/e2e-api.js';
import { startStack, type Stack } from '../support/stack.js';
import { CHROMIUM, closeChromium, gotoApp, launchChromium } from '../support/browser.js';

/**
 * SPEC §15's creator dashboard in the browser, as the demo creator maya_research meets it after a new subscriber
 * copied one of her premium flows today: the date range (chart and cards from one answer, kept in the URL), the
 * per-flow trend, the monthly statement download, Withdraw behind a confirmation (and the "Back from Stripe" banner
 * gone after it), Apply disabled with its reason; at 1280 and 390 px, light and dark. Screenshots land in
 * test-results/screenshots/creator-*.png.
 */
const SCREENSHOTS = path.resolve(import.meta.dirname, '../../test-results/screenshots');
const STACK_START_MS = 180_000;
const CREATOR = 'maya_research';

const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SCREENSHOTS, `creator-${name}.png`), fullPage: true });
const today = () => new Date().toISOString().slice(0, 10);
const daysBefore = (day: string, n: number) => new Date(Date.parse(`${day}T00:00:00Z`) - n * 86_400_000).toISOString().slice(0, 10);

describe.skipIf(!existsSync(CHROMIUM))('the creator dashboard (Chromium)', () => {
  let context: BrowserContext;
  let stack: Stack;
  let api: E2eApi;
  let creatorToken: string;
  let copiedFlow: FlowSummary;
  let subscriberToken: string;

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    context = await launchChromium({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    // The demo creator has a couple of dollars available: a minimum of $1 lets her withdraw them.
    stack = await startStack({ MIN_PAYOUT_CENTS: '100' });
    api = e2eApi(stack);
    creatorToken = await api.logIn(CREATOR);
  }, STACK_START_MS);

  afterAll(async () => {
    await closeChromium(context);
    await stack?.close();
  });

  let prepared: Promise<void> | undefined;
  /**
   * Once, from the first test that needs it (expect.poll works only inside a test): a new subscriber copies one of
   * her premium flows today, and her payouts are enabled.
   */
  const prepare = () => (prepared ??= prepareCreator());
  async function prepareCreator() {
    // Today: a new subscriber copies one of her premium flows (a paid copy, counted today in UTC).
    copiedFlow = (await api.premiumFlows(CREATOR))[0]!;
    const subscriber = await api.register('e2e_reader');
    subscriberToken = subscriber.token;
    await api.subscribe(subscriberToken);
    const copy = await api.call<{ counted_for_payout: boolean }>('POST', `/v1/flows/${copiedFlow.id}/copy`, { token: subscriberToken });
    expect(copy.counted_for_payout).toBe(true);

    // Payouts enabled: Connect onboarding completed on the emulator, then Stripe's account.updated reaches the app.
    const link = await api.call<{ account_id: string }>('POST', '/v1/creators/me/connect', { token: creatorToken });
    const onboarded = await fetch(`${stack.emulatorUrl}/_emulator/accounts/${link.account_id}/onboard`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: '',
    });
    expect(onboarded.status).toBeLessThan(400);
    await expect.poll(async () => (await earnings()).connect.status, { timeout: 30_000 }).toBe('enabled');
  }

  const earnings = () => api.call<Earnings>('GET', '/v1/creators/me/earnings', { token: creatorToken });
  const analytics = (from: string, to: string) => api.call<CreatorAnalytics>('GET', `/v1/creators/me/analytics?from=${from}&to=${to}`, { token: creatorToken });

  /** A fresh tab, logged in as `token` (the app keeps its token in localStorage), on `pagePath`. */
  async function openPage(pagePath: string, token?: string, { width = 1280, dark = false } = {}): Promise<Page> {
    await prepare();
    const page = await context.newPage();
    await page.setViewportSize({ width, height: width < 600 ? 844 : 900 });
    await page.emulateMedia({ colorScheme: dark ? 'dark' : 'light' });
    await gotoApp(page, stack.url);
    await page.evaluate((value) => localStorage.setItem('flowtab.token', value), token ?? creatorToken);
    await gotoApp(page, `${stack.url}${pagePath}`);
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Creator dashboard');
    return page;
  }

  /** The range the page shows: its days, the cards, and what the chart's table adds up to (net cents). */
  async function shownRange(page: Page) {
    const panel = page.getByTestId('analytics');
    await panel.waitFor();
    const cents = await page.getByTestId('earnings-chart-table').locator('td[data-cents]').evaluateAll((cells) => cells.map((cell) => Number(cell.getAttribute('data-cents'))));
    return {
      from: await panel.getAttribute('data-from'),
      to: await panel.getAttribute('data-to'),
      rows: await page.getByTestId('earnings-chart-table').locator('tbody tr').count(),
      chartEarnedCents: cents.reduce((sum, value) => sum + value, 0),
      earnedCard: await page.getByTestId('total-earned').textContent(),
      copiesCard: await page.getByTestId('total-copies').textContent(),
      countedCard: await page.getByTestId('total-counted').textContent(),
    };
  }

  /** The page shows `from`…`to` with the API's figures for it, in the cards and in the chart alike. */
  async function expectRange(page: Page, from: string, to: string, days: number) {
    const expected = await analytics(from, to);
    await expect.poll(async () => (await shownRange(page)).from).toBe(from);
    const shown = await shownRange(page);
    expect(shown).toEqual({
      from,
      to,
      rows: days,
      chartEarnedCents: expected.totals.earned_cents,
      earnedCard: formatCents(expected.totals.earned_cents),
      copiesCard: formatCount(expected.totals.copies),
      countedCard: formatCount(expected.totals.counted_copies),
    });
    // uPlot drew it (a canvas), after the data arrived.
    await expect.poll(() => page.locator('[data-testid="earnings-chart"] canvas').count()).toBeGreaterThan(0);
    return expected;
  }

  it('the date range: presets and custom days change the chart and the cards together, and the URL keeps them', async () => {
    const page = await openPage('/creator');
    const last30 = await expectRange(page, daysBefore(today(), 29), today(), 30);
    expect(last30.totals.counted_copies).toBeGreaterThan(0); // today's paid copy at least
    expect(await page.getByTestId('analytics-basis').textContent()).toContain('Net of refunds and disputes');

    // Today's copy shows in its flow's row: in the range, with a trend against the 30 days before.
    const row = page.getByTestId('creator-flows').locator(`tr[data-flow-id="${copiedFlow.id}"]`);
    await expect.poll(() => row.getByTestId('range-copies').textContent()).not.toBe('…');
    expect(Number(await row.getByTestId('range-copies').textContent())).toBeGreaterThanOrEqual(1);
    expect(await row.getByTestId('flow-trend').textContent()).toMatch(/▲|▼|no change/);
    await shot(page, '1280-light');

    await page.getByRole('button', { name: '90 days' }).click();
    await expect.poll(() => new URL(page.url()).searchParams.get('days')).toBe('90');
    const last90 = await expectRange(page, daysBefore(today(), 89), today(), 90);
    expect(await page.getByRole('button', { name: '90 days' }).getAttribute('aria-pressed')).toBe('true');
    expect(last90.totals.copies).toBeGreaterThanOrEqual(last30.totals.copies);

    await page.getByRole('button', { name: '7 days' }).click();
    await expect.poll(() => new URL(page.url()).searchParams.get('days')).toBe('7');
    await expectRange(page, daysBefore(today(), 6), today(), 7);

    // A custom range before today: today's copy is not in it.
    const [from, to] = [daysBefore(today(), 40), daysBefore(today(), 1)];
    await page.getByLabel('From', { exact: true }).fill(from);
    await page.getByLabel('To', { exact: true }).fill(to);
    await page.getByRole('button', { name: 'Show' }).click();
    await expect.poll(() => new URL(page.url()).search).toBe(`?from=${from}&to=${to}`);
    const custom = await expectRange(page, from, to, 40);
    expect(custom.days.some((day) => day.date === today())).toBe(false);

    // The URL is the state: a reload shows the same days.
    await page.reload();
    await expectRange(page, from, to, 40);
    expect(await page.getByLabel('From', { exact: true }).inputValue()).toBe(from);

    // A range the wrong way round is refused in the form, and the page keeps the one it had.
    await page.getByLabel('From', { exact: true }).fill(to);
    await page.getByLabel('To', { exact: true }).fill(from);
    await page.getByRole('button', { name: 'Show' }).click();
    expect(await page.getByRole('alert').textContent()).toBe('The first day must not be after the last.');
    expect(new URL(page.url()).search).toBe(`?from=${from}&to=${to}`);
    await page.close();
  }, 180_000);

  it('downloads this month’s statement as CSV, with the copied flow’s row and the total', async () => {
    const page = await openPage('/creator');
    const month = today().slice(0, 7);
    const statement = page.getByRole('region', { name: 'Monthly statement' });
    await statement.getByLabel('Month').selectOption(month);
    const [download] = await Promise.all([page.waitForEvent('download'), statement.getByRole('button', { name: 'Download statement (CSV)' }).click()]);
    expect(download.suggestedFilename()).toBe(`flowtab-statement-${month}.csv`);
    const csv = readFileSync(await download.path(), 'utf8');
    const lines = csv.split('\r\n');
    expect(lines[0]).toBe('flow_slug,flow_title,copies,counted_copies,gross_cents,reversals_cents,net_cents');
    const flowLine = lines.find((line) => line.startsWith(`${copiedFlow.slug},`));
    expect(flowLine, csv).toBeDefined();
    expect(Number(flowLine!.split(',').at(-4))).toBeGreaterThanOrEqual(1); // counted copies this month
    // The TOTAL row is the month in the analytics.
    const monthTotals = (await analytics(`${month}-01`, today())).totals;
    expect(lines.find((line) => line.startsWith('TOTAL,'))).toBe(
      `TOTAL,,${monthTotals.copies},${monthTotals.counted_copies},${monthTotals.gross_cents},${monthTotals.gross_cents - monthTotals.earned_cents},${monthTotals.earned_cents}`,
    );
    expect(lines).toContain('payout_date,amount_cents,status,stripe_transfer_id');
    await page.close();
  });

  it('Apply to my subscription is disabled with its reason: no subscription, or nothing available', async () => {
    const page = await openPage('/creator');
    const apply = page.getByRole('button', { name: 'Apply to my subscription' });
    await expect.poll(() => page.getByTestId('apply-note').textContent()).toContain('You have no Flowtab subscription');
    expect(await apply.isDisabled()).toBe(true);
    expect(await apply.getAttribute('aria-describedby')).toBe('apply-note');
    await page.close();

    // A subscriber with no earnings: subscribed, but nothing available.
    expect((await api.call<Subscription>('GET', '/v1/subscriptions/me', { token: subscriberToken })).is_subscriber).toBe(true);
    const reader = await openPage('/creator', subscriberToken);
    await expect.poll(() => reader.getByTestId('apply-note').textContent()).toContain('Nothing available to apply yet');
    expect(await reader.getByRole('button', { name: 'Apply to my subscription' }).isDisabled()).toBe(true);
    expect(await reader.getByTestId('withdraw-note').textContent()).toBe('Connect a Stripe account to withdraw.');
    await reader.close();
  });

  it('Withdraw asks first: Cancel does nothing, Confirm pays, and the "Back from Stripe" banner goes', async () => {
    await prepare();
    const before = await earnings();
    expect(before.can_withdraw, JSON.stringify(before)).toBe(true);
    const amount = formatCents(before.available_cents);
    const page = await openPage('/creator?connect=return&days=7');
    expect(await page.getByTestId('connect-return-notice').isVisible()).toBe(true);

    const withdraw = page.getByRole('button', { name: `Withdraw ${amount}` });
    await withdraw.click();
    const dialog = page.getByRole('dialog', { name: `Withdraw ${amount}?` });
    await expect.poll(() => dialog.isVisible()).toBe(true);
    expect(before.connect.account_id).toMatch(/^acct_/);
    expect(await dialog.textContent()).toContain(`${amount} goes to your Stripe account ${before.connect.account_id ?? ''} now`);
    await shot(page, '1280-withdraw-dialog');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => dialog.isVisible()).toBe(false);
    expect(await earnings()).toMatchObject({ available_cents: before.available_cents, payouts: before.payouts });

    // Escape cancels as well.
    await withdraw.click();
    await expect.poll(() => dialog.isVisible()).toBe(true);
    await page.keyboard.press('Escape');
    await expect.poll(() => dialog.isVisible()).toBe(false);
    expect((await earnings()).payouts).toHaveLength(before.payouts.length);

    await withdraw.click();
    await dialog.getByRole('button', { name: `Withdraw ${amount}` }).click();
    await expect.poll(() => page.getByRole('status').textContent(), { timeout: 20_000 }).toContain(`Withdrawal of ${amount} sent to your Stripe account.`);
    // The message is set by the dialog's action, which the dialog awaits before it closes: a render may come between.
    await expect.poll(() => dialog.isVisible()).toBe(false);
    const after = await earnings();
    expect(after.payouts).toHaveLength(before.payouts.length + 1);
    const payout = after.payouts[0]!;
    expect(payout).toMatchObject({ kind: 'withdrawal', status: 'paid', amount_cents: before.available_cents, stripe_transfer_id: expect.stringMatching(/^tr_/) });

    // The banner is gone, the range stays; the payout shows its transfer id; the button says why not again today.
    await expect.poll(() => page.getByTestId('connect-return-notice').count()).toBe(0);
    expect(new URL(page.url()).search).toBe('?days=7');
    const payouts = page.getByRole('region', { name: 'Payouts', exact: true });
    await expect.poll(() => payouts.getByTestId('transfer-id').first().textContent()).toBe(payout.stripe_transfer_id);
    expect(await payouts.getByTestId('transfer-id').first().evaluate((element) => getComputedStyle(element).fontFamily)).toMatch(/mono/i);
    expect(await payouts.locator('tbody tr').first().textContent()).toContain('paid');
    expect(await page.getByRole('button', { name: /^Withdraw/ }).isDisabled()).toBe(true);
    expect(await page.getByTestId('withdraw-note').textContent()).toMatch(/Withdrawals start at|One withdrawal a day/);
    await shot(page, '1280-after-withdrawal');
    await page.close();
  });

  for (const { width, dark } of [
    { width: 1280, dark: true },
    { width: 390, dark: false },
    { width: 390, dark: true },
  ]) {
    const name = `${width}-${dark ? 'dark' : 'light'}`;
    it(`fits ${width} px in ${dark ? 'dark' : 'light'}: ${width <= 600 ? 'flows as cards, nothing scrolls sideways' : 'the flows table'}; the chart takes the theme`, async () => {
      const page = await openPage('/creator', undefined, { width, dark });
      await page.getByTestId('analytics').waitFor();
      await expect.poll(() => page.locator('[data-testid="earnings-chart"] canvas').count()).toBeGreaterThan(0);
      await expect.poll(() => page.getByTestId('creator-flows').locator(`tr[data-flow-id="${copiedFlow.id}"] [data-testid="range-copies"]`).textContent()).not.toBe('…');
      await page.waitForLoadState('networkidle');
      await shot(page, name);

      const isNarrow = width <= 600;
      expect(await page.getByTestId('creator-flow-cards').isVisible()).toBe(isNarrow);
      expect(await page.getByTestId('creator-flows').isVisible()).toBe(!isNarrow);
      // What sticks out, if anything, is named in the failure message.
      const overflow = await page.evaluate(() => ({
        pixels: document.documentElement.scrollWidth - window.innerWidth,
        wide: [...document.querySelectorAll('body *')]
          .filter((element) => element.getBoundingClientRect().right > window.innerWidth + 0.5)
          .slice(0, 5)
          .map((element) => `${element.tagName.toLowerCase()}.${[...element.classList].join('.')}`),
      }));
      expect(overflow.pixels, `the dashboard scrolls sideways at ${width} px: ${overflow.wide.join(', ')}`).toBeLessThanOrEqual(0);
      if (isNarrow) {
        // A payout row is a card too: its cells stack instead of sitting in table columns.
        expect(await page.locator('.payout-table tr').first().evaluate((row) => getComputedStyle(row).display)).toBe('grid');
      }

      // The chart's colours come from the theme: the copies line is the accent colour of this scheme.
      const accent = await page.evaluate(() => {
        const probe = document.createElement('span');
        probe.style.color = 'var(--accent)';
        document.body.append(probe);
        const color = getComputedStyle(probe).color;
        probe.remove();
        return color;
      });
      expect(accent).toBe(dark ? 'rgb(139, 132, 255)' : 'rgb(79, 70, 229)');
      const marker = page.locator('[data-testid="earnings-chart"] .u-legend .u-series', { hasText: 'Copies' }).locator('.u-marker');
      await expect.poll(() => marker.evaluate((element) => getComputedStyle(element).borderColor)).toBe(accent);
      await page.close();
    }, 120_000);
  }
});
