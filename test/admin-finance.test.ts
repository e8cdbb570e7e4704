import { and, eq, gte, lt, sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { billingPeriods, chargeDisputes, chargeRefunds, invoices, ledgerEntries, subscriptions } from '../src/server/db/schema.js';
import { toCsv } from '../src/server/csv.js';
import { runPayouts } from '../src/server/modules/payouts/runs.js';
import { createAdmin, createMember, flushWebhooks, type Member, subscribeThroughCheckout } from './factories.js';
import { createTestApp, type TestApp } from './support/app.js';
import { connectCreator, createCreator, pastTheHold, PAYOUT_ENV, releaseHeld } from './support/payouts.js';
import { expectReconciled } from './support/reconcile.js';

// SPEC §14, the console's finance figures, checked to the cent against a month built by hand. The economics are the
// payout tests' (PAYOUT_ENV): Premium is 1,000 ¢, creators share 70 % of what a period collected, a copy earns 100 ¢,
// the hold is 14 days. Every expected figure below is worked out from those numbers, not through the app's code.
let t: TestApp;
let admin: Member;
let member: Member;
beforeAll(async () => {
  t = await createTestApp(PAYOUT_ENV, { stripe: true });
  admin = await createAdmin(t);
  member = await createMember(t);
});
afterAll(() => t?.close());
afterEach(() => expectReconciled(t));

const get = (url: string, token?: string) => t.request({ method: 'GET', url, token });
const customerOf = async (email: string) => (await t.ctx.stripe.raw.customers.list({ email })).data[0]!;
const chargeOf = async (email: string) => (await t.ctx.stripe.raw.charges.list({ customer: (await customerOf(email)).id })).data[0]!;

async function copyFlows(subscriber: Member, flows: { slug: string }[]) {
  for (const flow of flows) {
    const response = await t.request({ method: 'POST', url: `/v1/flows/${flow.slug}/copy`, token: subscriber.token });
    expect(response.body.payout_earned).toBe(100);
  }
}

/** Checkout with a goodwill credit on the customer before the first invoice: the invoice totals 1,000 ¢, 300 ¢ of it credit. */
async function subscribeWithGoodwill(subscriber: Member, creditCents: number) {
  const checkout = await t.request({ method: 'POST', url: '/v1/subscriptions/checkout', token: subscriber.token });
  expect(checkout.status).toBe(200);
  await t.ctx.stripe.raw.customers.createBalanceTransaction((await customerOf(subscriber.email)).id, { amount: -creditCents, currency: 'usd', description: 'Goodwill' });
  await t.emulator(`/_emulator/checkout/sessions/${checkout.body.session_id}/pay`, { card: '4242424242424242' });
  await flushWebhooks(t);
}

/** RFC 4180 as the endpoints write it (CRLF lines, quoted fields with doubled quotes): rows of cells. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let isQuoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (isQuoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') isQuoted = false;
      else cell += c;
    } else if (c === '"') isQuoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += c;
  }
  expect(cell, 'the document ends with CRLF').toBe('');
  return rows;
}

function records(text: string): Record<string, string>[] {
  const [header, ...rows] = parseCsv(text);
  return rows.map((row) => {
    expect(row).toHaveLength(header!.length);
    return Object.fromEntries(header!.map((name, i) => [name, row[i]!]));
  });
}

describe('GET /v1/admin/finance/summary, months.csv and ledger.csv', () => {
  it('a month built by hand: every figure to the cent, the CSVs agree with the summary and the ledger', async () => {
    const month = new Date().toISOString().slice(0, 7);
    const emptyMonth = await get(`/v1/admin/finance/summary?month=${month}`, admin.token);
    expect(emptyMonth.status).toBe(200);
    expect(emptyMonth.body).toMatchObject({ month, active_subscribers: 0, collected_cents: 0, pool_utilization: 0, reconcile: { ok: null, checked_at: null, failures: 0 } });

    // Creator C (connected, paid out) and creator D (not connected: the money stays available).
    const c = await createCreator(t, 7);
    await connectCreator(t, c);
    const d = await createCreator(t, 2);

    // A: 1,000 ¢ paid, copies 6 of C's flows → C earns 600 ¢ (pool 700).
    const a = await createMember(t);
    await subscribeThroughCheckout(t, a);
    await copyFlows(a, c.flows.slice(0, 6));
    // B: 1,000 ¢ paid, 4 copies of C's (400 ¢), then 500 ¢ refunded: pool 70 % of 500 = 350, C keeps 400 × 500/1000 = 200.
    const b = await createMember(t);
    await subscribeThroughCheckout(t, b);
    await copyFlows(b, c.flows.slice(0, 4));
    await t.ctx.stripe.raw.refunds.create({ charge: (await chargeOf(b.email)).id, amount: 500 });
    await flushWebhooks(t);
    // E: 1,000 ¢ paid, 3 copies of C's (300 ¢), the charge disputed and lost: pool 0, C keeps 0; then E cancels at once.
    const e = await createMember(t);
    await subscribeThroughCheckout(t, e);
    await copyFlows(e, c.flows.slice(0, 3));
    const dispute = await t.emulator(`/_emulator/charges/${(await chargeOf(e.email)).id}/dispute`, {});
    await t.emulator(`/_emulator/disputes/${dispute.id}/close`, { status: 'lost' });
    await flushWebhooks(t);
    const eSubscription = (await t.ctx.stripe.raw.subscriptions.list({ customer: (await customerOf(e.email)).id })).data[0]!;
    await t.ctx.stripe.raw.subscriptions.cancel(eSubscription.id);
    await flushWebhooks(t);
    // G: a 300 ¢ goodwill credit pays part of the first invoice: 700 ¢ collected (pool 490); 2 copies of D's (200 ¢).
    const g = await createMember(t);
    await subscribeWithGoodwill(g, 300);
    await copyFlows(g, d.flows);
    const [gInvoice] = await t.database.db.select().from(invoices).where(eq(invoices.customerId, (await customerOf(g.email)).id));
    expect(gInvoice).toMatchObject({ totalCents: 1000, amountPaidCents: 700, collectedCents: 700 });

    // Past the hold: everything held is available; the payout run pays C's 800 ¢; D (not connected) keeps 200 ¢.
    const asOf = await pastTheHold(t);
    await releaseHeld(t, asOf);
    const run = await runPayouts(t.ctx, { asOf });
    expect(run).toMatchObject({ paid: 1 });

    // Stripe's records as the summary reads them: one succeeded 500 ¢ refund, one lost 1,000 ¢ dispute.
    expect((await t.database.db.select().from(chargeRefunds)).map((r) => [r.amountCents, r.status])).toEqual([[500, 'succeeded']]);
    expect((await t.database.db.select().from(chargeDisputes)).map((r) => [r.amountCents, r.status])).toEqual([[1000, 'lost']]);

    const expected = {
      month,
      active_subscribers: 3, // A, B, G (E cancelled)
      new_subscribers: 4, // A, B, E, G
      churned_subscribers: 1, // E
      mrr_cents: 3000, // A, B, G at 1,000 ¢ each (G's credit is one-off: its invoice still totals 1,000 ¢)
      collected_cents: 3700, // 1,000 + 1,000 + 1,000 + 700
      refunded_cents: 500,
      disputed_cents: 1000,
      creator_earnings_cents: 1000, // C: 600 + 200 + 0, D: 200
      pool_cap_cents: 1540, // 700 + 350 + 0 + 490
      pool_utilization: 0.6494, // 1,000 / 1,540 = 0.64935…
      platform_net_cents: 1200, // 3,700 − 500 − 1,000 − 1,000
      payouts_paid_cents: 800,
      liabilities: { pending_cents: 0, held_cents: 0, available_cents: 200, in_transit_cents: 0 },
    };
    const summary = await get(`/v1/admin/finance/summary?month=${month}`, admin.token);
    expect(summary.status).toBe(200);
    expect(summary.body).toMatchObject(expected);
    expect(summary.body.reconcile).toEqual({ ok: null, checked_at: null, failures: 0, details: [] });
    // The current month is the default.
    expect((await get('/v1/admin/finance/summary', admin.token)).body).toMatchObject(expected);
    // The month before has none of it; its liabilities are the balances at its end (nothing yet).
    const [year, index] = month.split('-').map(Number) as [number, number];
    const previous = new Date(Date.UTC(year, index - 2, 1)).toISOString().slice(0, 7);
    expect((await get(`/v1/admin/finance/summary?month=${previous}`, admin.token)).body).toMatchObject({
      month: previous,
      active_subscribers: 0,
      new_subscribers: 0,
      collected_cents: 0,
      creator_earnings_cents: 0,
      pool_utilization: 0,
      payouts_paid_cents: 0,
      liabilities: { pending_cents: 0, held_cents: 0, available_cents: 0, in_transit_cents: 0 },
    });

    // months.csv: this database's only month, with the summary's numbers.
    const months = await get('/v1/admin/finance/months.csv', admin.token);
    expect(months.status).toBe(200);
    expect(months.headers['content-type']).toMatch(/^text\/csv/);
    expect(months.headers['content-disposition']).toBe('attachment; filename="flowtab-finance-months.csv"');
    const monthRows = records(months.body);
    expect(monthRows).toHaveLength(1);
    const { liabilities, ...flat } = expected;
    expect(monthRows[0]).toEqual(Object.fromEntries(Object.entries({ ...flat, ...liabilities }).map(([k, v]) => [k, String(v)])));

    // ledger.csv: every entry of the month, once, adding up to the summary's ledger figures.
    const ledger = await get(`/v1/admin/finance/ledger.csv?month=${month}`, admin.token);
    expect(ledger.status).toBe(200);
    expect(ledger.headers['content-disposition']).toBe(`attachment; filename="flowtab-ledger-${month}.csv"`);
    const entries = records(ledger.body);
    expect(Object.keys(entries[0]!)).toEqual(['entry_id', 'created_at', 'transaction_id', 'kind', 'account', 'creator_id', 'creator_username', 'billing_period_id', 'amount_cents']);
    const start = new Date(`${month}-01T00:00:00Z`);
    const end = new Date(Date.UTC(year, index, 1));
    const [stored] = await t.database.db
      .select({ count: sql<number>`count(*)::int` })
      .from(ledgerEntries)
      .where(and(gte(ledgerEntries.createdAt, start), lt(ledgerEntries.createdAt, end)));
    expect(entries).toHaveLength(stored!.count);
    expect(new Set(entries.map((r) => r.entry_id)).size).toBe(entries.length);
    const total = (account: string) => entries.filter((r) => r.account === account).reduce((sum, r) => sum + Number(r.amount_cents), 0);
    expect(entries.reduce((sum, r) => sum + Number(r.amount_cents), 0)).toBe(0);
    expect(-total('platform_creator_expense')).toBe(expected.creator_earnings_cents);
    expect(total('creator_paid')).toBe(expected.payouts_paid_cents);
    expect(total('creator_available')).toBe(expected.liabilities.available_cents);
    expect(total('creator_held') + total('creator_pending') + total('creator_in_transit')).toBe(0);
    // Creators are named; the kinds are the ledger's.
    expect(new Set(entries.filter((r) => r.creator_id === c.id).map((r) => r.creator_username))).toEqual(new Set([c.username]));
    expect(new Set(entries.map((r) => r.kind))).toEqual(
      new Set(['copy.earned', 'earnings.reversed', 'earnings.released', 'payout.reserved', 'payout.paid']),
    );
    // A month without entries: the header alone.
    expect(parseCsv((await get(`/v1/admin/finance/ledger.csv?month=${previous}`, admin.token)).body)).toHaveLength(1);
  });

  it('months.csv runs from the first month with data to the current one, each row the summary of its month', async () => {
    // An unpaid period that started three months ago (Stripe's time): its pool counts in that month, nothing else.
    const now = new Date();
    const periodStart = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 3, 5));
    const id = `sub_old_${Date.now()}`;
    await t.database.db.insert(subscriptions).values({
      id,
      userId: member.id,
      customerId: `cus_old_${Date.now()}`,
      status: 'incomplete_expired',
      currentPeriodStart: periodStart,
      currentPeriodEnd: new Date(periodStart.getTime() + 30 * 86_400_000),
      planAmountCents: 1000,
    });
    await t.database.db
      .insert(billingPeriods)
      .values({ subscriptionId: id, userId: member.id, periodStart, periodEnd: new Date(periodStart.getTime() + 30 * 86_400_000), basisCents: 1000 });

    const months = records((await get('/v1/admin/finance/months.csv', admin.token)).body);
    const monthAt = (back: number) => new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - back, 1)).toISOString().slice(0, 7);
    expect(months.map((r) => r.month)).toEqual([monthAt(3), monthAt(2), monthAt(1), monthAt(0)]);
    expect(months[0]).toMatchObject({ pool_cap_cents: '700', creator_earnings_cents: '0', pool_utilization: '0', new_subscribers: '0', collected_cents: '0', platform_net_cents: '0' });
    expect(months[1]).toMatchObject({ pool_cap_cents: '0', active_subscribers: '0', available_cents: '0' });
    for (const row of months) {
      const { liabilities, reconcile: _reconcile, ...figures } = (await get(`/v1/admin/finance/summary?month=${row.month}`, admin.token)).body;
      expect(row).toEqual(Object.fromEntries(Object.entries({ ...figures, ...liabilities }).map(([k, v]) => [k, String(v)])));
    }
  });

  it('answers 400 for a month that is not YYYY-MM', async () => {
    for (const month of ['2026-13', '2026-00', '2026-1', 'december', '1969-12', '2026-12-01', '']) {
      for (const path of ['summary', 'ledger.csv']) {
        const response = await get(`/v1/admin/finance/${path}?month=${encodeURIComponent(month)}`, admin.token);
        expect(response.status, `${path}?month=${month}`).toBe(400);
        expect(response.headers['content-type']).toMatch(/problem\+json/);
      }
    }
  });

  it('is for admins only: guests 401, members 403', async () => {
    const requests = [
      { method: 'GET' as const, url: '/v1/admin/finance/summary' },
      { method: 'GET' as const, url: '/v1/admin/finance/months.csv' },
      { method: 'GET' as const, url: '/v1/admin/finance/ledger.csv' },
      { method: 'POST' as const, url: '/v1/admin/finance/reconcile', payload: {} },
    ];
    for (const request of requests) {
      expect((await t.request(request)).status, request.url).toBe(401);
      expect((await t.request({ ...request, token: member.token })).status, request.url).toBe(403);
    }
  });
});

describe('the CSV writer', () => {
  it('quotes as RFC 4180 says and guards cells a spreadsheet would run as formulas', () => {
    const csv = toCsv(['name', 'amount_cents'], [
      ['=HYPERLINK("http://evil")', -500],
      ['+1', 0],
      ['-2', null],
      ['@SUM(A1)', 7],
      ['a,b', 1],
      ['line\nbreak', 2],
      ['plain', 3],
    ]);
    expect(csv).toBe(
      'name,amount_cents\r\n' +
        `"'=HYPERLINK(""http://evil"")",-500\r\n` +
        "'+1,0\r\n" +
        "'-2,\r\n" +
        "'@SUM(A1),7\r\n" +
        '"a,b",1\r\n' +
        '"line\nbreak",2\r\n' +
        'plain,3\r\n',
    );
    expect(parseCsv(csv)[1]).toEqual([`'=HYPERLINK("http://evil")`, '-500']);
  });
});
