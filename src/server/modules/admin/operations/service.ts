import type { AppContext } from '../../../context.js';
import { type Db, inTransaction } from '../../../db/client.js';
import { NotFoundError } from '../../../errors.js';
import type { Viewer } from '../../auth/viewer.js';
import { creatorAccountBalance } from '../../ledger/repository.js';
import { PayoutInProgressError, PayoutsNotEnabledError, PayoutsPausedError } from '../../payouts/errors.js';
import { findOpenPayout, findPayout, findPayoutByRunKey, findPayoutCreator, lockPayableCreators, reservePayouts } from '../../payouts/repository.js';
import { type PayoutRunOptions, runPayouts, sendPayout } from '../../payouts/runs.js';
import type { PayoutLogger } from '../../payouts/sending.js';
import { StoredEventNotFoundError } from '../../webhooks/errors.js';
import { findEvent } from '../../webhooks/repository.js';
import { countDeadLetters, retryDeadEvent } from '../../webhooks/service.js';
import { recordAudit } from '../audit/service.js';
import { EventNotDeadError, NothingToRetryError, PayoutAlreadyRetriedError, PayoutNotFailedError } from './errors.js';
import { countPayouts, findPayoutWithCreator, listDeadLetters, listPayoutsWithCreator, type PayoutWithCreator } from './repository.js';
import type {
  AdminPayoutListQuery,
  AdminPayoutListView,
  AdminPayoutView,
  DeadLetterListQuery,
  DeadLetterListView,
  PayoutRetryView,
  WebhookRetryView,
} from './schemas.js';
import { pageOf } from '../paging.js';

// The console's operations area (SPEC §14): payouts (list, retry a failed one, run) and webhook dead letters (list,
// retry). The work itself is the payouts and webhooks modules'; this decides what an operator may ask and audits it.

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** The audit log's actor: an admin's id; null for the `flowtab` CLI's operator token (not an account). */
const actorOf = (viewer: Viewer) => (UUID.test(viewer.id) ? viewer.id : null);

// ---------------------------------------------------------------------------------------------------------------
// Payouts

export async function listPayouts(db: Db, query: AdminPayoutListQuery): Promise<AdminPayoutListView> {
  const offset = (query.page - 1) * query.page_size;
  const filter = { status: query.status };
  const [rows, total] = await Promise.all([listPayoutsWithCreator(db, filter, { limit: query.page_size, offset }), countPayouts(db, filter)]);
  return pageOf(rows.map(payoutViewOf), total, query);
}

/**
 * Retries a failed payout. Its money went back to the creator's available balance when it failed (the payout.failed
 * ledger entry), so a retry is a new payout of the available balance, reserved and sent now like a withdrawal. Its run
 * key `retry-<failed payout id>` is unique per creator, so a failed payout is retried at most once however often or
 * concurrently this is asked; the reservation moves the money out of available, so nothing is ever sent twice (a run
 * that already paid it leaves nothing available: 409). The reservation and the audit entry are one transaction; the
 * transfer is made after it (idempotency key: the new payout's id).
 */
export async function retryFailedPayout(
  ctx: AppContext,
  viewer: Viewer,
  payoutId: string,
  reason: string,
  log?: PayoutLogger,
): Promise<PayoutRetryView> {
  const failed = await findPayout(ctx.db, payoutId);
  if (!failed) throw new NotFoundError(`Payout ${payoutId}`);
  if (failed.status !== 'failed') throw new PayoutNotFailedError(failed.status);
  const runKey = `retry-${failed.id}`;
  const reserved = await inTransaction(ctx.db, async (tx) => {
    const locked = await lockPayableCreators(tx, [failed.creatorId], { skipLocked: false });
    const [payout] = await reservePayouts(tx, { creatorIds: locked, runKey, kind: failed.kind, minCents: ctx.config.minPayoutCents });
    if (!payout) return undefined;
    await recordAudit(tx, {
      actorId: actorOf(viewer),
      action: 'payout.retried',
      target: { type: 'payout', id: failed.id },
      before: { status: failed.status, amount_cents: failed.amountCents, failure_reason: failed.failureReason, attempts: failed.attempts },
      after: { retry_payout_id: payout.id, amount_cents: payout.amountCents, run_key: runKey },
      reason,
    });
    return payout;
  });
  if (!reserved) throw await whyNothingToRetry(ctx, failed.creatorId, runKey);
  log?.info({ event: 'payout.retry_requested', payout_id: reserved.id, retried_payout_id: failed.id, amount_cents: reserved.amountCents }, 'payout retry');
  await sendPayout(ctx, reserved.id, { log });
  return { retried: payoutViewOf((await findPayoutWithCreator(ctx.db, failed.id))!), payout: payoutViewOf((await findPayoutWithCreator(ctx.db, reserved.id))!) };
}

/** Nothing was reserved; says why (read only: the database decided). */
async function whyNothingToRetry(ctx: AppContext, creatorId: string, runKey: string): Promise<Error> {
  const retried = await findPayoutByRunKey(ctx.db, creatorId, runKey);
  if (retried) return new PayoutAlreadyRetriedError(retried.id);
  const open = await findOpenPayout(ctx.db, creatorId);
  if (open) return new PayoutInProgressError(open.id);
  const creator = await findPayoutCreator(ctx.db, creatorId);
  if (creator?.payoutsPaused) return new PayoutsPausedError();
  if (!creator?.payoutsEnabled || !creator.connectAccountId) return new PayoutsNotEnabledError(creator?.connectAccountId ? 'onboarding' : 'not_connected');
  const availableCents = await creatorAccountBalance(ctx.db, creatorId, 'creator_available');
  return new NothingToRetryError(
    `The creator’s available balance (${availableCents} cents) is below the minimum payout (${ctx.config.minPayoutCents} cents): ` +
      'the failed payout’s money was probably paid by a later run.',
    { available_cents: availableCents, min_payout_cents: ctx.config.minPayoutCents },
  );
}

/**
 * POST /v1/admin/payouts/run (and `flowtab payouts run` on a running development server): the usual run. A real run
 * is audited with its summary once it finished (a run is many transactions, so its entry is written at the end).
 */
export async function runPayoutsByHand(ctx: AppContext, viewer: Viewer, options: PayoutRunOptions & { reason?: string }) {
  const summary = await runPayouts(ctx, options);
  if (!summary.is_dry_run) {
    await inTransaction(ctx.db, (tx) =>
      recordAudit(tx, {
        actorId: actorOf(viewer),
        action: 'payouts.run',
        target: { type: 'payout', id: summary.run_key },
        after: summary,
        reason: options.reason || (actorOf(viewer) ? 'payout run from the console' : 'payout run from the flowtab CLI'),
      }),
    );
  }
  return summary;
}

function payoutViewOf(row: PayoutWithCreator): AdminPayoutView {
  return {
    id: row.id,
    creator: row.creator,
    amount_cents: row.amountCents,
    kind: row.kind,
    status: row.status,
    failure_reason: row.failureReason,
    attempts: row.attempts,
    stripe_transfer_id: row.stripeTransferId,
    destination_account_id: row.destinationAccountId,
    reversed_cents: row.reversedCents,
    created_at: row.createdAt.toISOString(),
    paid_at: row.paidAt?.toISOString() ?? null,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Webhooks

export async function listDeadWebhooks(db: Db, query: DeadLetterListQuery): Promise<DeadLetterListView> {
  const offset = (query.page - 1) * query.page_size;
  const [rows, total] = await Promise.all([listDeadLetters(db, { limit: query.page_size, offset }), countDeadLetters(db)]);
  return pageOf(
    rows.map((row) => ({
      id: row.id,
      type: row.type,
      object_id: row.objectId,
      attempts: row.attempts,
      last_error: row.lastError,
      dead_at: row.deadAt?.toISOString() ?? null,
      received_at: row.receivedAt.toISOString(),
    })),
    total,
    query,
  );
}

/**
 * Retries a dead letter by hand: processed now from the current Stripe objects (webhooks' retryDeadEvent, which calls
 * Stripe before its transaction), audited with its outcome inside the transaction that settles the event.
 */
export async function retryDeadWebhook(ctx: AppContext, viewer: Viewer, eventId: string, reason: string): Promise<WebhookRetryView> {
  const stored = await findEvent(ctx.db, eventId);
  if (!stored) throw new StoredEventNotFoundError(eventId);
  if (stored.processedAt) throw new EventNotDeadError(eventId, 'processed');
  if (!stored.deadAt) throw new EventNotDeadError(eventId, 'pending');
  const result = await retryDeadEvent(ctx, eventId, {
    onSettled: (tx, settled) =>
      recordAudit(tx, {
        actorId: actorOf(viewer),
        action: 'webhook.retried',
        target: { type: 'webhook_event', id: eventId },
        before: { type: stored.type, attempts: stored.attempts, last_error: stored.lastError, dead_at: stored.deadAt?.toISOString() ?? null },
        after: {
          outcome: settled.outcome,
          attempts: settled.attempts ?? null,
          is_dead: settled.isDead ?? false,
          error: settled.error instanceof Error ? settled.error.message : null,
        },
        reason,
      }),
  });
  return { id: eventId, type: result.type, outcome: result.outcome, attempts: result.attempts, is_dead: result.isDead, error: result.error ?? null };
}
