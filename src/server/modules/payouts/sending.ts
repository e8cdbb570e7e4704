import type { Tx } from '../../db/client.js';
import type { Stripe, StripeGateway } from '../../integrations/stripe/client.js';
import { type RateLimitGate, type RateLimitWait, withRateLimitBackoff } from '../../integrations/stripe/rate-limit.js';
import { enqueuePayoutFailedEmail, enqueuePayoutSentEmail } from '../email/service.js';
import { postLedgerTransaction } from '../ledger/repository.js';
import { findPayout, markPayoutFailed, markPayoutPaid, type PayoutRow, raiseReversedCents, unmarkPayoutEarnings } from './repository.js';
import { classifyStripeFailure } from './rules.js';

// Sending one payout, in steps: claim (runs.ts), the transfer at Stripe with no transaction open (`requestTransfer`),
// then settling it in a transaction of its own (`settlePaidPayout`, `settleFailedPayout`). The caller that owns the
// units of work (runs.ts, `sendPayout`) opens each transaction; nothing here opens one. Also the reversals of
// transfers (`transfer.reversed`).

export type PayoutLogger = { info(fields: object, message: string): void; warn(fields: object, message: string): void };
export const silentLogger: PayoutLogger = { info() {}, warn() {} };

/** How long a sending attempt owns a processing payout before another process may retry it (same idempotency key). */
export const PROCESSING_LEASE_MS = 2 * 60_000;
/** How long one payout waits on Stripe's rate limit before it is left processing for a later attempt (within the lease). */
const RATE_LIMIT_DEADLINE_MS = PROCESSING_LEASE_MS / 2;

export type SendOutcome = 'paid' | 'failed' | 'processing' | 'skipped';

/** Stripe's rate limit while sending: the calls of one run slow down together (`gate`) and report their waits. */
export type PayoutRateLimit = { gate?: RateLimitGate; onWait?: (wait: RateLimitWait) => void; deadlineMs?: number };

/**
 * What Stripe said about a claimed payout's transfer. `transfer`: it exists (made now or by an earlier attempt).
 * `rejected`: transfers.create was refused, so there is no transfer. `unclear`: no clear answer (5xx, timeout, a
 * rate limit past the deadline, or a failed lookup) — it may exist; a later attempt asks again with the same key.
 */
export type TransferAnswer =
  | { outcome: 'transfer'; transfer: Stripe.Transfer }
  | { outcome: 'rejected'; reason: string }
  | { outcome: 'unclear'; reason: string };

/**
 * Call with no transaction open. The idempotency key is the payout id, so a crash after Stripe answered and before
 * we committed is repaired by the next attempt getting the same transfer. A 429 (Stripe's rate limit) is waited out
 * with backoff and the same key (a refused request did nothing); past the deadline it is unclear.
 */
export async function requestTransfer(stripe: StripeGateway, claimed: PayoutRow, rateLimit: PayoutRateLimit = {}): Promise<TransferAnswer> {
  let transfer: Stripe.Transfer | undefined;
  let isLookingUp = claimed.attempts > 1;
  const backoff = { gate: rateLimit.gate, onWait: rateLimit.onWait, deadlineMs: rateLimit.deadlineMs ?? RATE_LIMIT_DEADLINE_MS };
  try {
    // A later attempt first looks for a transfer an earlier one made: idempotency keys expire after a day, groups do not.
    if (isLookingUp) transfer = await withRateLimitBackoff(() => stripe.findTransferOfPayout(claimed.id), backoff);
    isLookingUp = false;
    // Each call builds the same idempotency key, `payout-<id>`: however often it is refused and sent again, one transfer.
    transfer ??= await withRateLimitBackoff(
      () =>
        stripe.createTransfer({
          payoutId: claimed.id,
          creatorId: claimed.creatorId,
          amountCents: claimed.amountCents,
          currency: claimed.currency,
          destination: claimed.destinationAccountId,
        }),
      backoff,
    );
    return { outcome: 'transfer', transfer };
  } catch (error) {
    const failure = classifyStripeFailure(error);
    // Only a refused transfers.create proves there is no transfer; a failed lookup proves nothing.
    return failure.outcome === 'rejected' && !isLookingUp ? { outcome: 'rejected', reason: failure.reason } : { outcome: 'unclear', reason: failure.reason };
  }
}

/** in_transit → paid, once (conditional UPDATE plus the ledger key); the creator's mail is queued in the same transaction. */
export async function settlePaidPayout(tx: Tx, payoutId: string, transferId: string): Promise<PayoutRow | undefined> {
  const row = await markPayoutPaid(tx, payoutId, transferId);
  if (!row) return undefined;
  await postLedgerTransaction(tx, {
    kind: 'payout.paid',
    key: `payout-paid-${row.id}`,
    payoutId: row.id,
    entries: [
      { account: 'creator_in_transit', creatorId: row.creatorId, amountCents: -row.amountCents },
      { account: 'creator_paid', creatorId: row.creatorId, amountCents: row.amountCents },
    ],
  });
  await enqueuePayoutSentEmail(tx, row);
  return row;
}

/** in_transit → available, once; its earnings rows are available again; the creator is told. The next run pays it with a new payout. */
export async function settleFailedPayout(tx: Tx, claimed: PayoutRow, reason: string): Promise<PayoutRow | undefined> {
  const row = await markPayoutFailed(tx, claimed, reason);
  if (!row) return undefined;
  await postLedgerTransaction(tx, {
    kind: 'payout.failed',
    key: `payout-failed-${row.id}`,
    payoutId: row.id,
    entries: [
      { account: 'creator_in_transit', creatorId: row.creatorId, amountCents: -row.amountCents },
      { account: 'creator_available', creatorId: row.creatorId, amountCents: row.amountCents },
    ],
  });
  await unmarkPayoutEarnings(tx, row.id);
  await enqueuePayoutFailedEmail(tx, row, reason);
  return row;
}

// ---------------------------------------------------------------------------------------------------------------
// Transfer reversals (`transfer.reversed`)

/**
 * `transfer.reversed`: re-fetches the transfer, then applies it (`applyTransferReversals`). The caller holds the
 * transaction; a caller that must not call Stripe under its locks fetches first and calls `applyTransferReversals`.
 */
export async function syncTransferReversals(tx: Tx, stripe: StripeGateway, transferId: string) {
  await applyTransferReversals(tx, await stripe.retrieveTransfer(transferId));
}

/**
 * From the fetched transfer, the payout's reversed total rises to Stripe's; the added amount leaves creator_paid and
 * comes back to creator_available (a reversal that recovers a negative balance brings it back toward zero). Replays
 * and out-of-order deliveries add nothing twice. Locks the payout row (in `raiseReversedCents`).
 */
export async function applyTransferReversals(tx: Tx, transfer: Stripe.Transfer) {
  const payoutId = transfer.transfer_group?.startsWith('payout-') ? transfer.transfer_group.slice('payout-'.length) : transfer.metadata?.payout_id;
  if (!payoutId || !/^[0-9a-f-]{36}$/i.test(payoutId)) return; // not one of our payouts
  const payout = await findPayout(tx, payoutId);
  if (!payout) return;
  if (payout.status !== 'paid') throw new Error(`payout ${payout.id} is ${payout.status}: the reversal waits until it is settled`);
  const raised = await raiseReversedCents(tx, payout.id, transfer.amount_reversed);
  if (!raised || raised.addedCents <= 0) return;
  await postLedgerTransaction(tx, {
    kind: 'payout.reversed',
    key: `payout-reversed-${payout.id}-${transfer.amount_reversed}`,
    payoutId: payout.id,
    entries: [
      { account: 'creator_paid', creatorId: payout.creatorId, amountCents: -raised.addedCents },
      { account: 'creator_available', creatorId: payout.creatorId, amountCents: raised.addedCents },
    ],
  });
}

