import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inTransaction } from '../src/server/db/client.js';
import { rowsOf } from '../src/server/db/rows.js';
import { type SubscriptionStatus, subscriptionStatuses } from '../src/server/db/schema.js';
import { rebalancePeriodEarnings } from '../src/server/modules/ledger/service.js';
import { isGoodStanding } from '../src/server/modules/subscriptions/standing.js';
import { createFlow, createMember, giveSubscription, type Member } from './factories.js';
import { createTestApp, type TestApp } from './support/app.js';

/**
 * The copy's money rules have one authority, the database: `record_copy` (and `record_copies`, its batch form, which
 * record_copy is a batch of one of) and the functions they share with the rest
 * of the code (src/server/db/functions/). These tests drive those functions themselves, on a real database, over a
 * table of cases; nothing here restates a rule in TypeScript. Small economics keep the arithmetic visible: 7¢ a copy,
 * a paid cap of 3 copies, creators share 70% of what the period kept, a fair-use limit of 5 copies.
 */
const RATE = 7;
const CAP = 3;
const SHARE = 70;
const LIMIT = 5;

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t?.close());

type CopyRow = { outcome: string; is_counted: boolean; copies_count: number; counted_copies: number };

async function sessionOf(member: Member): Promise<string> {
  const result = await t.database.db.execute(sql`
    select id from sessions where user_id = ${member.id} and revoked_at is null order by created_at desc limit 1`);
  return rowsOf<{ id: string }>(result)[0]!.id;
}

/** One call of record_copy, exactly as the copy endpoint makes it, with the test's economics. */
async function recordCopy(member: Member, flowId: string): Promise<CopyRow> {
  const result = await t.database.db.execute(sql`
    select outcome, is_counted, copies_count, counted_copies
      from record_copy(${await sessionOf(member)}::uuid, ${member.id}::uuid, ${flowId}, ${RATE}::bigint, ${CAP}::int, ${SHARE}::int,
                       ${LIMIT}::int, 4::int, 1000::int)`);
  const [row] = rowsOf<CopyRow>(result);
  return { ...row!, copies_count: Number(row!.copies_count), counted_copies: Number(row!.counted_copies) };
}

/**
 * One call of record_copies, as the copy batcher makes it: all of `flowIds` by `member` in one statement, in that
 * order, with one copy by `bystander` between each (another subscriber's copies in the same batch change nothing).
 */
async function recordCopiesInOneBatch(member: Member, flowIds: string[], bystander: { member: Member; flowIds: string[] }): Promise<CopyRow[]> {
  const copiers = flowIds.flatMap((flowId, index) => [
    { member, flowId },
    { member: bystander.member, flowId: bystander.flowIds[index]! },
  ]);
  const sessions = await Promise.all(copiers.map((copier) => sessionOf(copier.member)));
  const result = await t.database.db.execute(sql`
    select item, outcome, is_counted, copies_count, counted_copies
      from record_copies(${sql.param(sessions)}::uuid[], ${sql.param(copiers.map((c) => c.member.id))}::uuid[],
                         ${sql.param(copiers.map((c) => c.flowId))}::text[], ${RATE}::bigint, ${CAP}::int, ${SHARE}::int, ${LIMIT}::int,
                         4::int, 1000::int)
     order by item`);
  const rows = rowsOf<CopyRow & { item: number }>(result);
  expect(rows.map((row) => Number(row.item))).toEqual(copiers.map((_, index) => index + 1));
  // The bystander's copies: each its own (a fresh subscriber copying distinct premium flows, all counted).
  expect(rows.filter((_, index) => index % 2 === 1).map((row) => [row.outcome, row.is_counted])).toEqual(flowIds.map(() => ['recorded', true]));
  return rows
    .filter((_, index) => index % 2 === 0)
    .map(({ item: _item, ...row }) => ({ ...row, copies_count: Number(row.copies_count), counted_copies: Number(row.counted_copies) }));
}

/** The creator's earnings rows and ledger balances (each creator in these tests earns from one period only). */
async function earningsOf(creator: Member) {
  const result = await t.database.db.execute(sql`
    select state, gross_cents, net_cents, counted_copies from period_earnings where creator_id = ${creator.id}`);
  const rows = rowsOf<{ state: string; gross_cents: string; net_cents: string; counted_copies: number }>(result);
  const ledger = await t.database.db.execute(sql`
    select account, sum(amount_cents)::bigint as total from ledger_entries where creator_id = ${creator.id} group by account`);
  return {
    earnings: rows.map((row) => ({ state: row.state, gross: Number(row.gross_cents), net: Number(row.net_cents), copies: Number(row.counted_copies) })),
    ledger: Object.fromEntries(rowsOf<{ account: string; total: string }>(ledger).map((row) => [row.account, Number(row.total)])),
  };
}

type PeriodState = Partial<{ status: 'open' | 'paid' | 'void'; refunded: number; earned: number; counted: number; copies: number }>;

type Case = {
  name: string;
  /** The copier's subscription (undefined: none). `basis`: what the period's invoice collected (a coupon lowers it). */
  subscription?: { status: SubscriptionStatus; basis?: number; isPaid?: boolean };
  /** The period as other copies and refunds left it before this case's copies (set directly on the row). */
  period?: PeriodState;
  /** The flows copied, in order: premium or free; `ownFlow`: written by the copier. `again`: the previous flow again. */
  copies: ({ isPremium: boolean; ownFlow?: boolean } | 'again')[];
  /** What each copy answered. */
  outcomes: { outcome: string; isCounted: boolean }[];
  /** The creator's earnings rows and ledger balances afterwards (the ledger moves by the change of net only). */
  earnings: { state: string; gross: number; net: number; copies: number }[];
  ledger: Record<string, number>;
};

const counted = { outcome: 'recorded', isCounted: true };
const uncounted = { outcome: 'recorded', isCounted: false };
const premium = { isPremium: true };
const free = { isPremium: false };

const cases: Case[] = [
  {
    name: 'a premium copy in an unpaid period counts: pending, the full rate',
    subscription: { status: 'active' },
    copies: [premium],
    outcomes: [counted],
    earnings: [{ state: 'pending', gross: 7, net: 7, copies: 1 }],
    ledger: { creator_pending: 7 },
  },
  {
    name: 'a premium copy in a paid period counts: held',
    subscription: { status: 'active', isPaid: true },
    copies: [premium, premium],
    outcomes: [counted, counted],
    earnings: [{ state: 'held', gross: 14, net: 14, copies: 2 }],
    ledger: { creator_held: 14 },
  },
  {
    name: 'a trialing member is in good standing',
    subscription: { status: 'trialing' },
    copies: [premium],
    outcomes: [counted],
    earnings: [{ state: 'pending', gross: 7, net: 7, copies: 1 }],
    ledger: { creator_pending: 7 },
  },
  {
    name: 'the paid cap: the 3rd copy counts, the 4th is recorded unpaid',
    subscription: { status: 'active', isPaid: true },
    period: { counted: 2, copies: 2, earned: 14 },
    copies: [premium, premium],
    outcomes: [counted, uncounted],
    earnings: [{ state: 'held', gross: 7, net: 7, copies: 1 }],
    ledger: { creator_held: 7 },
  },
  {
    name: 'the fair-use limit: a copy past it is refused and not kept',
    subscription: { status: 'active', isPaid: true },
    period: { counted: 3, copies: 5, earned: 21 },
    copies: [premium],
    outcomes: [{ outcome: 'limit', isCounted: false }],
    earnings: [],
    ledger: {},
  },
  {
    name: 'the pool: a 20¢ period (a coupon) pays 14¢, exactly two copies',
    subscription: { status: 'active', isPaid: true, basis: 20 },
    copies: [premium, premium, premium],
    outcomes: [counted, counted, uncounted],
    earnings: [{ state: 'held', gross: 14, net: 14, copies: 2 }],
    ledger: { creator_held: 14 },
  },
  {
    name: 'the pool: 999¢ collected makes a 699¢ pool, so a copy that would make 700¢ is not paid',
    subscription: { status: 'active', isPaid: true, basis: 999 },
    period: { counted: 0, copies: 0, earned: 693 },
    copies: [premium],
    outcomes: [uncounted],
    earnings: [],
    ledger: {},
  },
  {
    name: 'the pool after a refund: 990¢ of 1000¢ refunded leaves a 7¢ pool, one copy, worth floor(7 × 10/1000) = 0¢',
    subscription: { status: 'active', isPaid: true },
    period: { refunded: 990 },
    copies: [premium, premium],
    outcomes: [counted, uncounted],
    earnings: [{ state: 'held', gross: 7, net: 0, copies: 1 }],
    ledger: {},
  },
  {
    name: 'copies after a partial refund: the net is floor(gross × kept / basis), recomputed on the creator’s total',
    subscription: { status: 'active', isPaid: true },
    period: { refunded: 500 },
    copies: [premium, premium, premium],
    outcomes: [counted, counted, counted],
    // floor(7 × ½) = 3, then floor(14 × ½) = 7 (+4), then floor(21 × ½) = 10 (+3).
    earnings: [{ state: 'held', gross: 21, net: 10, copies: 3 }],
    ledger: { creator_held: 10 },
  },
  {
    name: 'a fully refunded period pays nothing',
    subscription: { status: 'active', isPaid: true },
    period: { refunded: 1000 },
    copies: [premium],
    outcomes: [uncounted],
    earnings: [],
    ledger: {},
  },
  {
    name: 'a void period (its invoice never paid) pays nothing',
    subscription: { status: 'active' },
    period: { status: 'void' },
    copies: [premium],
    outcomes: [uncounted],
    earnings: [],
    ledger: {},
  },
  {
    name: 'a subscriber copying their own premium flow: recorded, not paid',
    subscription: { status: 'active', isPaid: true },
    copies: [{ isPremium: true, ownFlow: true }],
    outcomes: [uncounted],
    earnings: [],
    ledger: {},
  },
  {
    name: 'a free flow: recorded in the period, not paid',
    subscription: { status: 'active', isPaid: true },
    copies: [free],
    outcomes: [uncounted],
    earnings: [],
    ledger: {},
  },
  {
    name: 'a duplicate copy (same flow, same period) is answered as such and counted once',
    subscription: { status: 'active', isPaid: true },
    copies: [premium, 'again'],
    outcomes: [counted, { outcome: 'duplicate', isCounted: false }],
    earnings: [{ state: 'held', gross: 7, net: 7, copies: 1 }],
    ledger: { creator_held: 7 },
  },
  ...(['past_due', 'unpaid', 'canceled', 'incomplete', 'incomplete_expired', 'paused'] as const).map(
    (status): Case => ({
      name: `${status}: premium flows refused, a free one copied unpaid, once`,
      subscription: { status, isPaid: true },
      copies: [premium, free, 'again'],
      outcomes: [
        { outcome: 'subscription_required', isCounted: false },
        { outcome: 'free', isCounted: false },
        { outcome: 'duplicate', isCounted: false },
      ],
      earnings: [],
      ledger: {},
    }),
  ),
  {
    name: 'a member without a subscription: premium refused, free copied unpaid, their own premium flow copied unpaid',
    copies: [premium, free, { isPremium: true, ownFlow: true }],
    outcomes: [
      { outcome: 'subscription_required', isCounted: false },
      { outcome: 'free', isCounted: false },
      { outcome: 'free', isCounted: false },
    ],
    earnings: [],
    ledger: {},
  },
];

describe('record_copy over a table of cases (cap, pool, refunds, author, free, standing, duplicates, pending/held)', () => {
  /** The case's member and period as it says, then its copies, one record_copy each or all in one record_copies. */
  async function runCase(c: Case, form: 'one by one' | 'in one batch') {
    const creator = await createMember(t);
    const copier = await createMember(t);
    if (c.subscription) {
      const { periodId } = await giveSubscription(t, copier, c.subscription.status, { basisCents: c.subscription.basis, isPaid: c.subscription.isPaid });
      if (c.period) {
        const p = c.period;
        await t.database.db.execute(sql`
          update billing_periods set
            status = coalesce(${p.status ?? null}::text, status),
            refunded_cents = coalesce(${p.refunded ?? null}::bigint, refunded_cents),
            earned_cents = coalesce(${p.earned ?? null}::bigint, earned_cents),
            copies_count = coalesce(${p.copies ?? null}::int, copies_count),
            counted_copies = coalesce(${p.counted ?? null}::int, counted_copies)
           where id = ${periodId}`);
      }
    }
    const flowIds: string[] = [];
    for (const step of c.copies) {
      flowIds.push(step === 'again' ? flowIds.at(-1)! : (await createFlow(t, step.ownFlow ? copier : creator, { is_premium: step.isPremium })).id);
    }
    let rows: CopyRow[];
    if (form === 'one by one') {
      rows = [];
      for (const flowId of flowIds) rows.push(await recordCopy(copier, flowId));
    } else {
      const bystander = await createMember(t);
      await giveSubscription(t, bystander, 'active', { isPaid: true });
      const otherCreator = await createMember(t);
      const bystanderFlows = await Promise.all(flowIds.map(async () => (await createFlow(t, otherCreator, { is_premium: true })).id));
      rows = await recordCopiesInOneBatch(copier, flowIds, { member: bystander, flowIds: bystanderFlows });
    }
    expect(rows.map((row) => ({ outcome: row.outcome, isCounted: row.is_counted }))).toEqual(c.outcomes);
    const { earnings, ledger } = await earningsOf(creator);
    expect(earnings).toEqual(c.earnings);
    expect(ledger).toEqual(c.ledger);
  }

  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    await runCase(c, 'one by one');
  });

  // The batch form over the same table: a member's copies in one statement come out as if made one after the other.
  it.each(cases.map((c) => [c.name, c] as const))('record_copies, all in one batch: %s', async (_name, c) => {
    await runCase(c, 'in one batch');
  });

  it('a refund after copies, then more copies: record_copy and the rebalance apply the same net rule', async () => {
    const creator = await createMember(t);
    const copier = await createMember(t);
    const { periodId } = await giveSubscription(t, copier, 'active', { isPaid: true });
    for (let i = 0; i < 2; i++) expect((await recordCopy(copier, (await createFlow(t, creator)).id)).is_counted).toBe(true);
    // The invoice came in far below the basis the copies were counted against (a repricing): 10¢, so a 7¢ pool for
    // 14¢ earned. The net is then pool / earned of the gross (the branch the copy's own formula never reaches).
    await t.database.db.execute(sql`update billing_periods set basis_cents = 10 where id = ${periodId}`);
    await inTransaction(t.database.db, (tx) => rebalancePeriodEarnings(tx, periodId, SHARE));
    expect(await earningsOf(creator)).toEqual({ earnings: [{ state: 'held', gross: 14, net: 7, copies: 2 }], ledger: { creator_held: 7 } });
    // Over the pool: not counted, nothing moves.
    expect((await recordCopy(copier, (await createFlow(t, creator)).id)).is_counted).toBe(false);
    // The full price after all: the rebalance restores floor(gross × kept / basis), and copies count again at the rate.
    await t.database.db.execute(sql`update billing_periods set basis_cents = 1000, refunded_cents = 500 where id = ${periodId}`);
    await inTransaction(t.database.db, (tx) => rebalancePeriodEarnings(tx, periodId, SHARE));
    expect((await earningsOf(creator)).earnings).toEqual([{ state: 'held', gross: 14, net: 7, copies: 2 }]);
    expect((await recordCopy(copier, (await createFlow(t, creator)).id)).is_counted).toBe(true);
    expect(await earningsOf(creator)).toEqual({ earnings: [{ state: 'held', gross: 21, net: 10, copies: 3 }], ledger: { creator_held: 10 } });
  });
});

describe('the period’s money: period_pool_cents and period_net_cents', () => {
  const pool = async (status: string, basis: number, refunded: number) =>
    Number(rowsOf<{ v: string }>(await t.database.db.execute(sql`select period_pool_cents(${status}, ${basis}::bigint, ${refunded}::bigint, ${SHARE}::int) as v`))[0]!.v);
  const net = async (gross: number, period: { status?: string; basis?: number; refunded?: number; earned: number }) =>
    Number(
      rowsOf<{ v: string }>(
        await t.database.db.execute(sql`select period_net_cents(${gross}::bigint, ${period.status ?? 'paid'}, ${period.basis ?? 1000}::bigint,
          ${period.refunded ?? 0}::bigint, ${period.earned}::bigint, ${SHARE}::int) as v`),
      )[0]!.v,
    );

  it.each([
    [1000, 0, 'paid', 700],
    [999, 0, 'paid', 699], // floor(699.3)
    [500, 0, 'open', 350],
    [1000, 500, 'paid', 350],
    [1000, 1000, 'paid', 0],
    [1000, 1500, 'paid', 0], // never negative
    [1000, 0, 'void', 0],
    [0, 0, 'paid', 0],
  ] as const)('pool: basis %i, refunded %i, %s → %i', async (basis, refunded, status, expected) => {
    expect(await pool(status, basis, refunded)).toBe(expected);
  });

  it.each([
    ['an untouched period keeps everything', 700, { earned: 700 }, 700],
    ['a half refund keeps half', 14, { earned: 700, refunded: 500 }, 7],
    ['floor: never a cent more than the rule allows', 7, { earned: 700, refunded: 500 }, 3],
    ['in proportion even when the period earned little', 70, { earned: 70, refunded: 250 }, 52],
    ['a void period keeps nothing', 700, { earned: 700, status: 'void' }, 0],
    ['a full refund keeps nothing', 700, { earned: 700, refunded: 1000 }, 0],
    ['pool / earned when the invoice came in below what was expected', 700, { earned: 700, basis: 500 }, 350],
    ['a period without a basis keeps nothing', 7, { earned: 7, basis: 0 }, 0],
  ] as const)('net: %s', async (_name, gross, period, expected) => {
    expect(await net(gross, period)).toBe(expected);
  });

  it('keeps Σ net ≤ pool for any split across creators, and exactly floor(gross × kept / basis) while that fits', async () => {
    let seed = 12345;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const rounds = Array.from({ length: 300 }, (_, round) => {
      const basis = 1 + Math.floor(random() * 2000);
      const gross = Array.from({ length: 1 + Math.floor(random() * 8) }, () => 7 * Math.floor(random() * 30));
      // Earned may exceed the pool only when the basis dropped after copies were counted; both cases are covered.
      return { round, basis, refunded: Math.floor(random() * basis * 1.2), gross };
    });
    const values = rounds.flatMap((r) => r.gross.map((g) => sql`(${r.round}::int, ${g}::bigint, ${r.basis}::bigint, ${r.refunded}::bigint, ${r.gross.reduce((a, b) => a + b, 0)}::bigint)`));
    const result = await t.database.db.execute(sql`
      select v.round, sum(period_net_cents(v.gross, 'paid', v.basis, v.refunded, v.earned, ${SHARE}::int))::bigint as kept,
             period_pool_cents('paid', min(v.basis), min(v.refunded), ${SHARE}::int) as pool,
             bool_and(period_net_cents(v.gross, 'paid', v.basis, v.refunded, v.earned, ${SHARE}::int)
                      = v.gross * greatest(v.basis - v.refunded, 0) / v.basis) as is_proportional,
             bool_and(v.earned * greatest(v.basis - v.refunded, 0) <= period_pool_cents('paid', v.basis, v.refunded, ${SHARE}::int) * v.basis) as fits
        from (values ${sql.join(values, sql`, `)}) as v(round, gross, basis, refunded, earned)
       group by v.round`);
    const rows = rowsOf<{ round: number; kept: string; pool: string; is_proportional: boolean; fits: boolean }>(result);
    expect(rows).toHaveLength(rounds.length);
    for (const row of rows) {
      expect(Number(row.kept)).toBeLessThanOrEqual(Number(row.pool));
      if (row.fits) expect(row.is_proportional).toBe(true);
    }
    expect(rows.some((row) => !row.fits)).toBe(true);
  });
});

describe('good standing: TypeScript’s isGoodStanding (responses) agrees with the database’s is_good_standing', () => {
  it.each(subscriptionStatuses)('%s', async (status) => {
    const result = await t.database.db.execute(sql`select is_good_standing(${status}) as v`);
    expect(rowsOf<{ v: boolean }>(result)[0]!.v).toBe(isGoodStanding(status));
  });
});
