import { and, desc, eq, isNull, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { rowsOf } from '../../db/rows.js';
import { type BillingPeriodStatus, billingPeriods, copies, FLOW_COUNTER_SHARDS, flows } from '../../db/schema.js';
import type { Economics } from '../ledger/money.js';

export type CopyRow = typeof copies.$inferSelect;

/** The unique key (member, flow, period) decides: a second copy in the period inserts nothing. */
export async function insertCopy(
  db: Db,
  values: { userId: string; flowId: string; creatorId: string; billingPeriodId: string | null },
): Promise<CopyRow | undefined> {
  const [row] = await db.insert(copies).values(values).onConflictDoNothing().returning();
  return row;
}

export type PeriodCounters = {
  copiesCount: number;
  countedCopies: number;
  earnedCents: number;
  isCounted: boolean;
  status: BillingPeriodStatus;
  basisCents: number;
  refundedCents: number;
  periodEnd: Date;
};

/**
 * One atomic conditional UPDATE on the subscriber-period row: refuses past the fair-use limit (no row back), and
 * decides in the same statement whether this copy is paid (isCopyCounted in money.ts is the same rule, for tests).
 * The row lock serializes one subscriber's parallel copies, from any number of processes.
 */
export async function advancePeriodCounters(
  db: Db,
  input: { billingPeriodId: string; isEligible: boolean; economics: Economics },
): Promise<PeriodCounters | undefined> {
  const { paidCopiesPerPeriod, ratePerCopyCents, creatorSharePercent, copyLimitPerPeriod } = input.economics;
  const counted = sql`(${input.isEligible}::boolean
      and status <> 'void'
      and counted_copies < ${paidCopiesPerPeriod}
      and (earned_cents + ${ratePerCopyCents}) * 100 <= ${creatorSharePercent}::bigint * greatest(basis_cents - refunded_cents, 0))`;
  const result = await db.execute(sql`
    update billing_periods set
      copies_count = copies_count + 1,
      last_copy_counted = ${counted},
      counted_copies = counted_copies + case when ${counted} then 1 else 0 end,
      earned_cents = earned_cents + case when ${counted} then ${ratePerCopyCents}::bigint else 0 end,
      updated_at = now()
    where id = ${input.billingPeriodId} and copies_count < ${copyLimitPerPeriod}
    returning copies_count, counted_copies, earned_cents, last_copy_counted, status, basis_cents, refunded_cents, period_end`);
  const [row] = rowsOf<Record<string, unknown>>(result);
  if (!row) return undefined;
  return {
    copiesCount: Number(row.copies_count),
    countedCopies: Number(row.counted_copies),
    earnedCents: Number(row.earned_cents),
    isCounted: row.last_copy_counted === true,
    status: row.status as BillingPeriodStatus,
    basisCents: Number(row.basis_cents),
    refundedCents: Number(row.refunded_cents),
    periodEnd: new Date(row.period_end as string),
  };
}

export async function markCopyCounted(db: Db, copyId: string, payoutCents: number) {
  await db.update(copies).set({ isCounted: true, payoutCents }).where(eq(copies.id, copyId));
}

/** One of several counter rows per flow, picked at random, so copies of a popular flow do not queue on one row. */
export async function bumpFlowCopyCount(db: Db, flowId: string) {
  await db.execute(sql`
    insert into flow_copy_counters as c (flow_id, shard, copies)
    values (${flowId}, floor(random() * ${FLOW_COUNTER_SHARDS})::int, 1)
    on conflict (flow_id, shard) do update set copies = c.copies + 1`);
}

/** Folds the sharded counters into flows.copy_count (what lists sort by). Idempotent: it sets, never adds. */
export async function refreshFlowCopyCounts(db: Db): Promise<number> {
  const result = await db.execute(sql`
    update flows f set copy_count = totals.copies
      from (select flow_id, sum(copies)::bigint as copies from flow_copy_counters group by flow_id) totals
     where f.id = totals.flow_id and f.copy_count <> totals.copies`);
  return (result as { rowCount?: number; affectedRows?: number }).rowCount ?? (result as { affectedRows?: number }).affectedRows ?? 0;
}

export async function findPeriodCounts(db: Db, billingPeriodId: string) {
  const [row] = await db
    .select({ copiesCount: billingPeriods.copiesCount, countedCopies: billingPeriods.countedCopies, periodEnd: billingPeriods.periodEnd })
    .from(billingPeriods)
    .where(eq(billingPeriods.id, billingPeriodId));
  return row;
}

export async function listCopiesOfPeriod(db: Db, userId: string, billingPeriodId: string | null) {
  return db
    .select({
      id: copies.id,
      copiedAt: copies.copiedAt,
      isCounted: copies.isCounted,
      payoutCents: copies.payoutCents,
      flowId: flows.id,
      flowSlug: flows.slug,
      flowTitle: flows.title,
    })
    .from(copies)
    .innerJoin(flows, eq(flows.id, copies.flowId))
    .where(and(eq(copies.userId, userId), billingPeriodId ? eq(copies.billingPeriodId, billingPeriodId) : isNull(copies.billingPeriodId)))
    .orderBy(desc(copies.copiedAt))
    .limit(500);
}
