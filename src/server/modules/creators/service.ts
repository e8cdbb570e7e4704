import type { Db } from '../../db/client.js';
import type { Viewer } from '../auth/viewer.js';
import { creatorBalances } from '../ledger/repository.js';
import { getPayoutSummary } from '../payouts/summary.js';
import { flowStats, monthlyEarnings } from './repository.js';

/** A creator's balances are sums of their ledger entries, with their payouts and Connect status; only the caller's own. */
export async function getEarnings(db: Db, viewer: Viewer, options: { minPayoutCents: number }) {
  const [balances, monthly, payoutSummary] = await Promise.all([
    creatorBalances(db, viewer.id),
    monthlyEarnings(db, viewer.id),
    getPayoutSummary(db, viewer.id, options),
  ]);
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
    monthly_earnings: monthly,
    ...payoutSummary,
  };
}

export async function getCreatorFlows(db: Db, viewer: Viewer) {
  return { items: await flowStats(db, viewer.id) };
}
