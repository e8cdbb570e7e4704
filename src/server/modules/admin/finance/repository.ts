import { desc, sql } from 'drizzle-orm';
import type { Db, Tx } from '../../../db/client.js';
import { rowsOf } from '../../../db/rows.js';
import { reconcileRuns } from '../../../db/schema.js';
import { DISPUTE_STATUSES_LOST_OR_OPEN } from '../../subscriptions/disputes.js';

// The finance area's SQL (SPEC §14). Every figure is read from the stored rows themselves (ledger entries, invoices,
// charges and their refunds and disputes, billing periods, subscriptions), never from a counter that could drift;
// the pool is `period_pool_cents` (db/functions/period_money.sql), the one authority for it.

/** A month's bounds: [start, end) in UTC, and `asOf`, the instant the point-in-time figures are taken at. */
export type MonthWindow = { start: Date; end: Date; asOf: Date };

type FiguresRow = {
  active_subscribers: string | number;
  new_subscribers: string | number;
  churned_subscribers: string | number;
  mrr_cents: string | number;
  collected_cents: string | number;
  refunded_cents: string | number;
  disputed_cents: string | number;
  creator_earnings_cents: string | number;
  pool_cap_cents: string | number;
  pool_utilization: string | number;
  payouts_paid_cents: string | number;
  pending_cents: string | number;
  held_cents: string | number;
  available_cents: string | number;
  in_transit_cents: string | number;
};

export type MonthTotals = { [K in keyof FiguresRow]: number };

/**
 * Every figure of one month in one statement (one snapshot). Definitions (docs/finance.md):
 * - subscribers: a subscription counts from the start of its first paid billing period (Stripe's time); duplicates
 *   (SPEC §3) never do. It has ended when it is canceled: at its period end if it was cancelled at period end, else at
 *   `canceled_at`. Active at `asOf` = a paid period covers it (start < asOf ≤ end) and it had not ended before.
 * - mrr: Σ over those active subscriptions of the covering period's invoice total (after coupons, before credit).
 * - collected / refunded / disputed: by Stripe's time, within [start, end).
 * - creator earnings and pool cap: over billing periods that start within [start, end), as the ledger holds them now.
 * - payouts paid: ledger movements into creator_paid within [start, end) (payouts paid, less transfer reversals).
 * - liabilities: creator account balances from ledger entries created before `end` (all of them for this month).
 */
export async function sumMonth(db: Db, window: MonthWindow, sharePercent: number): Promise<MonthTotals> {
  const { start, end, asOf } = window;
  const s = sql`${start.toISOString()}::timestamptz`;
  const e = sql`${end.toISOString()}::timestamptz`;
  const t = sql`${asOf.toISOString()}::timestamptz`;
  const disputeStatuses = sql.join(
    DISPUTE_STATUSES_LOST_OR_OPEN.map((status) => sql`${status}`),
    sql`, `,
  );
  const result = await db.execute(sql`
    with subscribers as (
      select s.id,
             (select min(bp.period_start) from billing_periods bp where bp.subscription_id = s.id and bp.status = 'paid') as started_at,
             case when s.status = 'canceled'
                  then case when s.cancel_at_period_end then s.current_period_end else coalesce(s.canceled_at, s.current_period_end) end
             end as ended_at
        from subscriptions s
       where s.duplicate_of is null
    ),
    active as (
      select distinct on (sub.id) sub.id, i.total_cents
        from subscribers sub
        join billing_periods bp on bp.subscription_id = sub.id and bp.status = 'paid' and bp.period_start < ${t} and bp.period_end >= ${t}
        join invoices i on i.id = bp.invoice_id
       where sub.started_at is not null and (sub.ended_at is null or sub.ended_at >= ${t})
       order by sub.id, bp.period_start desc
    ),
    month_periods as (
      select bp.id, period_pool_cents(bp.status, bp.basis_cents, bp.refunded_cents, ${sharePercent}::int) as pool
        from billing_periods bp
       where bp.period_start >= ${s} and bp.period_start < ${e}
    ),
    earnings as (
      select coalesce(-sum(le.amount_cents), 0)::bigint as cents
        from ledger_entries le join month_periods mp on mp.id = le.billing_period_id
       where le.account = 'platform_creator_expense'
    ),
    pool as (select coalesce(sum(pool), 0)::bigint as cents from month_periods),
    balances as (
      select le.account, sum(le.amount_cents)::bigint as cents
        from ledger_entries le
       where le.account in ('creator_pending', 'creator_held', 'creator_available', 'creator_in_transit') and le.created_at < ${e}
       group by le.account
    )
    select
      (select count(*) from active) as active_subscribers,
      (select count(*) from subscribers where started_at >= ${s} and started_at < ${e}) as new_subscribers,
      (select count(*) from subscribers where started_at is not null and ended_at >= ${s} and ended_at < ${e}) as churned_subscribers,
      (select coalesce(sum(total_cents), 0) from active) as mrr_cents,
      (select coalesce(sum(i.collected_cents), 0) from invoices i where i.status = 'paid' and i.paid_at >= ${s} and i.paid_at < ${e}) as collected_cents,
      (select coalesce(sum(r.amount_cents), 0) from charge_refunds r
        where r.status = 'succeeded' and r.stripe_created_at >= ${s} and r.stripe_created_at < ${e}) as refunded_cents,
      (select coalesce(sum(d.amount_cents), 0) from charge_disputes d
        where d.status in (${disputeStatuses}) and d.stripe_created_at >= ${s} and d.stripe_created_at < ${e}) as disputed_cents,
      (select cents from earnings) as creator_earnings_cents,
      (select cents from pool) as pool_cap_cents,
      (select case when pool.cents > 0 then round(earnings.cents::numeric / pool.cents, 4) else 0 end from earnings, pool) as pool_utilization,
      (select coalesce(sum(le.amount_cents), 0) from ledger_entries le
        where le.account = 'creator_paid' and le.created_at >= ${s} and le.created_at < ${e}) as payouts_paid_cents,
      (select coalesce(sum(cents), 0) from balances where account = 'creator_pending') as pending_cents,
      (select coalesce(sum(cents), 0) from balances where account = 'creator_held') as held_cents,
      (select coalesce(sum(cents), 0) from balances where account = 'creator_available') as available_cents,
      (select coalesce(sum(cents), 0) from balances where account = 'creator_in_transit') as in_transit_cents`);
  const [row] = rowsOf<FiguresRow>(result);
  return Object.fromEntries(Object.entries(row!).map(([key, value]) => [key, Number(value)])) as MonthTotals;
}

/** The earliest moment any figure has data (Stripe's or the ledger's time), or undefined on an empty database. */
export async function findFirstActivity(db: Db): Promise<Date | undefined> {
  const result = await db.execute(sql`
    select least(
      (select min(paid_at) from invoices where status = 'paid'),
      (select min(period_start) from billing_periods),
      (select min(created_at) from ledger_entries),
      (select min(stripe_created_at) from charge_refunds),
      (select min(stripe_created_at) from charge_disputes)
    ) as first`);
  const [row] = rowsOf<{ first: string | Date | null }>(result);
  return row?.first ? new Date(row.first) : undefined;
}

export type LedgerCsvRow = {
  entry_id: string | number;
  created_at: string | Date;
  transaction_id: string;
  kind: string;
  account: string;
  creator_id: string | null;
  creator_username: string | null;
  billing_period_id: string | null;
  amount_cents: string | number;
};

/** Every ledger entry created within [start, end), oldest first, with its transaction's kind and its creator's username. */
export async function listLedgerEntries(db: Db, window: Pick<MonthWindow, 'start' | 'end'>): Promise<LedgerCsvRow[]> {
  const result = await db.execute(sql`
    select le.id as entry_id, le.created_at, le.transaction_id, lt.kind, le.account, le.creator_id, u.username as creator_username,
           le.billing_period_id, le.amount_cents
      from ledger_entries le
      join ledger_transactions lt on lt.id = le.transaction_id
      left join users u on u.id = le.creator_id
     where le.created_at >= ${window.start.toISOString()}::timestamptz and le.created_at < ${window.end.toISOString()}::timestamptz
     order by le.id`);
  return rowsOf<LedgerCsvRow>(result);
}

export type ReconcileRunRow = typeof reconcileRuns.$inferSelect;

export async function insertReconcileRun(tx: Tx, run: { isOk: boolean; failures: string[] }): Promise<ReconcileRunRow> {
  const [row] = await tx.insert(reconcileRuns).values(run).returning();
  return row!;
}

/** The newest run (by time, then id: two runs in one transaction's instant are told apart by their order). */
export async function findNewestReconcileRun(db: Db): Promise<ReconcileRunRow | undefined> {
  const [row] = await db.select().from(reconcileRuns).orderBy(desc(reconcileRuns.checkedAt), desc(reconcileRuns.id)).limit(1);
  return row;
}

/** Admins who can act on a mail: active, not deleted. */
export async function listActiveAdmins(db: Db): Promise<{ id: string; email: string; username: string }[]> {
  const result = await db.execute(sql`
    select id, email, username from users where role = 'admin' and status = 'active' and deleted_at is null order by created_at, id`);
  return rowsOf<{ id: string; email: string; username: string }>(result);
}
