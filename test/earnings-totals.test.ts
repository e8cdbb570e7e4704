import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { inTransaction } from '../src/server/db/client.js';
import { rowsOf } from '../src/server/db/rows.js';
import * as schema from '../src/server/db/schema.js';
import { getEarnings } from '../src/server/modules/creators/service.js';
import { reconcileLedger } from '../src/server/modules/ledger/reconcile.js';
import { FOLD_INTERVAL_MS, startTotalsFolder } from '../src/server/modules/ledger/jobs.js';
import { foldCreatorTotals } from '../src/server/modules/ledger/repository.js';
import { releaseHeldEarnings, voidPeriodEarnings } from '../src/server/modules/ledger/service.js';
import { transitionBillingPeriod } from '../src/server/modules/periods/repository.js';
import { RECONCILE_CHECKS } from '../src/server/reconcile-checks.js';
import { createFlow, createMember, giveSubscription, type Member } from './factories.js';
import { createTestApp, type TestApp } from './support/app.js';
import { expectReconciled } from './support/reconcile.js';
import { waitUntil } from './support/wait.js';

// Creators' running totals (migration 0015): balances and monthly earnings kept as postings happen, in a tail that a
// fold moves into the totals. Whatever was folded or not, the earnings read equals the sums over the ledger and the
// copies, and reconcile checks both.

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());
afterEach(() => expectReconciled(t));

const copy = (member: Member, ref: string) => t.request({ method: 'POST', url: `/v1/flows/${ref}/copy`, token: member.token });
const earnings = async (creator: Member) => (await t.request({ method: 'GET', url: '/v1/creators/me/earnings', token: creator.token })).body;
const creatorReads = async (creator: Member) =>
  Promise.all(['/v1/creators/me/analytics', '/v1/creators/me/flows'].map(async (url) => (await t.request({ method: 'GET', url, token: creator.token })).body));

/** The creator's balances summed over their ledger entries, the way the totals must agree with. */
async function ledgerSums(creatorId: string) {
  const result = await t.database.db.execute(sql`
    select account, sum(amount_cents)::bigint as total from ledger_entries where creator_id = ${creatorId} group by account`);
  return Object.fromEntries(rowsOf<{ account: string; total: string }>(result).map((row) => [row.account, Number(row.total)]));
}

async function tailSize() {
  const result = await t.database.db.execute(sql`
    select (select count(*) from creator_balance_changes)::int as balances, (select count(*) from creator_month_changes)::int as months,
           (select count(*) from creator_day_changes)::int as days`);
  return rowsOf<{ balances: number; months: number; days: number }>(result)[0]!;
}

async function subscriberCopying(creator: Member, flows: number, options: { isPaid: boolean }) {
  const member = await createMember(t);
  const { periodId } = await giveSubscription(t, member, 'active', options);
  for (let i = 0; i < flows; i++) expect((await copy(member, (await createFlow(t, creator)).slug)).status).toBe(200);
  return { member, periodId };
}

describe('creators’ running totals', () => {
  it('the earnings read equals the ledger’s sums before and after a fold, and a fold empties the tails (analytics and per-flow figures unchanged)', async () => {
    const creator = await createMember(t);
    await subscriberCopying(creator, 3, { isPaid: true });
    await subscriberCopying(creator, 2, { isPaid: false });
    const before = await earnings(creator);
    expect(before).toMatchObject({ held_cents: 21, pending_cents: 14, total_earnings_cents: 35 });
    expect(before.monthly_earnings).toEqual([{ month: new Date().toISOString().slice(0, 7), copy_count: 5, amount_cents: 35, status: 'pending' }]);
    expect(await ledgerSums(creator.id)).toEqual({ creator_held: 21, creator_pending: 14 });
    expect((await tailSize()).balances).toBeGreaterThan(0);
    const reads = await creatorReads(creator);
    expect(reads[0]).toMatchObject({ totals: { copies: 5, counted_copies: 5, gross_cents: 35, earned_cents: 35 } });

    expect(await foldCreatorTotals(t.database.db)).toBeGreaterThan(0);
    expect(await tailSize()).toEqual({ balances: 0, months: 0, days: 0 });
    expect(await earnings(creator)).toEqual(before);
    expect(await creatorReads(creator)).toEqual(reads);
    expect(await foldCreatorTotals(t.database.db)).toBe(0);
  });

  it('the background folder empties the tails on its timer (every few seconds), the read unchanged', async () => {
    expect(FOLD_INTERVAL_MS).toBeLessThanOrEqual(10_000);
    const creator = await createMember(t);
    await subscriberCopying(creator, 2, { isPaid: true });
    const before = await earnings(creator);
    expect((await tailSize()).balances).toBeGreaterThan(0);
    const folder = startTotalsFolder(t.database.db, pino({ level: 'silent' }), { intervalMs: 50 });
    try {
      await waitUntil(async () => Object.values(await tailSize()).every((size) => size === 0), {
        message: 'the folder to empty the tails',
        timeoutMs: 5_000,
        intervalMs: 25,
      });
    } finally {
      await folder.stop();
    }
    expect(await earnings(creator)).toEqual(before);
  });

  it('a period’s earnings moving state move its months: held → available, and void', async () => {
    const creator = await createMember(t);
    const paid = await subscriberCopying(creator, 2, { isPaid: true });
    const unpaid = await subscriberCopying(creator, 1, { isPaid: false });
    await foldCreatorTotals(t.database.db);
    const month = new Date().toISOString().slice(0, 7);

    const [period] = rowsOf<{ period_end: Date }>(
      await t.database.db.execute(sql`select period_end from billing_periods where id = ${paid.periodId}`),
    );
    const holdEnds = new Date(new Date(period!.period_end).getTime() + t.config.holdDays * 86_400_000);
    await inTransaction(t.database.db, (tx) => releaseHeldEarnings(tx, { asOf: holdEnds, holdDays: t.config.holdDays }));
    // The unpaid period is still pending: the month shows the least advanced state.
    expect((await earnings(creator)).monthly_earnings).toEqual([{ month, copy_count: 3, amount_cents: 21, status: 'pending' }]);

    await inTransaction(t.database.db, async (tx) => {
      await transitionBillingPeriod(tx, unpaid.periodId, 'void');
      await voidPeriodEarnings(tx, unpaid.periodId);
    });
    const after = await earnings(creator);
    expect(after).toMatchObject({ available_cents: 14, pending_cents: 0, held_cents: 0 });
    expect(after.monthly_earnings).toEqual([{ month, copy_count: 3, amount_cents: 21, status: 'available' }]);
    const states = rowsOf<{ state: string; copies: number }>(
      await t.database.db.execute(sql`
        select state, sum(copy_count)::int as copies from (
          select state, copy_count from creator_month_totals where creator_id = ${creator.id}
          union all select state, copy_count from creator_month_changes where creator_id = ${creator.id}) m
         group by state having sum(copy_count) <> 0 order by state`),
    );
    expect(states).toEqual([
      { state: 'available', copies: 2 },
      { state: 'void', copies: 1 },
    ]);
  });

  it('a counted copy dated into another month moves there (the demo seed dates its history)', async () => {
    const creator = await createMember(t);
    await subscriberCopying(creator, 2, { isPaid: true });
    await t.database.db.execute(sql`
      update copies set copied_at = '2026-03-15T12:00:00Z'
       where id = (select id from copies where creator_id = ${creator.id} order by id limit 1)`);
    const months = (await earnings(creator)).monthly_earnings as { month: string; copy_count: number }[];
    expect(months.map((m) => [m.month, m.copy_count])).toEqual([
      [new Date().toISOString().slice(0, 7), 1],
      ['2026-03', 1],
    ]);
  });

  it('reconcile finds a running total that disagrees with the ledger or the copies, and a share the period does not make', async () => {
    const creator = await createMember(t);
    await subscriberCopying(creator, 1, { isPaid: true });
    await t.database.db.execute(sql`insert into creator_balance_changes (creator_id, account, amount_cents) values (${creator.id}, 'creator_held', 1)`);
    await t.database.db.execute(sql`
      insert into creator_month_changes (creator_id, month, state, copy_count, amount_cents) values (${creator.id}, '2020-01-01', 'held', 1, 7)`);
    await t.database.db.execute(sql`
      insert into creator_day_changes (creator_id, day, flow_id, copies, counted_copies, gross_cents, withheld_cents)
        select creator_id, '2020-01-01', flow_id, 1, 1, 7, 0 from copies where creator_id = ${creator.id} limit 1`);
    // A copy that withholds a cent its period (which kept all it earned) does not take back.
    await t.database.db.execute(sql`update copies set withheld_cents = 1 where creator_id = ${creator.id}`);
    const report = await reconcileLedger(t.database.db, { sharePercent: 70, paidCap: 100 }, RECONCILE_CHECKS);
    expect(report.failures.map((f) => f.check)).toEqual([
      'creators’ running balances equal their ledger entries',
      'creators’ monthly totals equal their counted copies',
      'every counted copy withholds what its period’s net does not share to it',
      'creators’ daily totals equal their copies',
      'flows’ daily totals equal their copies',
    ]);
    await t.database.db.execute(sql`update copies set withheld_cents = 0 where creator_id = ${creator.id}`);
    await t.database.db.execute(sql`delete from creator_balance_changes where creator_id = ${creator.id} and amount_cents = 1`);
    await t.database.db.execute(sql`delete from creator_day_changes where creator_id = ${creator.id} and day = '2020-01-01'`);
    await t.database.db.execute(sql`delete from creator_month_changes where creator_id = ${creator.id} and month = '2020-01-01'`);
  });

  it('GET /v1/creators/me/earnings is one statement', async () => {
    const creator = await createMember(t);
    await subscriberCopying(creator, 1, { isPaid: true });
    const statements: string[] = [];
    const logger = { logQuery: (query: string) => statements.push(query) };
    if (t.database.kind === 'postgres') {
      const client = new pg.Client({ connectionString: t.database.url });
      await client.connect();
      try {
        const db = drizzlePg(client, { schema, logger }) as unknown as typeof t.database.db;
        const view = await getEarnings(db, { id: creator.id, role: 'member', sessionId: undefined }, { minPayoutCents: 1000 });
        expect(view).toMatchObject({ held_cents: 7, total_earnings_cents: 7 });
      } finally {
        await client.end();
      }
    } else {
      const { drizzle } = await import('drizzle-orm/pglite');
      const db = drizzle(t.database.pglite!, { schema, logger }) as unknown as typeof t.database.db;
      const view = await getEarnings(db, { id: creator.id, role: 'member', sessionId: undefined }, { minPayoutCents: 1000 });
      expect(view).toMatchObject({ held_cents: 7, total_earnings_cents: 7 });
    }
    expect(statements).toHaveLength(1);
  });
});

describe.runIf(process.env.DATABASE_URL)('folds in parallel with copies (PostgreSQL)', () => {
  it('four folds racing twenty copies move every change once', async () => {
    const creator = await createMember(t);
    const flows = await Promise.all(Array.from({ length: 20 }, () => createFlow(t, creator)));
    const members = await Promise.all(
      Array.from({ length: 4 }, async () => {
        const member = await createMember(t);
        await giveSubscription(t, member, 'active', { isPaid: true });
        return member;
      }),
    );
    await Promise.all([
      ...flows.map((flow, i) => copy(members[i % members.length]!, flow.slug)),
      ...Array.from({ length: 4 }, () => foldCreatorTotals(t.database.db)),
    ]);
    await Promise.all(Array.from({ length: 2 }, () => foldCreatorTotals(t.database.db)));
    expect(await tailSize()).toEqual({ balances: 0, months: 0, days: 0 });
    expect((await earnings(creator)).held_cents).toBe(140);
    expect(await ledgerSums(creator.id)).toEqual({ creator_held: 140 });
  });
});
