import type { Db } from '../../db/client.js';
import type { Viewer } from '../../http/viewer.js';
import { FlowNotFoundError } from '../flows/errors.js';
import type { Economics } from '../ledger/money.js';
import { findCurrentBillingPeriod, findLatestSubscription } from '../subscriptions/repository.js';
import { isGoodStanding, isLapsed } from '../subscriptions/standing.js';
import { AlreadyCopiedError, type CopyCounts, CopyLimitError, SubscriptionPastDueError, SubscriptionRequiredError } from './errors.js';
import { type CopyRecord, listCopiesOfPeriod, recordCopyAtomically } from './repository.js';
import type { CopyView } from './schemas.js';

function countsOf(copiesCount: number, countedCopies: number, periodEnd: Date | null, economics: Economics): CopyCounts {
  return {
    copies_this_month: copiesCount,
    copies_remaining: Math.max(0, economics.paidCopiesPerPeriod - countedCopies),
    period_end: periodEnd?.toISOString() ?? null,
  };
}

/** POST /flows/{ref}/copy (SPEC §4): one atomic database call, then its outcome as a response or a typed error. */
export async function recordCopy(db: Db, viewer: Viewer, ref: string, economics: Economics): Promise<CopyView> {
  const record = await recordCopyAtomically(db, { userId: viewer.id, flowRef: ref, isAdmin: viewer.role === 'admin', economics });
  const counts = countsOf(record.copiesCount, record.countedCopies, record.periodEnd, economics);
  switch (record.outcome) {
    case 'not_found':
      throw new FlowNotFoundError();
    case 'subscription_required':
      if (record.subscriptionStatus && isLapsed(record.subscriptionStatus)) throw new SubscriptionPastDueError(record.subscriptionStatus);
      throw new SubscriptionRequiredError();
    case 'duplicate':
      throw new AlreadyCopiedError({ ...counts, text: record.body!, flow_id: record.flowId! });
    case 'limit':
      throw new CopyLimitError(counts);
    case 'free':
      // A member without a subscription copying a free flow (or their own): recorded, never counted, no period.
      return toCopyView(record, { ...counts, copies_remaining: 0 }, economics);
    case 'recorded':
      return toCopyView(record, counts, economics);
  }
}

function toCopyView(record: CopyRecord, counts: CopyCounts, economics: Economics): CopyView {
  return {
    id: record.copyId!,
    flow_id: record.flowId!,
    copied_at: record.copiedAt!.toISOString(),
    ...counts,
    payout_earned: record.isCounted ? economics.ratePerCopyCents : 0,
    counted_for_payout: record.isCounted,
    text: record.body!,
  };
}

export async function listMyCopies(db: Db, viewer: Viewer) {
  const subscription = await findLatestSubscription(db, viewer.id);
  const period = subscription && isGoodStanding(subscription.status) ? await findCurrentBillingPeriod(db, subscription) : undefined;
  const rows = await listCopiesOfPeriod(db, viewer.id, period?.id ?? null);
  return {
    period_start: period?.periodStart.toISOString() ?? null,
    period_end: period?.periodEnd.toISOString() ?? null,
    items: rows.map((row) => ({
      id: row.id,
      copied_at: row.copiedAt.toISOString(),
      counted_for_payout: row.isCounted,
      payout_earned: row.payoutCents,
      flow: { id: row.flowId, slug: row.flowSlug, title: row.flowTitle },
    })),
  };
}
