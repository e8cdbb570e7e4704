import { and, desc, eq, isNull, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { rowsOf } from '../../db/rows.js';
import { copies, FLOW_COUNTER_SHARDS, flows } from '../../db/schema.js';
import type { Economics } from '../ledger/money.js';

export type CopyOutcome =
  | 'session_ended'
  | 'suspended'
  | 'rate_limited'
  | 'not_found'
  | 'subscription_required'
  | 'free'
  | 'duplicate'
  | 'limit'
  | 'recorded';

export type CopyRecord = {
  outcome: CopyOutcome;
  copyId: string | null;
  flowId: string | null;
  copiedAt: Date | null;
  copiesCount: number;
  countedCopies: number;
  isCounted: boolean;
  periodEnd: Date | null;
  body: string | null;
  subscriptionStatus: string | null;
  /** When a rate-limited member may copy again. */
  retryAt: Date | null;
};

/** One member's copy of one flow (by id or slug), in the session the request came with. */
export type CopyRequest = { userId: string; sessionId: string; flowRef: string };

/** What every copy of a process is recorded under: the economics and the per-member copies a minute. */
export type CopyLimits = { economics: Economics; copiesPerMinute: number };

/**
 * The whole copy in one statement: `record_copy` (src/server/db/functions/record_copy.sql, the authority for the
 * copy's money rules) checks the session and the per-minute rate limit, looks up the flow and the subscriber's period,
 * dedupes on the unique key, advances the locked period row (fair-use limit, paid cap, pool), credits the creator
 * with its ledger entries and bumps a counter shard — atomically, in one round trip.
 */
export async function recordCopyAtomically(db: Db, copy: CopyRequest, limits: CopyLimits): Promise<CopyRecord> {
  const result = await db.execute(sql`
    select * from record_copy(${copy.sessionId}::uuid, ${copy.userId}::uuid, ${copy.flowRef}, ${limitArguments(limits)})`);
  return toCopyRecord(rowsOf<Record<string, unknown>>(result)[0]!);
}

/**
 * Many copies in one statement, so one transaction and one commit: `record_copies`, the same rules as record_copy,
 * each copy's outcome its own. Answers in the order of `copies`. An error (any copy's) fails them all.
 */
export async function recordCopiesAtomically(db: Db, copies: readonly CopyRequest[], limits: CopyLimits): Promise<CopyRecord[]> {
  // Arrays as single parameters (drizzle would spread a plain JS array into a list).
  const sessionIds = sql.param(copies.map((copy) => copy.sessionId));
  const userIds = sql.param(copies.map((copy) => copy.userId));
  const flowRefs = sql.param(copies.map((copy) => copy.flowRef));
  const result = await db.execute(sql`
    select * from record_copies(${sessionIds}::uuid[], ${userIds}::uuid[], ${flowRefs}::text[], ${limitArguments(limits)})`);
  const records: CopyRecord[] = [];
  for (const row of rowsOf<Record<string, unknown>>(result)) records[Number(row.item) - 1] = toCopyRecord(row);
  return records;
}

function limitArguments({ economics, copiesPerMinute }: CopyLimits) {
  return sql`${economics.ratePerCopyCents}::bigint, ${economics.paidCopiesPerPeriod}::int, ${economics.creatorSharePercent}::int,
    ${economics.copyLimitPerPeriod}::int, ${FLOW_COUNTER_SHARDS}::int, ${copiesPerMinute}::int`;
}

function toCopyRecord(row: Record<string, unknown>): CopyRecord {
  const toDate = (value: unknown) => (value === null || value === undefined ? null : new Date(value as string));
  return {
    outcome: row.outcome as CopyOutcome,
    copyId: row.copy_id as string | null,
    flowId: row.flow_id as string | null,
    copiedAt: toDate(row.copied_at),
    copiesCount: Number(row.copies_count),
    countedCopies: Number(row.counted_copies),
    isCounted: row.is_counted === true,
    periodEnd: toDate(row.period_end),
    body: row.body as string | null,
    subscriptionStatus: row.subscription_status as string | null,
    retryAt: toDate(row.retry_at),
  };
}

/** Flows a statement of refreshFlowCopyCounts rewrites at most: the row locks it holds last a fraction of a second. */
const COPY_COUNT_BATCH = 1_000;
type CopyCountBatch = { last: string | null; refreshed: number };

/**
 * Folds the sharded counters into flows.copy_count (what lists sort by), COPY_COUNT_BATCH flows at a time in id order,
 * each batch its own statement. Idempotent: it sets, never adds; two runs at once take the same rows in the same
 * order, so one waits for the other and finds nothing left to change. A flow rewritten here is entered again in every
 * index of `flows`, the full-text ones included: on bench:search's 100,000 flows, refreshing 56,030 of them in one
 * statement took 16–23 s and wrote 1.1 GB of WAL, and held each of those rows locked until the end (a like or an edit
 * of any of them waited as long).
 */
export async function refreshFlowCopyCounts(db: Db, { batchSize = COPY_COUNT_BATCH } = {}): Promise<number> {
  let refreshed = 0;
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const [batch]: CopyCountBatch[] = rowsOf<CopyCountBatch>(
      await db.execute(sql`
        with batch as (
          select flow_id, sum(copies)::bigint as copies
            from flow_copy_counters
           where flow_id > ${after}::uuid
           group by flow_id
           order by flow_id
           limit ${batchSize}),
        refreshed as (
          update flows f set copy_count = b.copies from batch b where f.id = b.flow_id and f.copy_count <> b.copies returning 1)
        select (select flow_id from batch order by flow_id desc limit 1) as last, (select count(*)::int from refreshed) as refreshed`),
    );
    refreshed += Number(batch?.refreshed ?? 0);
    if (!batch?.last) return refreshed;
    after = batch.last;
  }
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

/** Demo history (the seed): spreads the period's copies at random over `days` from `from`, as if made over the month. */
export async function spreadCopiesOfPeriod(db: Db, billingPeriodId: string, from: Date, days: number): Promise<void> {
  await db.execute(sql`update copies set copied_at = ${from}::timestamptz + random() * (${days}::int * interval '1 day')
    where billing_period_id = ${billingPeriodId}`);
}
