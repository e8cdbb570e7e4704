import { type Db, inTransaction, type Tx } from '../../db/client.js';
import { lockBillingPeriod } from '../periods/repository.js';
import {
  accountForState,
  postLedgerTransaction,
  reapplyEarningsFactor,
  releaseDueEarnings,
  transitionEarnings,
} from './repository.js';

/** The period's invoice is paid: its pending earnings start their hold. Safe to call twice. */
export async function holdPeriodEarnings(db: Tx, billingPeriodId: string) {
  for (const moved of await transitionEarnings(db, billingPeriodId, 'pending', 'held')) {
    await postLedgerTransaction(db, {
      kind: 'earnings.held',
      key: `held:${billingPeriodId}:${moved.creatorId}`,
      billingPeriodId,
      entries: [
        { account: 'creator_pending', creatorId: moved.creatorId, amountCents: -moved.netCents },
        { account: 'creator_held', creatorId: moved.creatorId, amountCents: moved.netCents },
      ],
    });
  }
}

/** The period's invoice will never be paid: its pending earnings are voided. Safe to call twice. */
export async function voidPeriodEarnings(db: Tx, billingPeriodId: string) {
  for (const moved of await transitionEarnings(db, billingPeriodId, 'pending', 'void')) {
    await postLedgerTransaction(db, {
      kind: 'earnings.voided',
      key: `void:${billingPeriodId}:${moved.creatorId}`,
      billingPeriodId,
      entries: [
        { account: 'creator_pending', creatorId: moved.creatorId, amountCents: -moved.netCents },
        { account: 'platform_creator_expense', amountCents: moved.netCents },
      ],
    });
  }
}

/**
 * After the period's pool changed (refund, dispute opened or won, a different invoice total), every creator's net
 * from it becomes `period_net_cents` of its gross (the rule record_copy applies too): reversals come out of whatever
 * state the money is in (paid-out money out of the available balance, which may go negative); a won dispute
 * restores. Recomputing makes it idempotent.
 */
export async function rebalancePeriodEarnings(db: Tx, billingPeriodId: string, sharePercent: number) {
  const period = await lockBillingPeriod(db, billingPeriodId);
  if (!period) return;
  for (const change of await reapplyEarningsFactor(db, billingPeriodId, sharePercent)) {
    const account = accountForState(change.state);
    if (!account) continue;
    await postLedgerTransaction(db, {
      kind: change.deltaCents < 0 ? 'earnings.reversed' : 'earnings.restored',
      billingPeriodId,
      entries: [
        { account, creatorId: change.creatorId, amountCents: change.deltaCents },
        { account: 'platform_creator_expense', amountCents: -change.deltaCents },
      ],
    });
  }
}

/** Held earnings past their hold become available. Idempotent and safe in two processes (row locks, skip locked). */
export async function releaseHeldEarnings(db: Tx, input: { asOf: Date; holdDays: number; batchSize?: number }): Promise<number> {
  const released = await releaseDueEarnings(db, input.asOf, input.holdDays, input.batchSize ?? 1000);
  for (const row of released) {
    await postLedgerTransaction(db, {
      kind: 'earnings.released',
      key: `released:${row.billingPeriodId}:${row.creatorId}`,
      billingPeriodId: row.billingPeriodId,
      entries: [
        { account: 'creator_held', creatorId: row.creatorId, amountCents: -row.netCents },
        { account: 'creator_available', creatorId: row.creatorId, amountCents: row.netCents },
      ],
    });
  }
  return released.length;
}

/**
 * Everything past its hold as of `asOf`, in batches of `releaseHeldEarnings`, each its own transaction (a long release
 * never holds one transaction open). Used by the `earnings.release` job, the payout run and `flowtab earnings release`.
 */
export async function releaseAllHeldEarnings(db: Db, input: { asOf: Date; holdDays: number; onBatch?: (releasedSoFar: number) => void }): Promise<number> {
  let total = 0;
  for (let released = -1; released !== 0; ) {
    released = await inTransaction(db, (tx) => releaseHeldEarnings(tx, { asOf: input.asOf, holdDays: input.holdDays }));
    total += released;
    input.onBatch?.(total);
  }
  return total;
}
