import type { Db } from '../../db/client.js';
import type { Viewer } from '../../http/viewer.js';
import { FlowNotFoundError } from '../flows/errors.js';
import { findFlowByRef } from '../flows/repository.js';
import { earningsFactor, type Economics } from '../ledger/money.js';
import { creditCopyEarning } from '../ledger/service.js';
import { ensureBillingPeriod, findCurrentBillingPeriod, findLatestSubscription } from '../subscriptions/repository.js';
import { isGoodStanding } from '../subscriptions/standing.js';
import { AlreadyCopiedError, type CopyCounts, CopyLimitError, SubscriptionPastDueError, SubscriptionRequiredError } from './errors.js';
import { advancePeriodCounters, bumpFlowCopyCount, findPeriodCounts, insertCopy, listCopiesOfPeriod, markCopyCounted } from './repository.js';
import type { CopyView } from './schemas.js';

function countsOf(copiesCount: number, countedCopies: number, periodEnd: Date | null, economics: Economics): CopyCounts {
  return {
    copies_this_month: copiesCount,
    copies_remaining: Math.max(0, economics.paidCopiesPerPeriod - countedCopies),
    period_end: periodEnd?.toISOString() ?? null,
  };
}

/** The subscriber's current billing period, created on first use if the webhooks have not made it yet. */
async function currentPeriodOf(db: Db, userId: string) {
  const subscription = await findLatestSubscription(db, userId);
  if (!subscription || !isGoodStanding(subscription.status)) return { subscription, period: undefined };
  const period = await ensureBillingPeriod(db, {
    subscriptionId: subscription.id,
    userId,
    periodStart: subscription.currentPeriodStart,
    periodEnd: subscription.currentPeriodEnd,
    basisCents: subscription.planAmountCents,
  });
  return { subscription, period };
}

/**
 * POST /flows/{ref}/copy (SPEC §4), inside the caller's transaction: dedupe by the unique key, the fair-use limit and
 * the paid cap by one conditional UPDATE, the earning and its ledger entries — all or nothing.
 */
export async function recordCopy(db: Db, viewer: Viewer, ref: string, economics: Economics): Promise<CopyView> {
  const flow = await findFlowByRef(db, ref);
  if (!flow || flow.status !== 'published') throw new FlowNotFoundError();
  const { subscription, period } = await currentPeriodOf(db, viewer.id);

  if (!period) {
    if (flow.isPremium && viewer.id !== flow.authorId && viewer.role !== 'admin') {
      if (subscription && ['past_due', 'unpaid', 'paused', 'incomplete'].includes(subscription.status)) {
        throw new SubscriptionPastDueError(subscription.status);
      }
      throw new SubscriptionRequiredError();
    }
    // A member without a subscription copying a free flow (or their own): recorded, never counted, no period.
    const copy = await insertCopy(db, { userId: viewer.id, flowId: flow.id, creatorId: flow.authorId, billingPeriodId: null });
    await bumpFlowCopyCount(db, flow.id);
    return {
      id: copy!.id,
      flow_id: flow.id,
      copied_at: copy!.copiedAt.toISOString(),
      ...countsOf(0, economics.paidCopiesPerPeriod, null, economics),
      copies_remaining: 0,
      payout_earned: 0,
      counted_for_payout: false,
      text: flow.body,
    };
  }

  const copy = await insertCopy(db, { userId: viewer.id, flowId: flow.id, creatorId: flow.authorId, billingPeriodId: period.id });
  if (!copy) {
    const counts = await findPeriodCounts(db, period.id);
    throw new AlreadyCopiedError({
      ...countsOf(counts!.copiesCount, counts!.countedCopies, counts!.periodEnd, economics),
      text: flow.body,
      flow_id: flow.id,
    });
  }

  const isEligible = flow.isPremium && viewer.id !== flow.authorId;
  const counters = await advancePeriodCounters(db, { billingPeriodId: period.id, isEligible, economics });
  if (!counters) {
    const counts = await findPeriodCounts(db, period.id);
    // Thrown inside the transaction: the copy inserted above is rolled back with it.
    throw new CopyLimitError(countsOf(counts!.copiesCount, counts!.countedCopies, counts!.periodEnd, economics));
  }
  if (counters.isCounted) {
    await markCopyCounted(db, copy.id, economics.ratePerCopyCents);
    await creditCopyEarning(db, {
      copyId: copy.id,
      creatorId: flow.authorId,
      billingPeriodId: period.id,
      periodIsPaid: counters.status === 'paid',
      rateCents: economics.ratePerCopyCents,
      factor: earningsFactor(counters, economics.creatorSharePercent),
    });
  }
  await bumpFlowCopyCount(db, flow.id);
  return {
    id: copy.id,
    flow_id: flow.id,
    copied_at: copy.copiedAt.toISOString(),
    ...countsOf(counters.copiesCount, counters.countedCopies, counters.periodEnd, economics),
    payout_earned: counters.isCounted ? economics.ratePerCopyCents : 0,
    counted_for_payout: counters.isCounted,
    text: flow.body,
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
