import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createFlow, createMember, flushWebhooks, type Member, subscribeThroughCheckout } from './factories.js';
import { createTestApp, type TestApp } from './support/app.js';
import { connectCreator, type Creator, releaseHeld } from './support/payouts.js';
import { expectReconciled } from './support/reconcile.js';

// The default 7 ¢ a copy makes refunds round: a third of a period's payment refunded leaves floor(21 × 667/1000) = 14 of 21 ¢.
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ RATE_PER_COPY_CENTS: '7', MIN_PAYOUT_CENTS: '10' }, { stripe: true });
});
afterAll(() => t?.close());
afterEach(() => expectReconciled(t));

const get = (member: Member, url: string) => t.request({ method: 'GET', url, token: member.token });
const copy = (member: Member, ref: string) => t.request({ method: 'POST', url: `/v1/flows/${ref}/copy`, token: member.token });
const today = () => new Date().toISOString().slice(0, 10);
const daysBefore = (day: string, n: number) => new Date(Date.parse(`${day}T00:00:00Z`) - n * 86_400_000).toISOString().slice(0, 10);

async function chargeOf(member: Member) {
  const customer = (await t.ctx.stripe.raw.customers.list({ email: member.email })).data[0]!;
  return (await t.ctx.stripe.raw.charges.list({ customer: customer.id })).data[0]!;
}

async function refund(member: Member, amount: number) {
  await t.ctx.stripe.raw.refunds.create({ charge: (await chargeOf(member)).id, amount });
  await flushWebhooks(t);
}

/** A small RFC 4180 reader, independent of the server's writer: quoted fields, doubled quotes, CRLF records. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      record.push(field);
      field = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      i++;
    } else field += ch;
  }
  expect(field, 'the last record ends with CRLF').toBe('');
  return records;
}

type Day = { date: string; copies: number; counted_copies: number; gross_cents: number; earned_cents: number };

/**
 * A creator with three premium flows and a free one. Subscriber A copies the three premium flows (21 ¢), B two of them
 * (14 ¢), and both copy the free one (not counted).
 */
async function creatorWithCopies() {
  const creator: Creator = { ...(await createMember(t)), flows: [] };
  const premium = [await createFlow(t, creator), await createFlow(t, creator), await createFlow(t, creator)];
  const free = await createFlow(t, creator, { is_premium: false });
  creator.flows = premium;
  const [a, b] = [await createMember(t), await createMember(t)];
  await subscribeThroughCheckout(t, a);
  await subscribeThroughCheckout(t, b);
  for (const flow of premium) expect((await copy(a, flow.slug)).body.payout_earned).toBe(7);
  for (const flow of premium.slice(0, 2)) expect((await copy(b, flow.slug)).body.payout_earned).toBe(7);
  for (const member of [a, b]) expect((await copy(member, free.slug)).body.counted_for_payout).toBe(false);
  return { creator, premium, free, a, b };
}

describe('GET /v1/creators/me/analytics', () => {
  it('every UTC day of the last 30 by default, zeros included; earned_cents is net and agrees with the earnings after partial refunds', async () => {
    const { creator, premium, a, b } = await creatorWithCopies();
    const fresh = await get(creator, '/v1/creators/me/analytics');
    expect(fresh.status).toBe(200);
    expect(fresh.body).toMatchObject({ to: today(), from: daysBefore(today(), 29), flow_id: null, basis: 'net' });
    expect(fresh.body.days).toHaveLength(30);
    expect(fresh.body.days.map((d: Day) => d.date)).toEqual(Array.from({ length: 30 }, (_, i) => daysBefore(today(), 29 - i)));
    expect(fresh.body.days.at(-1)).toEqual({ date: today(), copies: 7, counted_copies: 5, gross_cents: 35, earned_cents: 35 });
    expect(fresh.body.days.slice(0, -1).every((d: Day) => d.copies === 0 && d.earned_cents === 0 && d.gross_cents === 0)).toBe(true);
    expect(fresh.body.totals).toEqual({ copies: 7, counted_copies: 5, gross_cents: 35, earned_cents: 35 });

    // A third of A's payment refunded: A's period keeps floor(21 × 667/1000) = 14 ¢ for this creator.
    await refund(a, 333);
    const earnings = async () => (await get(creator, '/v1/creators/me/earnings')).body;
    expect((await earnings()).total_earnings_cents).toBe(14 + 14);
    const afterRefund = (await get(creator, '/v1/creators/me/analytics')).body;
    expect(afterRefund.totals).toEqual({ copies: 7, counted_copies: 5, gross_cents: 35, earned_cents: 28 });
    expect(afterRefund.totals.earned_cents).toBe((await earnings()).total_earnings_cents);

    // Per flow, the shares add up to the whole: A's 14 ¢ go 4 + 5 + 5 in copy order, B's 14 ¢ are whole.
    const perFlow = [];
    for (const flow of premium) {
      const one = (await get(creator, `/v1/creators/me/analytics?flow_id=${flow.id}`)).body;
      expect(one.flow_id).toBe(flow.id);
      perFlow.push(one.totals.earned_cents);
    }
    expect(perFlow).toEqual([4 + 7, 5 + 7, 5]);

    // Paid out, then B refunded in half: the balance goes negative, and the series still matches the earnings.
    await connectCreator(t, creator);
    await releaseHeld(t);
    const withdrawal = await t.request({ method: 'POST', url: '/v1/creators/me/payouts', token: creator.token });
    expect(withdrawal.body).toMatchObject({ status: 'paid', amount_cents: 28 });
    await refund(b, 500);
    const settled = await earnings();
    expect(settled).toMatchObject({ total_earnings_cents: 14 + 7, available_cents: -7 });
    expect((await get(creator, '/v1/creators/me/analytics')).body.totals).toMatchObject({ gross_cents: 35, earned_cents: 21 });
  });

  it('a copy made in a refunded period, or moved within it, has the period’s net shared out again', async () => {
    const { creator, premium, a } = await creatorWithCopies();
    await refund(a, 333);
    const fourth = await createFlow(t, creator);
    expect((await copy(a, fourth.slug)).body.payout_earned).toBe(7);
    const earnedPerFlow = async () =>
      Promise.all([...premium, fourth].map(async (flow) => (await get(creator, `/v1/creators/me/analytics?flow_id=${flow.id}`)).body.totals.earned_cents));
    // A's period now earned 28 ¢ and keeps floor(28 × 667/1000) = 18 ¢: 4 + 5 + 4 + 5 in copy order. B's 14 ¢ are whole.
    expect(await earnedPerFlow()).toEqual([4 + 7, 5 + 7, 4, 5]);
    const earnings = (await get(creator, '/v1/creators/me/earnings')).body;
    expect(earnings.total_earnings_cents).toBe(18 + 14);
    expect((await get(creator, '/v1/creators/me/analytics')).body.totals.earned_cents).toBe(18 + 14);

    // The fourth copy dated first in its period (as the demo seed dates history): the shares follow the new order.
    await t.database.db.execute(sql`
      update copies set copied_at = (select min(copied_at) - interval '1 second' from copies where user_id = ${a.id})
       where user_id = ${a.id} and flow_id = ${fourth.id}`);
    expect(await earnedPerFlow()).toEqual([5 + 7, 4 + 7, 5, 4]);
    expect((await get(creator, '/v1/creators/me/analytics')).body.totals.earned_cents).toBe(18 + 14);
  });

  it('takes a range of UTC days: from ≤ to, at most 366 days, real dates; flow_id must be the caller’s', async () => {
    const creator = await createMember(t);
    const flow = await createFlow(t, creator);
    const other = await createFlow(t, await createMember(t));
    const analytics = (query: string) => get(creator, `/v1/creators/me/analytics?${query}`);

    const leap = await analytics('from=2028-01-01&to=2028-12-31');
    expect(leap.status).toBe(200);
    expect(leap.body.days).toHaveLength(366);
    expect(leap.body.days[59].date).toBe('2028-02-29');
    const oneDay = await analytics(`from=2026-03-08&to=2026-03-08&flow_id=${flow.id}`);
    expect(oneDay.body).toMatchObject({ from: '2026-03-08', to: '2026-03-08', days: [{ date: '2026-03-08', copies: 0, earned_cents: 0 }] });
    expect((await analytics('to=2026-03-31')).body.from).toBe('2026-03-02');

    for (const bad of ['from=2026-01-01&to=2027-01-02', 'from=2026-03-02&to=2026-03-01', 'from=2026-02-30', 'to=2026-3-1', 'from=yesterday', 'flow_id=abc', 'extra=1']) {
      expect((await analytics(bad)).status, bad).toBe(400);
    }
    expect((await analytics(`flow_id=${other.id}`)).status).toBe(404);
    expect((await analytics('flow_id=00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await t.request({ method: 'GET', url: '/v1/creators/me/analytics' })).status).toBe(401);
  });

  it('counts a copy on its UTC day', async () => {
    const { creator, free } = await (async () => {
      const author = await createMember(t);
      return { creator: author, free: await createFlow(t, author, { is_premium: false }) };
    })();
    const reader = await createMember(t);
    expect((await copy(reader, free.slug)).status).toBe(200);
    // Moved to 23:59:59.5 UTC on 2026-06-30, and to 00:00:00 on 2026-07-01: two days, not one.
    await t.database.db.execute(sql`update copies set copied_at = '2026-06-30T23:59:59.5Z' where flow_id = ${free.id}`);
    const second = await createMember(t);
    expect((await copy(second, free.slug)).status).toBe(200);
    await t.database.db.execute(sql`update copies set copied_at = '2026-07-01T00:00:00Z' where flow_id = ${free.id} and user_id = ${second.id}`);
    const days = (await get(creator, '/v1/creators/me/analytics?from=2026-06-30&to=2026-07-01')).body.days;
    expect(days.map((d: Day) => [d.date, d.copies])).toEqual([
      ['2026-06-30', 1],
      ['2026-07-01', 1],
    ]);
  });
});

describe('GET /v1/creators/me/statements/{YYYY-MM}.csv', () => {
  it('per flow copies, gross, reversals and net, a total that equals the analytics, then the month’s payouts', async () => {
    const { creator, premium, free, a } = await creatorWithCopies();
    await refund(a, 333);
    await connectCreator(t, creator);
    await releaseHeld(t);
    const withdrawal = await t.request({ method: 'POST', url: '/v1/creators/me/payouts', token: creator.token });
    expect(withdrawal.status).toBe(201);

    const month = today().slice(0, 7);
    const response = await t.request({ method: 'GET', url: `/v1/creators/me/statements/${month}.csv`, token: creator.token });
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(response.headers['content-disposition']).toBe(`attachment; filename="flowtab-statement-${month}.csv"`);
    const records = parseCsv(response.body as string);
    const blank = records.findIndex((r) => r.length === 1 && r[0] === '');
    const [header, ...flowRows] = records.slice(0, blank);
    expect(header).toEqual(['flow_slug', 'flow_title', 'copies', 'counted_copies', 'gross_cents', 'reversals_cents', 'net_cents']);
    const total = flowRows.pop()!;
    const bySlug = Object.fromEntries(flowRows.map((r) => [r[0], r.slice(2).map(Number)]));
    expect(bySlug).toEqual({
      [premium[0]!.slug]: [2, 2, 14, 3, 11],
      [premium[1]!.slug]: [2, 2, 14, 2, 12],
      [premium[2]!.slug]: [1, 1, 7, 2, 5],
      [free.slug]: [2, 0, 0, 0, 0],
    });
    expect(total).toEqual(['TOTAL', '', '7', '5', '35', '7', '28']);
    for (const column of [2, 3, 4, 5, 6]) expect(flowRows.reduce((sum, r) => sum + Number(r[column]), 0)).toBe(Number(total[column]));

    // The total row is the month in the analytics.
    const lastDay = new Date(Date.UTC(Number(month.slice(0, 4)), Number(month.slice(5, 7)), 0)).toISOString().slice(0, 10);
    const analytics = (await get(creator, `/v1/creators/me/analytics?from=${month}-01&to=${lastDay}`)).body.totals;
    expect([analytics.copies, analytics.counted_copies, analytics.gross_cents, analytics.gross_cents - analytics.earned_cents, analytics.earned_cents]).toEqual(
      total.slice(2).map(Number),
    );

    expect(records.slice(blank + 1)).toEqual([
      ['payout_date', 'amount_cents', 'status', 'stripe_transfer_id'],
      [today(), '28', 'paid', expect.stringMatching(/^tr_/)],
    ]);

    // Another month: headers and a zero total only.
    const empty = await t.request({ method: 'GET', url: '/v1/creators/me/statements/2020-01.csv', token: creator.token });
    expect(parseCsv(empty.body as string)).toEqual([
      ['flow_slug', 'flow_title', 'copies', 'counted_copies', 'gross_cents', 'reversals_cents', 'net_cents'],
      ['TOTAL', '', '0', '0', '0', '0', '0'],
      [''],
      ['payout_date', 'amount_cents', 'status', 'stripe_transfer_id'],
    ]);
  });

  it('quotes as RFC 4180 says and defuses cells a spreadsheet would run as formulas', async () => {
    const creator = await createMember(t);
    const reader = await createMember(t);
    const titles = ['=HYPERLINK("https://evil.example","click")', '+1 trick, with a comma', '-2 minus', '@SUM(A1:A2)', 'Plain "quoted" title'];
    for (const title of titles) {
      const flow = await createFlow(t, creator, { title, is_premium: false });
      expect((await copy(reader, flow.slug)).status).toBe(200);
    }
    const response = await t.request({ method: 'GET', url: `/v1/creators/me/statements/${today().slice(0, 7)}.csv`, token: creator.token });
    const text = response.body as string;
    expect(text).toContain(`"'=HYPERLINK(""https://evil.example"",""click"")"`);
    expect(text).toContain(`"'+1 trick, with a comma"`);
    expect(text).toContain(`,"Plain ""quoted"" title",`);
    const cells = parseCsv(text).map((r) => r[1]);
    expect(cells).toEqual(
      expect.arrayContaining(["'=HYPERLINK(\"https://evil.example\",\"click\")", "'+1 trick, with a comma", "'-2 minus", "'@SUM(A1:A2)", 'Plain "quoted" title']),
    );
  });

  it('refuses a month that is not YYYY-MM.csv (400) and guests (401)', async () => {
    const creator = await createMember(t);
    for (const file of ['2026-13.csv', '2026-00.csv', '2026-1.csv', '2026-01.txt', '2026-01', 'latest.csv']) {
      expect((await t.request({ method: 'GET', url: `/v1/creators/me/statements/${file}`, token: creator.token })).status, file).toBe(400);
    }
    expect((await t.request({ method: 'GET', url: '/v1/creators/me/statements/2026-01.csv' })).status).toBe(401);
  });
});
