import { sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { rowsOf } from '../../db/rows.js';

export type ReconcileFailure = { check: string; detail: string };
export type ReconcileReport = { isClean: boolean; checks: { check: string; failures: number }[]; failures: ReconcileFailure[] };

export type ReconcileInput = { sharePercent: number; paidCap: number };

/** A row a check's query returned: the columns it selected, as the driver gives them. */
export type ReconcileRow = Record<string, string | number | null>;

/**
 * One invariant as a query that returns the rows breaking it. (`describe` is a method so that a check may name the
 * columns its own query selects: `(r: { id: string; total: string }) => …`.)
 */
export type ReconcileCheck = {
  name: string;
  query: (input: ReconcileInput) => ReturnType<typeof sql>;
  describe(row: ReconcileRow): string;
};

/**
 * The ledger's invariants of SPEC §4. Other modules keep their own (payouts: payoutReconcileChecks); the list that
 * `flowtab reconcile` runs names them all (src/server/reconcile-checks.ts).
 */
export const ledgerReconcileChecks: readonly ReconcileCheck[] = [
  {
    name: 'every ledger transaction sums to zero',
    query: () => sql`select transaction_id, sum(amount_cents)::bigint as total from ledger_entries group by transaction_id having sum(amount_cents) <> 0`,
    describe: (r) => `transaction ${r.transaction_id} sums to ${r.total}`,
  },
  {
    name: 'per-period creator earnings ≤ share of what was collected net of refunds',
    query: ({ sharePercent }) => sql`
      select * from (
        select bp.id, coalesce(sum(e.amount_cents), 0)::bigint as earned,
               period_pool_cents(bp.status, bp.basis_cents, bp.refunded_cents, ${sharePercent}::int) as pool
          from billing_periods bp
          left join ledger_entries e on e.billing_period_id = bp.id and e.account in ('creator_pending', 'creator_held', 'creator_available')
         group by bp.id
      ) periods
      where earned > pool`,
    describe: (r) => `period ${r.id}: creators earned ${r.earned} ¢ but its pool is ${r.pool} ¢`,
  },
  {
    name: 'every paid period’s basis is what its invoice collected (cash plus earnings credit)',
    query: () => sql`
      select bp.id, bp.basis_cents, bp.invoice_id, i.collected_cents
        from billing_periods bp left join invoices i on i.id = bp.invoice_id
       where bp.status = 'paid' and (i.id is null or i.status <> 'paid' or bp.basis_cents <> i.collected_cents)`,
    describe: (r) =>
      r.collected_cents === null
        ? `period ${r.id} is paid but its invoice ${r.invoice_id ?? '(none)'} is not stored as paid`
        : `period ${r.id}: basis ${r.basis_cents} ¢ but invoice ${r.invoice_id} collected ${r.collected_cents} ¢`,
  },
  {
    name: 'invoices never count more earnings credit than the member applied',
    query: () => sql`
      select s.user_id, sum(i.earnings_credit_cents)::bigint as consumed,
             (select coalesce(sum(ca.amount_cents), 0) from credit_applications ca
               where ca.creator_id = s.user_id and ca.status = 'applied')::bigint as applied
        from invoices i join subscriptions s on s.id = i.subscription_id
       group by s.user_id
      having sum(i.earnings_credit_cents) > (select coalesce(sum(ca.amount_cents), 0) from credit_applications ca
                                              where ca.creator_id = s.user_id and ca.status = 'applied')`,
    describe: (r) => `member ${r.user_id}: invoices count ${r.consumed} ¢ of earnings credit, but only ${r.applied} ¢ was applied`,
  },
  {
    name: 'each creator’s net from a period equals the sum of its ledger entries',
    query: () => sql`
      select pe.creator_id, pe.billing_period_id, pe.net_cents, coalesce(sum(e.amount_cents), 0)::bigint as ledger
        from period_earnings pe
        left join ledger_entries e on e.creator_id = pe.creator_id and e.billing_period_id = pe.billing_period_id
             and e.account in ('creator_pending', 'creator_held', 'creator_available')
       group by pe.creator_id, pe.billing_period_id, pe.net_cents
      having pe.net_cents <> coalesce(sum(e.amount_cents), 0)`,
    describe: (r) => `creator ${r.creator_id}, period ${r.billing_period_id}: row says ${r.net_cents} ¢, ledger says ${r.ledger} ¢`,
  },
  {
    name: 'each earning sits in the account of its state',
    query: () => sql`
      select pe.creator_id, pe.billing_period_id, pe.state, e.account, sum(e.amount_cents)::bigint as total
        from period_earnings pe
        join ledger_entries e on e.creator_id = pe.creator_id and e.billing_period_id = pe.billing_period_id
       where e.account in ('creator_pending', 'creator_held', 'creator_available')
       group by pe.creator_id, pe.billing_period_id, pe.state, e.account
      having sum(e.amount_cents) <> 0 and e.account <> case pe.state when 'pending' then 'creator_pending' when 'held' then 'creator_held' else 'creator_available' end`,
    describe: (r) => `creator ${r.creator_id}, period ${r.billing_period_id} is ${r.state} but ${r.total} ¢ sit in ${r.account}`,
  },
  {
    name: 'period counters match the copies',
    query: () => sql`
      select bp.id, bp.copies_count, bp.counted_copies, bp.earned_cents,
             count(c.id)::int as copies, count(c.id) filter (where c.is_counted)::int as counted, coalesce(sum(c.payout_cents), 0)::bigint as paid
        from billing_periods bp left join copies c on c.billing_period_id = bp.id
       group by bp.id
      having bp.copies_count <> count(c.id) or bp.counted_copies <> count(c.id) filter (where c.is_counted)
          or bp.earned_cents <> coalesce(sum(c.payout_cents), 0)`,
    describe: (r) =>
      `period ${r.id}: counters say ${r.copies_count} copies / ${r.counted_copies} counted / ${r.earned_cents} ¢, copies say ${r.copies} / ${r.counted} / ${r.paid} ¢`,
  },
  {
    name: 'counted copies ≤ the paid cap',
    query: ({ paidCap }) => sql`select billing_period_id, count(*)::int as counted from copies where is_counted group by billing_period_id having count(*) > ${paidCap}`,
    describe: (r) => `period ${r.billing_period_id} has ${r.counted} counted copies`,
  },
  {
    name: 'every counted copy has its ledger entries',
    query: () => sql`
      select c.id from copies c
        join billing_periods bp on bp.id = c.billing_period_id
       where c.is_counted and bp.refunded_cents = 0 and bp.status <> 'void'
         and not exists (select 1 from ledger_transactions lt where lt.key = copy_transaction_key(c.id))`,
    describe: (r) => `counted copy ${r.id} has no ledger transaction`,
  },
  {
    name: 'creator earnings rows add up to the period’s gross',
    query: () => sql`
      select bp.id, bp.earned_cents, coalesce(sum(pe.gross_cents), 0)::bigint as gross
        from billing_periods bp left join period_earnings pe on pe.billing_period_id = bp.id
       group by bp.id having bp.earned_cents <> coalesce(sum(pe.gross_cents), 0)`,
    describe: (r) => `period ${r.id}: earned ${r.earned_cents} ¢ but creator rows say ${r.gross} ¢`,
  },
  {
    name: 'creators’ running balances equal their ledger entries',
    query: () => sql`
      select coalesce(t.creator_id, e.creator_id) as creator_id, coalesce(t.account, e.account) as account,
             coalesce(t.total, 0) as totals, coalesce(e.total, 0) as entries
        from (select b.creator_id, b.account, b.balance_cents as total from creator_balances() b) t
        full join (select creator_id, account, sum(amount_cents)::bigint as total from ledger_entries
                    where creator_id is not null group by creator_id, account) e
          on e.creator_id = t.creator_id and e.account = t.account
       where coalesce(t.total, 0) <> coalesce(e.total, 0)`,
    describe: (r) => `creator ${r.creator_id}, ${r.account}: running total ${r.totals} ¢, entries ${r.entries} ¢`,
  },
  {
    name: 'creators’ monthly totals equal their counted copies',
    query: () => sql`
      with totals as (
        select x.creator_id, x.month, x.state, sum(x.copies)::bigint as copies, sum(x.cents)::bigint as cents
          from (select creator_id, month, state, copy_count as copies, amount_cents as cents from creator_month_totals
                union all
                select creator_id, month, state, copy_count, amount_cents from creator_month_changes) x
         group by x.creator_id, x.month, x.state
        having sum(x.copies) <> 0 or sum(x.cents) <> 0
      ), counted as (
        select c.creator_id, date_trunc('month', c.copied_at at time zone 'UTC')::date as month, pe.state,
               count(*)::bigint as copies, sum(c.payout_cents)::bigint as cents
          from copies c
          left join period_earnings pe on pe.creator_id = c.creator_id and pe.billing_period_id = c.billing_period_id
         where c.is_counted
         group by 1, 2, 3
      )
      select coalesce(t.creator_id, c.creator_id) as creator_id, to_char(coalesce(t.month, c.month), 'YYYY-MM') as month,
             coalesce(t.state, c.state) as state, coalesce(t.copies, 0) as totals_copies, coalesce(t.cents, 0) as totals_cents,
             coalesce(c.copies, 0) as copies, coalesce(c.cents, 0) as cents
        from totals t
        full join counted c on c.creator_id = t.creator_id and c.month = t.month and c.state is not distinct from t.state
       where coalesce(t.copies, 0) <> coalesce(c.copies, 0) or coalesce(t.cents, 0) <> coalesce(c.cents, 0)`,
    describe: (r) =>
      `creator ${r.creator_id}, ${r.month} (${r.state ?? 'no earnings row'}): totals say ${r.totals_copies} copies / ${r.totals_cents} ¢, copies say ${r.copies} / ${r.cents} ¢`,
  },
  {
    // Each reduced creator-period's shares as period_net_shares() (migration 0022) computes them now: stored whenever
    // they change, so a difference is a change that was not followed.
    name: 'every counted copy withholds what its period’s net does not share to it',
    query: () => sql`
      select c.id, c.withheld_cents as withheld, coalesce(s.withheld, 0) as expected
        from copies c
        left join (select s.copy_id, s.withheld
                     from period_earnings pe
                    cross join lateral period_net_shares(pe.creator_id, pe.billing_period_id) s
                    where pe.net_cents < pe.gross_cents) s on s.copy_id = c.id
       where (c.withheld_cents <> 0 or s.copy_id is not null) and c.withheld_cents <> coalesce(s.withheld, 0)`,
    describe: (r) => `copy ${r.id}: withholds ${r.withheld} ¢, its period's net leaves it ${r.expected} ¢ to withhold`,
  },
  dailyTotalsCheck('creators’ daily totals equal their copies', 'creator_day_totals', ['creator_id'], (r) => `creator ${r.creator_id}`),
  dailyTotalsCheck('flows’ daily totals equal their copies', 'flow_day_totals', ['flow_id', 'creator_id'], (r) => `flow ${r.flow_id}`),
];

/**
 * One of migration 0022's daily totals (`table`, keyed by `keys` and the UTC day) with its share of the tail, against
 * the copies grouped the same way: count, counted, gross and withheld cents.
 */
function dailyTotalsCheck(
  name: string,
  table: 'creator_day_totals' | 'flow_day_totals',
  keys: readonly ('creator_id' | 'flow_id')[],
  describeKey: (row: ReconcileRow) => string,
): ReconcileCheck {
  const columns = (prefix: string) => sql.raw(keys.map((key) => `${prefix}${key}`).join(', '));
  return {
    name,
    query: () => sql`
      with totals as (
        select ${columns('x.')}, x.day, sum(x.copies)::bigint as copies, sum(x.counted)::bigint as counted,
               sum(x.cents)::bigint as cents, sum(x.withheld)::bigint as withheld
          from (select ${columns('')}, day, copies, counted_copies as counted, gross_cents as cents, withheld_cents as withheld
                  from ${sql.identifier(table)}
                union all
                select ${columns('')}, day, copies, counted_copies, gross_cents, withheld_cents from creator_day_changes) x
         group by ${columns('x.')}, x.day
        having sum(x.copies) <> 0 or sum(x.counted) <> 0 or sum(x.cents) <> 0 or sum(x.withheld) <> 0
      ), copied as (
        select ${columns('c.')}, (c.copied_at at time zone 'UTC')::date as day, count(*)::bigint as copies,
               count(*) filter (where c.is_counted)::bigint as counted, sum(c.payout_cents)::bigint as cents,
               sum(c.withheld_cents)::bigint as withheld
          from copies c
         group by ${columns('c.')}, (c.copied_at at time zone 'UTC')::date
      )
      select ${sql.raw(keys.map((key) => `coalesce(t.${key}, c.${key}) as ${key}`).join(', '))},
             to_char(coalesce(t.day, c.day), 'YYYY-MM-DD') as day,
             coalesce(t.copies, 0) as totals_copies, coalesce(t.counted, 0) as totals_counted, coalesce(t.cents, 0) as totals_cents,
             coalesce(t.withheld, 0) as totals_withheld,
             coalesce(c.copies, 0) as copies, coalesce(c.counted, 0) as counted, coalesce(c.cents, 0) as cents, coalesce(c.withheld, 0) as withheld
        from totals t
        full join copied c on c.day = t.day and ${sql.raw(keys.map((key) => `c.${key} = t.${key}`).join(' and '))}
       where (coalesce(t.copies, 0), coalesce(t.counted, 0), coalesce(t.cents, 0), coalesce(t.withheld, 0))
          <> (coalesce(c.copies, 0), coalesce(c.counted, 0), coalesce(c.cents, 0), coalesce(c.withheld, 0))`,
    describe: (r) =>
      `${describeKey(r)}, ${r.day}: totals say ${r.totals_copies} copies (${r.totals_counted} counted) / ${r.totals_cents} ¢ (${r.totals_withheld} ¢ withheld), copies say ${r.copies} (${r.counted}) / ${r.cents} ¢ (${r.withheld} ¢)`,
  };
}

/** `flowtab reconcile` and the tests: runs each of `checks` (normally RECONCILE_CHECKS, all of them), read-only. */
export async function reconcileLedger(db: Db, input: ReconcileInput, checks: readonly ReconcileCheck[]): Promise<ReconcileReport> {
  const failures: ReconcileFailure[] = [];
  const results = [];
  for (const check of checks) {
    const rows = rowsOf<ReconcileRow>(await db.execute(check.query(input)));
    results.push({ check: check.name, failures: rows.length });
    for (const row of rows.slice(0, 20)) failures.push({ check: check.name, detail: check.describe(row) });
  }
  return { isClean: failures.length === 0, checks: results, failures };
}

export function formatReconcileReport(report: ReconcileReport): string {
  const lines = report.checks.map((c) => `${c.failures === 0 ? 'ok  ' : 'FAIL'}  ${c.check}${c.failures ? ` (${c.failures})` : ''}`);
  if (report.failures.length) lines.push('', ...report.failures.map((f) => `  - ${f.check}: ${f.detail}`));
  lines.push('', report.isClean ? 'Ledger reconciled: every invariant holds.' : 'Ledger does NOT reconcile.');
  return lines.join('\n');
}
