import { z } from 'zod';
import { isoDate } from '../../../http/schemas.js';

/** A calendar month in UTC, `YYYY-MM` (1970-01 to 9999-12). */
export const monthString = z
  .string()
  .regex(/^(19[7-9]\d|[2-9]\d{3})-(0[1-9]|1[0-2])$/, { error: 'must be a month as YYYY-MM (1970-01 or later)' })
  .describe('A calendar month in UTC, YYYY-MM');

export const summaryQuery = z.object({ month: monthString.optional().describe('YYYY-MM (UTC); default: the current month') });
export const ledgerCsvQuery = z.object({ month: monthString.optional().describe('YYYY-MM (UTC); default: the current month') });

const cents = z.number().int();
const count = z.number().int().nonnegative();

/** The newest reconcile run, as the console shows it (SPEC §14). */
export const reconcileRunView = z.object({
  id: z.number().int().describe('The reconcile_runs row'),
  ok: z.boolean().describe('Every invariant held'),
  checked_at: isoDate,
  failures: count.describe('Broken invariants found: one per failing row, at most 20 listed per check'),
  details: z.array(z.string()).describe('Each failure as `<check>: <detail>`'),
});

export const reconcileStatus = z
  .object({
    ok: z.boolean().nullable().describe('null until reconcile has run once'),
    checked_at: isoDate.nullable(),
    failures: count,
    details: z.array(z.string()),
  })
  .describe('The newest reconcile run (the daily job, or POST /v1/admin/finance/reconcile)');

/**
 * The month's figures (see docs/finance.md for each definition). One schema for the summary and months.csv: the CSV
 * has these columns, liabilities flattened.
 */
export const monthFigures = z.object({
  month: monthString,
  active_subscribers: count,
  new_subscribers: count,
  churned_subscribers: count,
  mrr_cents: cents,
  collected_cents: cents,
  refunded_cents: cents,
  disputed_cents: cents,
  creator_earnings_cents: cents,
  pool_cap_cents: cents,
  pool_utilization: z.number().min(0).describe('creator_earnings_cents / pool_cap_cents, 4 decimals; 0 without a pool'),
  platform_net_cents: cents,
  payouts_paid_cents: cents,
  liabilities: z.object({ pending_cents: cents, held_cents: cents, available_cents: cents, in_transit_cents: cents }),
});
export type MonthFigures = z.infer<typeof monthFigures>;

export const financeSummary = monthFigures.extend({ reconcile: reconcileStatus });
export type FinanceSummary = z.infer<typeof financeSummary>;

export const reconcileBody = z
  .object({ reason: z.string().trim().max(500).optional().describe('Why it was run now (kept in the audit entry)') })
  .optional();

export const reconcileResult = reconcileRunView.extend({ mailed: count.describe('Admins mailed by this run (0 when it passed or they were already told)') });
export type ReconcileResult = z.infer<typeof reconcileResult>;

export const csvFile = z.string().describe('text/csv (RFC 4180), with a header row');
