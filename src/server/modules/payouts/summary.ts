import type { AppContext } from '../../context.js';
import type { Db } from '../../db/client.js';
import { NotFoundError } from '../../errors.js';
import type { Viewer } from '../auth/viewer.js';
import { creatorAccountBalance } from '../ledger/repository.js';
import { LISTED_PAYOUTS, type ListedPayout, listCreatorPayouts, type PayoutState, readPayoutState } from './repository.js';
import { connectStatusOf, withdrawalAvailability, withdrawalKeyFor } from './rules.js';
import type { PayoutSummary, PayoutView } from './schemas.js';

// The creator's view of their payouts (read-only; merged into GET /v1/creators/me/earnings by the creators module).

/** SPEC §10's default, for callers that have no configuration at hand. */
const DEFAULT_MIN_PAYOUT_CENTS = 1000;

export function toPayoutView(row: ListedPayout): PayoutView {
  return {
    id: row.id,
    amount_cents: row.amountCents,
    currency: row.currency,
    status: row.status,
    kind: row.kind,
    created_at: row.createdAt.toISOString(),
    paid_at: row.paidAt?.toISOString() ?? null,
    failure_reason: row.status === 'failed' ? row.failureReason : null,
    reversed_cents: row.reversedCents,
    stripe_transfer_id: row.stripeTransferId,
  };
}

export async function getPayoutSummary(
  db: Db,
  creatorId: string,
  options: { minPayoutCents?: number; now?: Date } = {},
): Promise<PayoutSummary> {
  const now = options.now ?? new Date();
  const [state, rows] = await Promise.all([readPayoutState(db, creatorId, withdrawalKeyFor(now)), listCreatorPayouts(db, creatorId, LISTED_PAYOUTS)]);
  if (!state) throw new NotFoundError('Your account');
  return summarizePayouts(state, rows, { minPayoutCents: options.minPayoutCents, now });
}

/** The summary from what was read: `state` read with the withdrawal key of `now` (withdrawalKeyFor). */
export function summarizePayouts(state: PayoutState, rows: ListedPayout[], options: { minPayoutCents?: number; now: Date }): PayoutSummary {
  const minPayoutCents = options.minPayoutCents ?? DEFAULT_MIN_PAYOUT_CENTS;
  return {
    connect: { status: connectStatusOf(state), account_id: state.connectAccountId },
    payouts: rows.map(toPayoutView),
    ...withdrawalAvailability(state, minPayoutCents, options.now),
    payouts_paused: state.payoutsPaused,
    min_payout_cents: minPayoutCents,
  };
}

export async function getMyPayouts(ctx: AppContext, viewer: Viewer) {
  const summary = await getPayoutSummary(ctx.db, viewer.id, { minPayoutCents: ctx.config.minPayoutCents });
  return { ...summary, available_cents: await creatorAccountBalance(ctx.db, viewer.id, 'creator_available') };
}
