import type { AppContext } from '../../context.js';
import type { Db } from '../../db/client.js';
import { NotFoundError } from '../../errors.js';
import type { Viewer } from '../auth/viewer.js';
import { creatorAccountBalance } from '../ledger/repository.js';
import { listCreatorPayouts, type PayoutRow, readPayoutState } from './repository.js';
import { connectStatusOf, withdrawalAvailability, withdrawalKeyFor } from './rules.js';
import type { PayoutSummary, PayoutView } from './schemas.js';

// The creator's view of their payouts (read-only; merged into GET /v1/creators/me/earnings by the creators module).

/** SPEC §10's default, for callers that have no configuration at hand. */
const DEFAULT_MIN_PAYOUT_CENTS = 1000;

export function toPayoutView(row: PayoutRow): PayoutView {
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
  const minPayoutCents = options.minPayoutCents ?? DEFAULT_MIN_PAYOUT_CENTS;
  const now = options.now ?? new Date();
  const [state, rows] = await Promise.all([readPayoutState(db, creatorId, withdrawalKeyFor(now)), listCreatorPayouts(db, creatorId, 50)]);
  if (!state) throw new NotFoundError('Your account');
  return {
    connect: { status: connectStatusOf(state), account_id: state.connectAccountId },
    payouts: rows.map(toPayoutView),
    ...withdrawalAvailability(state, minPayoutCents, now),
    payouts_paused: state.payoutsPaused,
    min_payout_cents: minPayoutCents,
  };
}

export async function getMyPayouts(ctx: AppContext, viewer: Viewer) {
  const summary = await getPayoutSummary(ctx.db, viewer.id, { minPayoutCents: ctx.config.minPayoutCents });
  return { ...summary, available_cents: await creatorAccountBalance(ctx.db, viewer.id, 'creator_available') };
}
