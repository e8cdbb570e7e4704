import type { Db, Tx } from '../../db/client.js';
import { AccountSuspendedError, SessionEndedError } from '../../errors.js';
import type { SessionClaims, Viewer } from '../auth/viewer.js';
import { FlowNotFoundError } from '../flows/errors.js';
import { type Economics, paidCopiesRemaining } from '../ledger/money.js';
import { findCurrentBillingPeriod } from '../periods/repository.js';
import { findLatestSubscription } from '../subscriptions/repository.js';
import { isGoodStanding, isLapsed } from '../subscriptions/standing.js';
import {
  AlreadyCopiedError,
  type CopyCounts,
  CopyLimitError,
  CopyRateLimitError,
  SubscriptionPastDueError,
  SubscriptionRequiredError,
} from './errors.js';
import type { CopyRecorder } from './recorder.js';
import { type CopyRecord, listCopiesOfPeriod, spreadCopiesOfPeriod } from './repository.js';
import type { CopyView } from './schemas.js';

function countsOf(copiesCount: number, countedCopies: number, periodEnd: Date | null, economics: Economics): CopyCounts {
  return {
    copies_this_month: copiesCount,
    copies_remaining: paidCopiesRemaining(economics, countedCopies),
    period_end: periodEnd?.toISOString() ?? null,
  };
}

/**
 * POST /flows/{ref}/copy (SPEC §4): one atomic database call, which also checks the session and the rate limit, then
 * its outcome as a response or a typed error.
 *
 * It changes data yet takes a recorder, not a `Tx`: `record_copy` is one statement, atomic on its own and taking its
 * own row locks, and the copy is the hot path, kept to ONE round trip — shared with other copies when the recorder
 * batches them (AppContext.copyRecorder). A transaction around it would add BEGIN and COMMIT round trips and protect
 * nothing. A caller that has a transaction open records through createCopyRecorder(tx, ...).
 */
export async function recordCopy(recorder: CopyRecorder, session: SessionClaims, ref: string): Promise<CopyView> {
  const { economics } = recorder.limits;
  const record = await recorder.record({ userId: session.userId, sessionId: session.sessionId, flowRef: ref });
  const counts = countsOf(record.copiesCount, record.countedCopies, record.periodEnd, economics);
  switch (record.outcome) {
    case 'session_ended':
      throw new SessionEndedError();
    case 'suspended':
      throw new AccountSuspendedError();
    case 'rate_limited':
      throw new CopyRateLimitError(record.retryAt!);
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

/** For the demo seed: the period's copies dated over its first `days`, instead of all at the seeding's moment. */
export async function backdateCopiesOfPeriod(tx: Tx, billingPeriodId: string, periodStart: Date, days: number): Promise<void> {
  await spreadCopiesOfPeriod(tx, billingPeriodId, periodStart, days);
}
