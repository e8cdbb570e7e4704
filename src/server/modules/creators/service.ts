import type { Db } from '../../db/client.js';
import { BadRequestError, NotFoundError } from '../../errors.js';
import { FlowNotFoundError } from '../flows/errors.js';
import type { Viewer } from '../auth/viewer.js';
import { withdrawalKeyFor } from '../payouts/rules.js';
import { summarizePayouts } from '../payouts/summary.js';
import { toCsv } from '../../csv.js';
import { dailyAnalytics, flowStats, readEarningsOverview, statementFlows, statementPayouts } from './repository.js';
import type { AnalyticsQuery, AnalyticsView } from './schemas.js';

/** A creator's balances (running totals of their ledger entries), monthly earnings and payouts, read in one statement. */
export async function getEarnings(db: Db, viewer: Viewer, options: { minPayoutCents: number; now?: Date }) {
  const now = options.now ?? new Date();
  const overview = await readEarningsOverview(db, viewer.id, withdrawalKeyFor(now));
  if (!overview) throw new NotFoundError('Your account');
  const { balances } = overview;
  const pending = balances.creator_pending ?? 0;
  const held = balances.creator_held ?? 0;
  const available = balances.creator_available ?? 0;
  const inTransit = balances.creator_in_transit ?? 0;
  const paid = balances.creator_paid ?? 0;
  const credited = balances.creator_credit_applied ?? 0;
  return {
    pending_cents: pending,
    held_cents: held,
    available_cents: available,
    in_transit_cents: inTransit,
    paid_cents: paid,
    credited_cents: credited,
    total_earnings_cents: pending + held + available + inTransit + paid + credited,
    balance_cents: available,
    monthly_earnings: overview.months,
    ...summarizePayouts(overview.payoutState, overview.payouts, { minPayoutCents: options.minPayoutCents, now }),
  };
}

export async function getCreatorFlows(db: Db, viewer: Viewer) {
  return { items: await flowStats(db, viewer.id) };
}

const DAY_MS = 86_400_000;
const DEFAULT_RANGE_DAYS = 30;
const MAX_RANGE_DAYS = 366;

const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const msOf = (day: string) => Date.parse(`${day}T00:00:00Z`);

/** GET /v1/creators/me/analytics: the caller's daily copies and earnings (SPEC §15), net of reversals. */
export async function getAnalytics(db: Db, viewer: Viewer, query: AnalyticsQuery, now = new Date()): Promise<AnalyticsView> {
  const to = query.to ?? dayOf(now.getTime());
  const from = query.from ?? dayOf(msOf(to) - (DEFAULT_RANGE_DAYS - 1) * DAY_MS);
  if (from > to) throw new BadRequestError('`from` must not be after `to`.');
  const days = (msOf(to) - msOf(from)) / DAY_MS + 1;
  if (days > MAX_RANGE_DAYS) throw new BadRequestError(`A range is at most ${MAX_RANGE_DAYS} days; this one has ${days}.`);
  const rows = await dailyAnalytics(db, viewer.id, { from, to, flowId: query.flow_id });
  // The statement answers no day at all only when the flow is not the caller's (or does not exist).
  if (rows.length === 0) throw new FlowNotFoundError();
  const series = rows.map((row) => ({
    date: row.date,
    copies: row.copies,
    counted_copies: row.countedCopies,
    gross_cents: row.grossCents,
    earned_cents: row.netCents,
  }));
  const sum = (pick: (day: (typeof series)[number]) => number) => series.reduce((total, day) => total + pick(day), 0);
  return {
    from,
    to,
    flow_id: query.flow_id ?? null,
    basis: 'net',
    days: series,
    totals: {
      copies: sum((d) => d.copies),
      counted_copies: sum((d) => d.counted_copies),
      gross_cents: sum((d) => d.gross_cents),
      earned_cents: sum((d) => d.earned_cents),
    },
  };
}

/**
 * GET /v1/creators/me/statements/{YYYY-MM}.csv: per flow the month's copies, gross, reversals and net (the same
 * shares as the analytics), a total row, then the month's payouts. RFC 4180, formula cells guarded.
 */
export async function getStatement(db: Db, viewer: Viewer, month: string): Promise<{ filename: string; csv: string }> {
  const [year, monthNumber] = month.split('-').map(Number) as [number, number];
  const range = { first: `${month}-01`, last: dayOf(Date.UTC(year, monthNumber, 0)) };
  const [flows, payouts] = await Promise.all([statementFlows(db, viewer.id, range), statementPayouts(db, viewer.id, range)]);
  const total = (pick: (flow: (typeof flows)[number]) => number) => flows.reduce((sum, flow) => sum + pick(flow), 0);
  const flowRows = toCsv(
    ['flow_slug', 'flow_title', 'copies', 'counted_copies', 'gross_cents', 'reversals_cents', 'net_cents'],
    [
      ...flows.map((f) => [f.slug, f.title, f.copies, f.countedCopies, f.grossCents, f.grossCents - f.netCents, f.netCents]),
      [
        'TOTAL',
        null,
        total((f) => f.copies),
        total((f) => f.countedCopies),
        total((f) => f.grossCents),
        total((f) => f.grossCents - f.netCents),
        total((f) => f.netCents),
      ],
    ],
  );
  const payoutRows = toCsv(
    ['payout_date', 'amount_cents', 'status', 'stripe_transfer_id'],
    payouts.map((p) => [p.date, p.amountCents, p.status, p.stripeTransferId]),
  );
  // Two tables in one file, an empty record between them.
  const csv = `${flowRows}\r\n${payoutRows}`;
  return { filename: `flowtab-statement-${month}.csv`, csv };
}
