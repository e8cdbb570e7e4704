import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Earnings } from '../../src/web/api/types.js';
import { DEMO_PASSWORD, e2eApi, type E2eApi, type FlowSummary } from '../support/e2e-api.js';
import { startStack } from '../support/stack.js';
import { CHROMIUM, closeChromium, gotoApp, launchChromium } from '../support/browser.js';

/**
 * The operator console end to end (issue 14): a real server with the Stripe emulator on a fresh database with the
 * demo data, driven by Debian's Chromium as the demo admin. Screenshots land in test-results/screenshots/admin-*.png.
 */
const SCREENSHOTS = path.resolve(import.meta.dirname, '../../test-results/screenshots');
const STACK_START_MS = 240_000; // migrations, demo data and the web build, on a busy two-core CI machine

type Stack = Awaited<ReturnType<typeof startStack>>;

/** The subjects of the mails to `to` listed at /dev/mail (the development outbox), newest first. */
async function devMailSubjects(baseUrl: string, to: string): Promise<string[]> {
  const list = await (await fetch(`${baseUrl}/dev/mail`)).text();
  const escaped = to.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
  return list
    .split('<tr>')
    .filter((row) => row.includes(`>${escaped}<`))
    .map((row) => /href="\/dev\/mail\/[0-9a-f-]{36}">([^<]*)</.exec(row)?.[1] ?? '')
    .map((subject) => subject.replaceAll('&amp;', '&').replaceAll('&quot;', '"').replaceAll('&#39;', "'").replaceAll('&lt;', '<').replaceAll('&gt;', '>'));
}

const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SCREENSHOTS, `admin-${name}.png`), fullPage: true });
/** A dialog over the page: what the viewport shows (a full-page capture would draw the sticky header mid-page). */
const shotDialog = (page: Page, name: string) => page.screenshot({ path: path.join(SCREENSHOTS, `admin-${name}.png`) });

describe.skipIf(!existsSync(CHROMIUM))('operator console (Chromium)', () => {
  let context: BrowserContext;
  let stack: Stack;
  let api: E2eApi;

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    context = await launchChromium();
    stack = await startStack();
    api = e2eApi(stack);
  }, STACK_START_MS);

  afterAll(async () => {
    await closeChromium(context);
    await stack?.close();
  });

  /** A fresh tab on the stack, logged in when `token` is given (the app keeps its token in localStorage). */
  async function openPage(token?: string): Promise<Page> {
    const page = await context.newPage();
    await gotoApp(page, stack.url);
    await page.evaluate((value) => (value ? localStorage.setItem('flowtab.token', value) : localStorage.removeItem('flowtab.token')), token ?? null);
    return page;
  }

  /** The demo admin logs in through the log-in page (the login `npm start` prints), landing on `next`. */
  async function logInAsAdmin(next: string): Promise<Page> {
    const page = await openPage();
    await gotoApp(page, `${stack.url}/login?next=${encodeURIComponent(next)}`);
    await page.getByLabel('Email or username').fill('demo_admin');
    await page.getByLabel('Password').fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(`${stack.url}${next}`);
    return page;
  }

  const dialog = (page: Page) => page.getByRole('dialog');

  it('an admin finds a member, refunds half an invoice, the creator’s balance falls, and the audit log says who and why', async () => {
    // Set-up: a member subscribes and copies a creator's premium flow (the creator earns from that period).
    const member = await api.register('refunded');
    await api.subscribe(member.token);
    const [flow] = await api.premiumFlows('sam_shops');
    const copy = await api.call<{ counted_for_payout: boolean; payout_earned: number }>('POST', `/v1/flows/${flow!.id}/copy`, { token: member.token });
    expect(copy).toMatchObject({ counted_for_payout: true, payout_earned: 7 });
    const creator = await api.logIn('sam_shops');
    const totalEarned = async () => (await api.call<Earnings>('GET', '/v1/creators/me/earnings', { token: creator })).total_earnings_cents;
    const earnedBefore = await totalEarned();

    const page = await logInAsAdmin('/admin/users');
    await expect.poll(() => page.getByRole('heading', { level: 1, name: 'Users' }).isVisible()).toBe(true);
    await page.getByLabel('Search users').fill(member.username);
    await page.getByRole('search', { name: 'Find users' }).getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(/q=refunded_/);
    const link = page.getByRole('link', { name: member.username, exact: true });
    await expect.poll(() => link.isVisible()).toBe(true);
    expect(await page.getByRole('table', { name: 'Users' }).locator('tbody tr').count()).toBe(1);
    await shot(page, 'users-search');

    await link.click();
    await expect.poll(() => page.getByRole('heading', { level: 1, name: member.username }).isVisible()).toBe(true);
    const invoices = page.getByRole('table', { name: 'Invoices' });
    await expect.poll(() => invoices.locator('tbody tr').count()).toBe(1);
    expect(await invoices.locator('tbody tr').first().textContent()).toContain('$10.00');
    await shot(page, 'user-detail');

    await invoices.getByRole('button', { name: 'Refund…' }).click();
    const refund = dialog(page);
    await expect.poll(() => refund.isVisible()).toBe(true);
    expect(await refund.getByLabel('Amount (USD)').inputValue()).toBe('10.00');
    // No reason: the dialog says why and sends nothing.
    await refund.getByRole('button', { name: 'Confirm refund' }).click();
    await expect.poll(() => refund.getByText('Give a reason: it is kept in the audit log.').isVisible()).toBe(true);
    const reason = `Refund half: charged twice for the same week (${member.username})`;
    await refund.getByLabel('Amount (USD)').fill('5.00');
    await refund.getByLabel('Reason').fill(reason);
    await shotDialog(page, 'refund-dialog');
    await refund.getByRole('button', { name: 'Confirm refund' }).click();
    await expect.poll(() => page.getByText(/Refund of \$5\.00 requested/).isVisible(), { timeout: 20_000 }).toBe(true);
    // The message is set by the dialog's action, which the dialog awaits before it closes: a render may come between.
    await expect.poll(() => refund.isVisible()).toBe(false);

    // The ledger reverses through Stripe's charge.refunded webhook: half the period's money, so the copy's 7 ¢ become 3 ¢.
    await expect.poll(totalEarned, { timeout: 30_000 }).toBe(earnedBefore - 4);
    await expect
      .poll(async () => {
        await page.reload();
        await invoices.locator('tbody tr').first().waitFor();
        return invoices.locator('tbody tr').first().textContent();
      }, { timeout: 20_000 })
      .toMatch(/\$10\.00.*\$5\.00/);
    await shot(page, 'user-detail-refunded');

    await page.getByRole('navigation', { name: 'Console sections' }).getByRole('link', { name: 'Audit' }).click();
    await page.waitForURL(`${stack.url}/admin/audit`);
    const entry = page.getByRole('table', { name: 'Audit entries, newest first' }).locator('tbody tr', { hasText: reason });
    await expect.poll(() => entry.count()).toBe(1);
    const text = await entry.textContent();
    expect(text).toContain('demo_admin');
    expect(text).toContain('refund.created');
    await shot(page, 'audit');

    await page.getByRole('navigation', { name: 'Console sections' }).getByRole('link', { name: 'Refunds' }).click();
    await page.waitForURL(`${stack.url}/admin/refunds`);
    await expect.poll(() => page.locator('tbody tr', { hasText: reason }).count()).toBe(1);
    await shot(page, 'refunds');
    await page.close();
  });

  it('a member reports a flow, the admin takes it down from “Reports & flows”, and its author is mailed', async () => {
    // Set-up: an author publishes a flow; another member will report it.
    const author = await api.register('author');
    const title = `Scrape every inbox ${Date.now().toString(36)}`;
    const flow = await api.call<FlowSummary>('POST', '/v1/flows', {
      token: author.token,
      body: { title, summary: 'Reads other people’s mail.', body: '# Role\nYou read every inbox you can open.', is_premium: false, tags: ['email'] },
    });
    const reporter = await api.register('reporter');

    const page = await openPage(reporter.token);
    await gotoApp(page, `${stack.url}/flows/${flow.slug}`);
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe(title);
    await page.getByRole('button', { name: 'Report this flow' }).click();
    const report = dialog(page);
    await expect.poll(() => report.isVisible()).toBe(true);
    await report.getByLabel('What is wrong?').selectOption({ label: 'Harmful, abusive or illegal' });
    await report.getByLabel(/^Details/).fill('It tells the agent to read mailboxes that are not mine.');
    await shotDialog(page, 'report-dialog');
    await report.getByRole('button', { name: 'Submit report' }).click();
    await expect.poll(() => report.getByText('Thanks for the report').isVisible()).toBe(true);
    await page.close();

    const admin = await logInAsAdmin('/admin/moderation');
    await expect.poll(() => admin.getByRole('heading', { level: 1, name: 'Reports & flows' }).isVisible()).toBe(true);
    const reportRow = admin.getByRole('table', { name: 'Reports (open)' }).locator('tbody tr', { hasText: title });
    await expect.poll(() => reportRow.count()).toBe(1);
    expect(await reportRow.textContent()).toContain('harmful');
    await shot(admin, 'moderation');

    await admin.getByLabel('Search flows').fill(title);
    await admin.getByRole('search', { name: 'Filter flows' }).getByRole('button').first().click();
    const flowRow = admin.getByRole('table', { name: 'Flows' }).locator('tbody tr', { hasText: title });
    await expect.poll(() => flowRow.count()).toBe(1);
    await flowRow.getByRole('button', { name: 'Take down…' }).click();
    const takeDown = dialog(admin);
    await expect.poll(() => takeDown.isVisible()).toBe(true);
    await takeDown.getByLabel('Reason').fill('Instructs agents to read other people’s mail (reported as harmful).');
    await shotDialog(admin, 'take-down-dialog');
    await takeDown.getByRole('button', { name: 'Confirm take down' }).click();
    await expect.poll(() => flowRow.textContent(), { timeout: 15_000 }).toContain('taken down');
    await shot(admin, 'moderation-taken-down');

    // The author is mailed; the report is resolved with the take-down; guests no longer find the flow.
    await expect.poll(() => devMailSubjects(stack.url, author.email), { timeout: 20_000 }).toContain(`Your flow “${title}” was taken down`);
    const adminToken = await api.logIn('demo_admin');
    const resolved = await api.call<{ items: { flow: { id: string }; status: string; action: string }[] }>('GET', '/v1/admin/reports?status=resolved', {
      token: adminToken,
    });
    expect(resolved.items.find((item) => item.flow.id === flow.id)).toMatchObject({ status: 'resolved', action: 'unpublish' });
    expect((await fetch(`${stack.url}/v1/flows/${flow.slug}`)).status).toBe(404);
    await admin.close();
  });

  // Every section at two widths and in two themes: a long walk, given three minutes.
  it('every console page shows the demo history, fits a 390 px phone and reads in light and dark', async () => {
    const page = await logInAsAdmin('/admin');
    const sections = [
      ['overview', '/admin'],
      ['users', '/admin/users'],
      ['moderation', '/admin/moderation'],
      ['refunds', '/admin/refunds'],
      ['payouts', '/admin/payouts'],
      ['webhooks', '/admin/webhooks'],
      ['audit', '/admin/audit'],
    ] as const;
    for (const [width, height] of [
      [1280, 860],
      [390, 844],
    ] as const) {
      await page.setViewportSize({ width, height });
      for (const scheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme: scheme });
        for (const [name, sectionPath] of sections) {
          await gotoApp(page, `${stack.url}${sectionPath}`);
          await page.waitForLoadState('networkidle');
          await expect.poll(() => page.getByRole('heading', { level: 1 }).first().isVisible()).toBe(true);
          expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe(scheme);
          const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
          expect.soft(overflow, `${sectionPath} scrolls sideways at ${width}px`).toBeLessThanOrEqual(0);
          await shot(page, `${name}-${width}-${scheme}`);
        }
      }
    }
    // What the demo data gives each page (SPEC §14): the seed's reports, payouts and audit entries.
    await page.setViewportSize({ width: 1280, height: 860 });
    await gotoApp(page, `${stack.url}/admin/moderation`);
    await expect.poll(() => page.getByRole('table', { name: 'Reports (open)' }).locator('tbody tr').count()).toBeGreaterThanOrEqual(4);
    await gotoApp(page, `${stack.url}/admin/payouts`);
    await expect.poll(() => page.locator('tbody tr', { hasText: 'account_closed' }).count()).toBeGreaterThanOrEqual(1);
    await gotoApp(page, `${stack.url}/admin/refunds`);
    await expect.poll(() => page.locator('tbody tr', { hasText: 'demo_reader' }).count()).toBeGreaterThanOrEqual(1);
    await gotoApp(page, `${stack.url}/admin/audit`);
    for (const action of ['user.suspended', 'flow.featured', 'report.resolved', 'refund.created']) {
      await expect.poll(() => page.locator('tbody tr', { hasText: action }).count(), { message: action }).toBeGreaterThanOrEqual(1);
    }
    // The finance chart has months to draw: collections in at least five, payouts paid in at least two.
    const csv = await fetch(`${stack.url}/v1/admin/finance/months.csv`, { headers: { authorization: `Bearer ${await api.logIn('demo_admin')}` } });
    expect(csv.status).toBe(200);
    const [header, ...rows] = (await csv.text()).trim().split(/\r?\n/).map((line) => line.split(','));
    const column = (name: string) => header!.indexOf(name);
    expect(rows.filter((row) => Number(row[column('collected_cents')]) > 0).length).toBeGreaterThanOrEqual(5);
    expect(rows.filter((row) => Number(row[column('payouts_paid_cents')]) > 0).length).toBeGreaterThanOrEqual(2);
    await page.close();
  }, 180_000);

  it('members get “Admins only” at /admin', async () => {
    const page = await openPage(await api.logIn('demo_subscriber'));
    await gotoApp(page, `${stack.url}/admin`);
    await expect.poll(() => page.getByRole('heading', { level: 1, name: 'Admins only' }).isVisible()).toBe(true);
    await page.close();
  });
});
