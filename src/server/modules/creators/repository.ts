import { type SQL, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { rowsOf } from '../../db/rows.js';
import type { EarningState, LedgerAccount } from '../../db/schema.js';
import {
  type ListedPayout,
  type PayoutState,
  type PayoutStateColumns,
  payoutStateColumns,
  payoutsOfJson,
  recentPayoutsJson,
  toPayoutState,
} from '../payouts/repository.js';

/** Earnings states from the least advanced; `stage` in the monthly query is a position in this list (from 1). */
const EARNING_STAGES: EarningState[] = ['pending', 'held', 'available', 'paid', 'void'];

/**
 * Counted copies of the creator's flows by calendar month (UTC), newest first, with the least advanced state among
 * their periods' earnings: a JSON column of a query over the creator's user row `u`, from the monthly totals and their
 * tail (migration 0015), never from the copies themselves.
 */
function monthlyEarningsJson(): SQL {
  return sql`(
    select coalesce(json_agg(json_build_object('month', to_char(m.month, 'YYYY-MM'), 'copy_count', m.copies,
                                               'amount_cents', m.cents, 'stage', m.stage) order by m.month desc), '[]'::json)
      from (select s.month, sum(s.copies)::int as copies, sum(s.cents)::bigint as cents,
                   min(array_position(array['pending', 'held', 'available', 'paid', 'void'], s.state)) as stage
              from (select t.month, t.state, sum(t.copies) as copies, sum(t.cents) as cents
                      from (select mt.month, mt.state, mt.copy_count as copies, mt.amount_cents as cents
                              from creator_month_totals mt where mt.creator_id = u.id
                            union all
                            select mc.month, mc.state, mc.copy_count, mc.amount_cents
                              from creator_month_changes mc where mc.creator_id = u.id) t
                     group by t.month, t.state
                    having sum(t.copies) <> 0) s
             group by s.month
             order by s.month desc
             limit 24) m)`;
}

export type EarningsOverview = {
  balances: Partial<Record<LedgerAccount, number>>;
  months: { month: string; copy_count: number; amount_cents: number; status: EarningState }[];
  payoutState: PayoutState;
  payouts: ListedPayout[];
};

/**
 * Everything GET /v1/creators/me/earnings shows, in one statement: the balances (creator_balances(): totals and their
 * tail), the monthly earnings, and what the payout summary decides from with the newest payouts.
 */
export async function readEarningsOverview(db: Db, creatorId: string, withdrawalRunKey: string): Promise<EarningsOverview | undefined> {
  // The available balance comes from the balances read here, not from creator_available_cents(): that call is not
  // inlined, so it would plan and read the running totals a second time on every request.
  const result = await db.execute(sql`
    select b.balances,
           ${monthlyEarningsJson()} as months,
           ${recentPayoutsJson()} as payouts,
           ${payoutStateColumns(withdrawalRunKey, sql`coalesce((b.balances ->> 'creator_available')::bigint, 0)`)}
      from users u
     cross join lateral (select coalesce(json_object_agg(c.account, c.balance_cents), '{}'::json) as balances
                           from creator_balances() c where c.creator_id = u.id) b
     where u.id = ${creatorId}`);
  const [row] = rowsOf<PayoutStateColumns & { balances: unknown; months: unknown; payouts: unknown }>(result);
  if (!row) return undefined;
  const parsed = (value: unknown): unknown => (typeof value === 'string' ? JSON.parse(value) : value);
  const balances = parsed(row.balances) as Record<LedgerAccount, number | string>;
  const months = parsed(row.months) as { month: string; copy_count: number; amount_cents: number | string; stage: number }[];
  return {
    balances: Object.fromEntries(Object.entries(balances).map(([account, cents]) => [account, Number(cents)])),
    months: months.map((m) => ({
      month: m.month,
      copy_count: Number(m.copy_count),
      amount_cents: Number(m.amount_cents),
      status: EARNING_STAGES[Number(m.stage) - 1]!,
    })),
    payoutState: toPayoutState(row),
    payouts: payoutsOfJson(row.payouts),
  };
}

/**
 * The creator's copies by UTC day in [from, to] (count, counted, gross, and what refunds, disputes and voiding withheld
 * from them): the running totals and their tail (migration 0022), unsummed, so a read groups them as it needs; never
 * the copies themselves.
 */
function creatorDays(creatorId: string, from: string, to: string): SQL {
  return sql`
    select t.day, t.copies, t.counted_copies, t.gross_cents, t.withheld_cents from creator_day_totals t
     where t.creator_id = ${creatorId} and t.day between ${from}::date and ${to}::date
    union all
    select c.day, c.copies, c.counted_copies, c.gross_cents, c.withheld_cents from creator_day_changes c
     where c.creator_id = ${creatorId} and c.day between ${from}::date and ${to}::date`;
}

/** The same by flow, where `where` holds (a condition on `r.day` and `r.flow_id`). */
function flowDays(creatorId: string, where: SQL): SQL {
  return sql`
    select r.day, r.flow_id, r.copies, r.counted_copies, r.gross_cents, r.withheld_cents
      from (select t.day, t.flow_id, t.copies, t.counted_copies, t.gross_cents, t.withheld_cents from flow_day_totals t
             where t.creator_id = ${creatorId}
            union all
            select c.day, c.flow_id, c.copies, c.counted_copies, c.gross_cents, c.withheld_cents from creator_day_changes c
             where c.creator_id = ${creatorId}) r
     where ${where}`;
}

/** Each of the creator's flows with its copies and what they earned (gross, before any refund reversal), from flowDays. */
export async function flowStats(db: Db, creatorId: string) {
  const result = await db.execute(sql`
    select f.id, f.slug, f.title, f.status, f.is_premium, (f.taken_down_at is not null) as taken_down, f.like_count,
           (select coalesce(sum(copies), 0) from flow_copy_counters fc where fc.flow_id = f.id)::bigint as copy_count,
           coalesce(d.counted_copies, 0)::int as counted_copies,
           coalesce(d.gross_cents, 0)::bigint as earnings_cents
      from flows f
      left join (select r.flow_id, sum(r.counted_copies) as counted_copies, sum(r.gross_cents) as gross_cents
                   from (${flowDays(creatorId, sql`true`)}) r
                  group by r.flow_id) d on d.flow_id = f.id
     where f.author_id = ${creatorId}
     order by earnings_cents desc, f.created_at desc`);
  return rowsOf<Record<string, unknown>>(result).map((row) => ({
    flow_id: row.id as string,
    slug: row.slug as string,
    title: row.title as string,
    status: row.status as 'draft' | 'published' | 'archived',
    is_premium: row.is_premium as boolean,
    taken_down: row.taken_down as boolean,
    like_count: Number(row.like_count),
    copy_count: Number(row.copy_count),
    counted_copies: Number(row.counted_copies),
    earnings_cents: Number(row.earnings_cents),
  }));
}

/** The UTC midnight that starts a YYYY-MM-DD day, and the one after the last day of a range. */
const utcStartOf = (day: string): SQL => sql`(${day}::date)::timestamp at time zone 'UTC'`;
const utcEndOf = (day: string): SQL => sql`((${day}::date + 1)::timestamp at time zone 'UTC')`;

export type AnalyticsDay = { date: string; copies: number; countedCopies: number; grossCents: number; netCents: number };

/**
 * Every UTC day of [from, to] with the copies of the creator's flows (or of one of them), the counted ones, their
 * gross and their net (the gross less what was withheld: creatorDays, flowDays), zeros included; one statement. No
 * row at all when `flowId` is not the creator's.
 */
export async function dailyAnalytics(db: Db, creatorId: string, range: { from: string; to: string; flowId: string | undefined }): Promise<AnalyticsDay[]> {
  const result = await db.execute(sql`
    with days as (
      select d::date as day
        from generate_series(${range.from}::date, ${range.to}::date, interval '1 day') d
       where ${range.flowId ?? null}::uuid is null
          or exists (select 1 from flows f where f.id = ${range.flowId ?? null}::uuid and f.author_id = ${creatorId})
    ),
    rolled as (
      select r.day, sum(r.copies) as copies, sum(r.counted_copies) as counted_copies, sum(r.gross_cents) as gross_cents,
             sum(r.withheld_cents) as withheld_cents
        from (${
          range.flowId
            ? flowDays(creatorId, sql`r.day between ${range.from}::date and ${range.to}::date and r.flow_id = ${range.flowId}::uuid`)
            : creatorDays(creatorId, range.from, range.to)
        }) r
       group by r.day
    )
    select to_char(days.day, 'YYYY-MM-DD') as date,
           coalesce(rolled.copies, 0)::int as copies,
           coalesce(rolled.counted_copies, 0)::int as counted_copies,
           coalesce(rolled.gross_cents, 0)::bigint as gross_cents,
           coalesce(rolled.gross_cents - rolled.withheld_cents, 0)::bigint as net_cents
      from days
      left join rolled on rolled.day = days.day
     order by days.day`);
  return rowsOf<{ date: string; copies: number; counted_copies: number; gross_cents: string | number; net_cents: string | number }>(result).map((row) => ({
    date: row.date,
    copies: Number(row.copies),
    countedCopies: Number(row.counted_copies),
    grossCents: Number(row.gross_cents),
    netCents: Number(row.net_cents),
  }));
}

export type StatementFlow = { slug: string; title: string; copies: number; countedCopies: number; grossCents: number; netCents: number };

/** Per flow, the copies made in the UTC month `[first, last]` (YYYY-MM-DD), their gross and their net, as dailyAnalytics. */
export async function statementFlows(db: Db, creatorId: string, month: { first: string; last: string }): Promise<StatementFlow[]> {
  const result = await db.execute(sql`
    select f.slug, f.title, d.copies::int, d.counted_copies::int, d.gross_cents::bigint,
           (d.gross_cents - d.withheld_cents)::bigint as net_cents
      from (select r.flow_id, sum(r.copies) as copies, sum(r.counted_copies) as counted_copies, sum(r.gross_cents) as gross_cents,
                   sum(r.withheld_cents) as withheld_cents
              from (${flowDays(creatorId, sql`r.day between ${month.first}::date and ${month.last}::date`)}) r
             group by r.flow_id
            having sum(r.copies) <> 0) d
      join flows f on f.id = d.flow_id
     order by d.gross_cents desc, f.slug`);
  return rowsOf<{ slug: string; title: string; copies: number; counted_copies: number; gross_cents: string | number; net_cents: string | number }>(result).map(
    (row) => ({
      slug: row.slug,
      title: row.title,
      copies: Number(row.copies),
      countedCopies: Number(row.counted_copies),
      grossCents: Number(row.gross_cents),
      netCents: Number(row.net_cents),
    }),
  );
}

export type StatementPayout = { date: string; amountCents: number; status: string; stripeTransferId: string | null };

/** The creator's payouts dated in the UTC month: paid ones by when they were paid, the others by when they were made. */
export async function statementPayouts(db: Db, creatorId: string, month: { first: string; last: string }): Promise<StatementPayout[]> {
  const result = await db.execute(sql`
    select to_char(coalesce(p.paid_at, p.created_at) at time zone 'UTC', 'YYYY-MM-DD') as date,
           p.amount_cents, p.status, p.stripe_transfer_id
      from payouts p
     where p.creator_id = ${creatorId}
       and coalesce(p.paid_at, p.created_at) >= ${utcStartOf(month.first)}
       and coalesce(p.paid_at, p.created_at) < ${utcEndOf(month.last)}
     order by coalesce(p.paid_at, p.created_at), p.id`);
  return rowsOf<{ date: string; amount_cents: string | number; status: string; stripe_transfer_id: string | null }>(result).map((row) => ({
    date: row.date,
    amountCents: Number(row.amount_cents),
    status: row.status,
    stripeTransferId: row.stripe_transfer_id,
  }));
}
