import { randomUUID } from 'node:crypto';
import type { AppContext } from '../../../context.js';
import { type Db, inTransaction } from '../../../db/client.js';
import { NotFoundError } from '../../../errors.js';
import type { Stripe, StripeGateway } from '../../../integrations/stripe/client.js';
import type { Viewer } from '../../auth/viewer.js';
import { classifyStripeFailure } from '../../payouts/rules.js';
import { recordAudit } from '../audit/service.js';
import { IdempotencyKeyReusedError, InvoiceNotRefundableError, RefundExceedsRefundableError, RefundRefusedError } from './errors.js';
import {
  type AdminRefundFilter,
  type AdminRefundRow,
  type AdminRefundWithPeople,
  countAdminRefunds,
  findAdminRefundByKey,
  findAdminRefundWithPeople,
  findInvoiceToRefund,
  insertAdminRefund,
  listAdminRefunds,
  markAdminRefundFailed,
  markAdminRefundSucceeded,
} from './repository.js';
import type { AdminRefundListQuery, AdminRefundListView, AdminRefundView } from './schemas.js';
import { pageOf } from '../paging.js';

// Refunds from the operator console (SPEC §14). In three steps, so that no Stripe call is made with a transaction
// open: (1) the request row (pending) and its audit entry in one transaction; (2) refunds.create at Stripe with the
// key `admin-refund-<id>`; (3) the row settled (succeeded + the Stripe refund id, or failed) in a second transaction.
// A crash between (1) and (3) leaves a pending row that a retry with the same Idempotency-Key finishes: Stripe's
// idempotency key (and, past its 24 hours, the refund's metadata) makes that safe; without a key, the refund's own
// webhook settles it (its metadata names the row: subscriptions' applyChargeState). The ledger is not touched here: the
// refund's `charge.refunded` webhook reverses the period's earnings as for any refund.

export type AdminRefundInput = { invoiceId: string; amountCents: number | undefined; reason: string; idempotencyKey: string | undefined };

/** 201: refunded; 202: Stripe gave no clear answer yet (pending: the same key finishes it). A refusal is a 409. */
export type AdminRefundResult = { httpStatus: 201 | 202; refund: AdminRefundView };

export type RefundLogger = { info(fields: object, message: string): void; warn(fields: object, message: string): void };

export async function createAdminRefund(ctx: AppContext, viewer: Viewer, input: AdminRefundInput, log?: RefundLogger): Promise<AdminRefundResult> {
  // Each admin's keys are their own: two operators who happen to pick the same key do not share a refund.
  const scopedKey = input.idempotencyKey ? `${viewer.id}:${input.idempotencyKey}` : undefined;
  if (scopedKey) {
    const existing = await findAdminRefundByKey(ctx.db, scopedKey);
    if (existing) return replay(ctx, existing, input, log);
  }
  const invoice = await findInvoiceToRefund(ctx.db, input.invoiceId);
  if (!invoice) throw new NotFoundError(`Invoice ${input.invoiceId}`);
  if (invoice.status !== 'paid' || !invoice.paymentIntentId || invoice.amountPaidCents <= 0) {
    throw new InvoiceNotRefundableError(invoice.id, invoice.status !== 'paid' ? `it is ${invoice.status}, not paid` : 'it collected no card payment');
  }
  // Stripe's charge is the truth about what is left to refund (dashboard refunds included): asked before any transaction.
  const charge = (await ctx.stripe.listChargesOfPaymentIntent(invoice.paymentIntentId)).data.find((c) => c.status === 'succeeded');
  if (!charge) throw new InvoiceNotRefundableError(invoice.id, 'Stripe has no successful charge for it');
  if (charge.disputed) throw new InvoiceNotRefundableError(invoice.id, 'its charge is disputed (a chargeback cannot also be refunded)');
  const refundableCents = refundableOf(charge);
  const amountCents = input.amountCents ?? refundableCents;
  if (refundableCents <= 0 || amountCents > refundableCents) throw new RefundExceedsRefundableError(refundableCents, amountCents);

  const idempotencyKey = scopedKey ?? `console-${randomUUID()}`;
  const created = await inTransaction(ctx.db, async (tx) => {
    const row = await insertAdminRefund(tx, { idempotencyKey, actorId: viewer.id, invoiceId: invoice.id, chargeId: charge.id, amountCents, reason: input.reason });
    // The same key, sent twice at once: the other request made the row (and its audit entry).
    if (!row) return undefined;
    await recordAudit(tx, {
      actorId: viewer.id,
      action: 'refund.created',
      target: { type: 'refund', id: row.id },
      before: { invoice_id: invoice.id, charge_id: charge.id, charge_amount_cents: charge.amount, refunded_cents: charge.amount_refunded },
      after: { invoice_id: invoice.id, charge_id: charge.id, user_id: invoice.userId, amount_cents: amountCents, status: row.status },
      reason: input.reason,
    });
    return row;
  });
  if (!created) return replay(ctx, (await findAdminRefundByKey(ctx.db, idempotencyKey))!, input, log);
  return respond(ctx, await settle(ctx, created, { mayExistAtStripe: false }, log));
}

/** A request with a key seen before: the first result, after finishing it if it is still pending. */
async function replay(ctx: AppContext, existing: AdminRefundRow, input: AdminRefundInput, log?: RefundLogger): Promise<AdminRefundResult> {
  if (existing.invoiceId !== input.invoiceId || (input.amountCents !== undefined && input.amountCents !== existing.amountCents)) {
    throw new IdempotencyKeyReusedError();
  }
  return respond(ctx, await settle(ctx, existing, { mayExistAtStripe: true }, log));
}

/** Asks Stripe for the refund (no transaction open) and settles the row; a settled row is returned as it is. */
async function settle(ctx: AppContext, row: AdminRefundRow, options: { mayExistAtStripe: boolean }, log?: RefundLogger): Promise<AdminRefundRow> {
  if (row.status !== 'pending') return row;
  let refund: Stripe.Refund | undefined;
  let isLookingUp = options.mayExistAtStripe;
  try {
    // An earlier attempt may have made it (a crash before step 3); idempotency keys expire after a day, metadata does not.
    if (isLookingUp) refund = await findRefundOf(ctx.stripe, row);
    isLookingUp = false;
    refund ??= await ctx.stripe.createAdminRefund({ adminRefundId: row.id, chargeId: row.chargeId, amountCents: row.amountCents });
  } catch (error) {
    const failure = classifyStripeFailure(error);
    // Only a refused refunds.create proves there is no refund; otherwise it is left pending, and the same
    // Idempotency-Key asks again (with the same Stripe key).
    if (failure.outcome !== 'rejected' || isLookingUp) {
      log?.warn({ event: 'admin_refund.unclear', admin_refund_id: row.id, reason: failure.reason }, 'refund left pending');
      return row;
    }
    const failed = await inTransaction(ctx.db, (tx) => markAdminRefundFailed(tx, row.id, failure.reason));
    log?.info({ event: 'admin_refund.failed', admin_refund_id: row.id, reason: failure.reason }, 'refund refused by Stripe');
    return failed ?? (await findAdminRefundByKey(ctx.db, row.idempotencyKey))!;
  }
  const isFailedAtStripe = refund.status === 'failed' || refund.status === 'canceled';
  const settled = await inTransaction(ctx.db, (tx) =>
    isFailedAtStripe
      ? markAdminRefundFailed(tx, row.id, refund.failure_reason ?? `the refund is ${refund.status} at Stripe`)
      : markAdminRefundSucceeded(tx, row.id, refund.id),
  );
  log?.info({ event: 'admin_refund.settled', admin_refund_id: row.id, stripe_refund_id: refund.id, status: settled?.status }, 'refund settled');
  return settled ?? (await findAdminRefundByKey(ctx.db, row.idempotencyKey))!;
}

async function findRefundOf(stripe: StripeGateway, row: AdminRefundRow): Promise<Stripe.Refund | undefined> {
  return (await stripe.listRefundsOfCharge(row.chargeId)).data.find((r) => r.metadata?.admin_refund_id === row.id);
}

function refundableOf(charge: Stripe.Charge): number {
  return Math.max(0, charge.amount - charge.amount_refunded);
}

async function respond(ctx: AppContext, row: AdminRefundRow): Promise<AdminRefundResult> {
  const refund = viewOf((await findAdminRefundWithPeople(ctx.db, row.id))!);
  if (row.status === 'failed') {
    // What is left now, for the operator's next attempt (asked of Stripe, no transaction open).
    const charge = await ctx.stripe.retrieveCharge(row.chargeId).catch(() => undefined);
    throw new RefundRefusedError(row.failureReason ?? 'refused', charge ? refundableOf(charge) : undefined, refund);
  }
  return { httpStatus: row.status === 'succeeded' ? 201 : 202, refund };
}

export async function listRefunds(db: Db, query: AdminRefundListQuery): Promise<AdminRefundListView> {
  const filter: AdminRefundFilter = { userId: query.user_id, invoiceId: query.invoice_id };
  const offset = (query.page - 1) * query.page_size;
  const [rows, total] = await Promise.all([listAdminRefunds(db, filter, { limit: query.page_size, offset }), countAdminRefunds(db, filter)]);
  return pageOf(rows.map(viewOf), total, query);
}

function viewOf(row: AdminRefundWithPeople): AdminRefundView {
  return {
    id: row.id,
    invoice_id: row.invoiceId,
    user: row.user,
    amount_cents: row.amountCents,
    reason: row.reason,
    status: row.status,
    stripe_refund_id: row.stripeRefundId,
    failure_reason: row.failureReason,
    actor: row.actor,
    created_at: row.createdAt.toISOString(),
  };
}
