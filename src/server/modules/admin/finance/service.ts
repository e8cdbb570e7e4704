import { createHash } from 'node:crypto';
import type { Db, Tx } from '../../../db/client.js';
import { RECONCILE_CHECKS } from '../../../reconcile-checks.js';
import { enqueueEmail } from '../../email/service.js';
import { type ReconcileInput, type ReconcileReport, reconcileLedger } from '../../ledger/reconcile.js';
import { recordAudit } from '../audit/service.js';
import { type CsvCell, toCsv } from '../../../csv.js';
import {
  findFirstActivity,
  findNewestReconcileRun,
  insertReconcileRun,
  listActiveAdmins,
  listLedgerEntries,
  type MonthWindow,
  type ReconcileRunRow,
  sumMonth,
} from './repository.js';
import type { FinanceSummary, MonthFigures } from './schemas.js';

// The operator console's finance area (SPEC §14): a month's figures, the months and the ledger as CSV, and the
// reconcile runs (the daily job and the console's "run now"). Each figure is defined in docs/finance.md and beside
// its SQL (repository.ts sumMonth).

/** `YYYY-MM` of an instant, in UTC. */
export function monthOf(at: Date): string {
  return at.toISOString().slice(0, 7);
}

/**
 * A month's window: [first instant, first instant of the next month) in UTC, and the instant its point-in-time
 * figures (active subscribers, MRR) are taken at: the month's end, or now while the month is not over.
 */
export function monthWindow(month: string, now: Date): MonthWindow {
  const [year, index] = month.split('-').map(Number) as [number, number];
  const start = new Date(Date.UTC(year, index - 1, 1));
  const end = new Date(Date.UTC(year, index, 1));
  return { start, end, asOf: end.getTime() < now.getTime() ? end : now };
}

function nextMonth(month: string): string {
  const [year, index] = month.split('-').map(Number) as [number, number];
  return monthOf(new Date(Date.UTC(year, index, 1)));
}

/** One month's figures, each read from the stored rows (never from a maintained counter). */
export async function monthFiguresOf(db: Db, month: string, input: { sharePercent: number; now: Date }): Promise<MonthFigures> {
  const totals = await sumMonth(db, monthWindow(month, input.now), input.sharePercent);
  return {
    month,
    active_subscribers: totals.active_subscribers,
    new_subscribers: totals.new_subscribers,
    churned_subscribers: totals.churned_subscribers,
    mrr_cents: totals.mrr_cents,
    collected_cents: totals.collected_cents,
    refunded_cents: totals.refunded_cents,
    disputed_cents: totals.disputed_cents,
    creator_earnings_cents: totals.creator_earnings_cents,
    pool_cap_cents: totals.pool_cap_cents,
    pool_utilization: totals.pool_utilization,
    // What the platform kept of the month's money: arithmetic on the figures above, so it always agrees with them.
    platform_net_cents: totals.collected_cents - totals.refunded_cents - totals.disputed_cents - totals.creator_earnings_cents,
    payouts_paid_cents: totals.payouts_paid_cents,
    liabilities: {
      pending_cents: totals.pending_cents,
      held_cents: totals.held_cents,
      available_cents: totals.available_cents,
      in_transit_cents: totals.in_transit_cents,
    },
  };
}

/** `GET /v1/admin/finance/summary`: the month's figures and the newest reconcile run. */
export async function getFinanceSummary(db: Db, input: { month: string | undefined; sharePercent: number; now: Date }): Promise<FinanceSummary> {
  const month = input.month ?? monthOf(input.now);
  const figures = await monthFiguresOf(db, month, input);
  const run = await findNewestReconcileRun(db);
  return {
    ...figures,
    reconcile: run ? { ok: run.isOk, checked_at: run.checkedAt.toISOString(), failures: run.failures.length, details: run.failures } : { ok: null, checked_at: null, failures: 0, details: [] },
  };
}

export const MONTHS_CSV_HEADER = [
  'month',
  'active_subscribers',
  'new_subscribers',
  'churned_subscribers',
  'mrr_cents',
  'collected_cents',
  'refunded_cents',
  'disputed_cents',
  'creator_earnings_cents',
  'pool_cap_cents',
  'pool_utilization',
  'platform_net_cents',
  'payouts_paid_cents',
  'pending_cents',
  'held_cents',
  'available_cents',
  'in_transit_cents',
] as const;

/**
 * `GET /v1/admin/finance/months.csv`: one row per month, from the first month with any data (an invoice paid, a period
 * started, a ledger entry, a refund or a dispute) to the current month, oldest first, each the summary's figures.
 */
export async function monthsCsv(db: Db, input: { sharePercent: number; now: Date }): Promise<string> {
  const current = monthOf(input.now);
  const first = await findFirstActivity(db);
  let month = first && monthOf(first) < current ? monthOf(first) : current;
  const rows: CsvCell[][] = [];
  for (;;) {
    const f = await monthFiguresOf(db, month, input);
    rows.push([
      f.month,
      f.active_subscribers,
      f.new_subscribers,
      f.churned_subscribers,
      f.mrr_cents,
      f.collected_cents,
      f.refunded_cents,
      f.disputed_cents,
      f.creator_earnings_cents,
      f.pool_cap_cents,
      f.pool_utilization,
      f.platform_net_cents,
      f.payouts_paid_cents,
      f.liabilities.pending_cents,
      f.liabilities.held_cents,
      f.liabilities.available_cents,
      f.liabilities.in_transit_cents,
    ]);
    if (month >= current) break;
    month = nextMonth(month);
  }
  return toCsv(MONTHS_CSV_HEADER, rows);
}

export const LEDGER_CSV_HEADER = [
  'entry_id',
  'created_at',
  'transaction_id',
  'kind',
  'account',
  'creator_id',
  'creator_username',
  'billing_period_id',
  'amount_cents',
] as const;

/** `GET /v1/admin/finance/ledger.csv`: every ledger entry created in the month (UTC), oldest first. */
export async function ledgerCsv(db: Db, input: { month: string | undefined; now: Date }): Promise<{ month: string; csv: string }> {
  const month = input.month ?? monthOf(input.now);
  const entries = await listLedgerEntries(db, monthWindow(month, input.now));
  const rows = entries.map((e): CsvCell[] => [
    Number(e.entry_id),
    new Date(e.created_at).toISOString(),
    e.transaction_id,
    e.kind,
    e.account,
    e.creator_id,
    e.creator_username,
    e.billing_period_id,
    Number(e.amount_cents),
  ]);
  return { month, csv: toCsv(LEDGER_CSV_HEADER, rows) };
}

// ---------------------------------------------------------------------------------------------------------------
// Reconcile runs

export type ReconcileRunView = { id: number; ok: boolean; checked_at: string; failures: number; details: string[] };

export function reconcileRunView(run: ReconcileRunRow): ReconcileRunView {
  return { id: run.id, ok: run.isOk, checked_at: run.checkedAt.toISOString(), failures: run.failures.length, details: run.failures };
}

/** Every invariant of `flowtab reconcile` (RECONCILE_CHECKS), read-only: run it before opening the run's transaction. */
export function checkLedger(db: Db, input: ReconcileInput): Promise<ReconcileReport> {
  return reconcileLedger(db, input, RECONCILE_CHECKS);
}

/** How many failures an admin mail lists (the console and `flowtab reconcile` show them all). */
const MAILED_DETAILS = 10;

/**
 * Records a reconcile run in the caller's transaction: the reconcile_runs row, its audit entry (`reconcile.ran`; the
 * daily job acts as the system, actor null) and, when it failed, a mail to every active admin. A mail's cause key is
 * the day (UTC) and the set of failing checks, so a rerun that finds the same problems (the job retried, run twice in
 * two places, or by hand from the console) mails nobody again, while a new kind of failure, or the next day's run,
 * does. Two runs at once each record their own row; the mails are deduplicated by the outbox's unique cause key.
 */
export async function recordReconcileRun(
  tx: Tx,
  report: ReconcileReport,
  input: { actorId: string | null; reason: string },
): Promise<{ run: ReconcileRunRow; mailed: number }> {
  const failures = report.failures.map((f) => `${f.check}: ${f.detail}`);
  const run = await insertReconcileRun(tx, { isOk: report.isClean, failures });
  const failing = [...new Set(report.failures.map((f) => f.check))].sort();
  await recordAudit(tx, {
    actorId: input.actorId,
    action: 'reconcile.ran',
    target: { type: 'reconcile', id: String(run.id) },
    after: { ok: run.isOk, failures: failures.length, failing_checks: failing },
    reason: input.reason,
  });
  let mailed = 0;
  if (!run.isOk) {
    const day = run.checkedAt.toISOString().slice(0, 10);
    const signature = createHash('sha256').update(failing.join('\n')).digest('hex').slice(0, 16);
    for (const admin of await listActiveAdmins(tx)) {
      const isQueued = await enqueueEmail(tx, {
        causeKey: `reconcile-failed:${day}:${signature}:${admin.id}`,
        userId: admin.id,
        to: admin.email,
        template: 'reconcile_failed',
        data: {
          username: admin.username,
          runId: run.id,
          checkedAt: run.checkedAt.toISOString(),
          failures: failures.length,
          details: failures.slice(0, MAILED_DETAILS),
        },
      });
      if (isQueued) mailed += 1;
    }
  }
  return { run, mailed };
}

/** `flowtab_reconcile_failures`: the failures of the newest run (0 before the first run). */
export async function countNewestReconcileFailures(db: Db): Promise<number> {
  return (await findNewestReconcileRun(db))?.failures.length ?? 0;
}
