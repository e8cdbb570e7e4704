import { randomUUID } from 'node:crypto';
import type { AppContext } from '../../context.js';
import type { Db } from '../../db/client.js';
import type { SubscriptionStatus } from '../../db/schema.js';
import { NotFoundError } from '../../errors.js';
import type { Viewer } from '../auth/viewer.js';
import {
  currentPeriodOf,
  idOf,
  paymentIntentOf,
  type Stripe,
  type StripeGateway,
  subscriptionOfInvoice,
} from '../../integrations/stripe/client.js';
import { enqueueDuplicateRefundedEmail, noticeInvoiceState, noticeSubscriptionState } from '../email/service.js';
import { type Economics, paidCopiesRemaining } from '../ledger/money.js';
import { holdPeriodEarnings, rebalancePeriodEarnings, voidPeriodEarnings } from '../ledger/service.js';
import { findUserById, findUserByStripeCustomer, setStripeCustomerId, type UserRow } from '../users/repository.js';
import { AlreadySubscribedError, BillingNotConfiguredError, NoBillingAccountError } from './errors.js';
import {
  claimCheckoutSession,
  closeCheckoutSession,
  ensureBillingPeriod,
  findInvoiceByPaymentIntent,
  findBillingPeriodByPaymentIntent,
  findCurrentBillingPeriod,
  findLatestSubscription,
  findLiveSubscription,
  findSubscription,
  listOpenPeriodsOfSubscription,
  listUnsettledDuplicates,
  lockMember,
  markDuplicateSettled,
  markDuplicateSubscription,
  recordCheckoutSession,
  type InvoiceAmounts,
  type InvoiceRow,
  setRefundedCents,
  storeInvoiceAmounts,
  transitionBillingPeriod,
  updateBillingPeriodInvoice,
  type SubscriptionRow,
  upsertSubscription,
} from './repository.js';
import type { MySubscriptionView } from './schemas.js';
import { isGoodStanding, LIVE_STATUSES } from './standing.js';

/** The event cannot be applied yet (e.g. its customer is not linked to a member): leave it for a retry. */
export class NotReadyError extends Error {}

// ---------------------------------------------------------------------------------------------------------------
// Member-facing: checkout, portal, status. Stripe is called outside any database transaction.

export async function startCheckout(ctx: AppContext, viewer: Viewer) {
  const priceId = ctx.billing.priceId;
  if (!priceId) throw new BillingNotConfiguredError();
  const user = await findUserById(ctx.db, viewer.id);
  if (!user) throw new NotFoundError('Your account');
  const live = await findLiveSubscription(ctx.db, user.id);
  if (live) throw new AlreadySubscribedError(live.status);
  const customerId = await ensureStripeCustomer(ctx, user);
  // The webhook may lag behind a payment made a moment ago: ask Stripe too, so nobody pays twice.
  const remote = await ctx.stripe.listSubscriptions(customerId);
  const remoteLive = remote.data.find((s) => (LIVE_STATUSES as readonly string[]).includes(s.status));
  if (remoteLive) throw new AlreadySubscribedError(remoteLive.status);

  // SPEC §3: while the member has an open Checkout Session, every checkout answers with that same session.
  for (let attempt = 0; attempt < 2; attempt++) {
    const claim = await claimCheckoutSession(ctx.db, user.id);
    if (claim.stripeSessionId) {
      const existing = await ctx.stripe.retrieveCheckoutSession(claim.stripeSessionId);
      if (existing.status === 'open' && existing.url) return { session_id: existing.id, url: existing.url };
      await closeCheckoutSession(ctx.db, { id: claim.id }, existing.status === 'complete' ? 'complete' : 'expired');
      continue;
    }
    // Parallel requests hold the same claim, hence the same idempotency key, hence the same session.
    const session = await ctx.stripe.createCheckoutSession({
      userId: user.id,
      customerId,
      priceId,
      successUrl: `${ctx.config.publicUrl}/subscribe/return?session_id={CHECKOUT_SESSION_ID}`,
      cancelUrl: `${ctx.config.publicUrl}/pricing?canceled=1`,
      attemptId: claim.id,
    });
    if (!session.url) throw new Error(`checkout session ${session.id} has no url`);
    await recordCheckoutSession(ctx.db, claim.id, { id: session.id, url: session.url, expiresAt: new Date(session.expires_at * 1000) });
    return { session_id: session.id, url: session.url };
  }
  throw new Error(`no open checkout session could be made for ${user.id}`);
}

/** One Stripe customer per member, created once: the idempotency key and the conditional UPDATE both guard it. */
async function ensureStripeCustomer(ctx: AppContext, user: UserRow): Promise<string> {
  if (user.stripeCustomerId) return user.stripeCustomerId;
  const customer = await ctx.stripe.createCustomer({ userId: user.id, email: user.email, username: user.username });
  const linked = await setStripeCustomerId(ctx.db, user.id, customer.id);
  return linked?.stripeCustomerId ?? (await findUserById(ctx.db, user.id))!.stripeCustomerId!;
}

export async function openPortal(ctx: AppContext, viewer: Viewer) {
  const user = await findUserById(ctx.db, viewer.id);
  if (!user?.stripeCustomerId) throw new NoBillingAccountError();
  const session = await ctx.stripe.createPortalSession({
    customerId: user.stripeCustomerId,
    returnUrl: `${ctx.config.publicUrl}/account`,
    attemptId: randomUUID(),
  });
  return { url: session.url };
}

export async function getMySubscription(ctx: AppContext, viewer: Viewer): Promise<MySubscriptionView> {
  const { economics } = ctx.config;
  const subscription = await findLatestSubscription(ctx.db, viewer.id);
  const isSubscriber = subscription !== undefined && isGoodStanding(subscription.status);
  const period = subscription && isSubscriber ? await findCurrentBillingPeriod(ctx.db, subscription) : undefined;
  return {
    is_subscriber: isSubscriber,
    status: subscription?.status ?? null,
    current_period_start: subscription?.currentPeriodStart.toISOString() ?? null,
    current_period_end: subscription?.currentPeriodEnd.toISOString() ?? null,
    cancel_at_period_end: subscription?.cancelAtPeriodEnd ?? false,
    copies_this_month: period?.copiesCount ?? 0,
    copies_remaining: isSubscriber ? paidCopiesRemaining(economics, period?.countedCopies ?? 0) : 0,
    paid_copies_per_period: economics.paidCopiesPerPeriod,
    copy_limit_per_period: economics.copyLimitPerPeriod,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Webhook-facing: bring our mirror to Stripe's *current* state. Each takes the caller's transaction and is idempotent.
// The member's mails (started, canceled, ended, payment failed) are queued in the same transaction, keyed on Stripe ids.

/** What syncing needs of the economics: the creator share (pools) and the paid-copy allowance (the subscription-started mail). */
export type SyncEconomics = Pick<Economics, 'creatorSharePercent' | 'paidCopiesPerPeriod'>;

export async function syncSubscription(db: Db, stripe: StripeGateway, subscriptionId: string, economics: SyncEconomics, withInvoice = true) {
  const subscription = await stripe.retrieveSubscription(subscriptionId);
  const user = await memberOfCustomer(db, idOf(subscription.customer)!, subscription.metadata?.user_id);
  await refreshStaleLiveSubscription(db, stripe, user.id, subscription.id, economics);
  // Two of the member's subscriptions going live at once take turns here, so exactly one of them is kept.
  await lockMember(db, user.id);
  const { start, end } = currentPeriodOf(subscription);
  const price = subscription.items.data[0]?.price;
  const upserted = await upsertSubscription(db, {
    id: subscription.id,
    userId: user.id,
    customerId: idOf(subscription.customer)!,
    status: subscription.status as SubscriptionStatus,
    priceId: price?.id ?? null,
    currentPeriodStart: new Date(start * 1000),
    currentPeriodEnd: new Date(end * 1000),
    cancelAtPeriodEnd: subscription.cancel_at_period_end,
    canceledAt: subscription.canceled_at ? new Date(subscription.canceled_at * 1000) : null,
    planAmountCents: price?.unit_amount ?? 0,
  });
  const row = await keepOneLiveSubscription(db, upserted, user);
  // A duplicate has no periods, counts no copies and sends no subscription mails: it is being cancelled and refunded.
  if (row.duplicateOf) return row;
  if (isGoodStanding(row.status)) {
    await ensureBillingPeriod(db, {
      subscriptionId: row.id,
      userId: user.id,
      periodStart: row.currentPeriodStart,
      periodEnd: row.currentPeriodEnd,
      basisCents: row.planAmountCents,
    });
  }
  const latestInvoice = subscription.latest_invoice;
  if (withInvoice && latestInvoice) {
    await syncInvoice(db, stripe, typeof latestInvoice === 'string' ? latestInvoice : latestInvoice.id!, economics);
  }
  if (row.status === 'canceled' || row.status === 'incomplete_expired') {
    // A subscription that ended with an unpaid period: that period will never be paid.
    for (const period of await listOpenPeriodsOfSubscription(db, row.id)) {
      if (await transitionBillingPeriod(db, period.id, 'void')) await voidPeriodEarnings(db, period.id);
    }
  }
  await noticeSubscriptionState(
    db,
    user,
    {
      id: row.id,
      status: row.status,
      isFirstPeriod: start <= subscription.start_date,
      periodStart: row.currentPeriodStart,
      periodEnd: row.currentPeriodEnd,
      amountCents: row.planAmountCents,
      currency: subscription.currency,
      cancelAtPeriodEnd: row.cancelAtPeriodEnd,
      canceledAt: row.canceledAt,
      endedAt: subscription.ended_at ? new Date(subscription.ended_at * 1000) : null,
      cancellationReason: subscription.cancellation_details?.reason ?? null,
    },
    economics.paidCopiesPerPeriod,
  );
  return row;
}

/**
 * SPEC §3: at most one live subscription per member. One that goes live while the member already has another (two
 * Checkout Sessions paid, one paid after the other) is the duplicate: marked here, in the transaction that first sees
 * it live, so no copy is ever counted against it; the member is told; settleDuplicateSubscriptions then cancels it and
 * refunds its first invoice at Stripe, after commit.
 */
async function keepOneLiveSubscription(db: Db, row: SubscriptionRow, user: UserRow): Promise<SubscriptionRow> {
  if (row.duplicateOf || !(LIVE_STATUSES as readonly string[]).includes(row.status) || row.status === 'incomplete') return row;
  const kept = await findLiveSubscription(db, user.id, row.id);
  if (!kept || kept.status === 'incomplete') return row;
  const duplicate = (await markDuplicateSubscription(db, row.id, kept.id)) ?? row;
  await enqueueDuplicateRefundedEmail(db, user, { subscriptionId: row.id, keptSubscriptionId: kept.id, amountCents: row.planAmountCents });
  return duplicate;
}

/**
 * Our mirror of the member's other live subscription may be stale (its `customer.subscription.deleted` still on its
 * way): a re-subscription would then look like a duplicate and be refunded. Stripe is asked before the member's row
 * is locked (no Stripe call under that lock), and an ended one is brought up to date first.
 */
async function refreshStaleLiveSubscription(db: Db, stripe: StripeGateway, userId: string, exceptId: string, economics: SyncEconomics) {
  const other = await findLiveSubscription(db, userId, exceptId);
  if (!other || other.status === 'incomplete') return;
  const remote = await stripe.retrieveSubscription(other.id);
  if (!(LIVE_STATUSES as readonly string[]).includes(remote.status) || remote.status === 'incomplete') {
    await syncSubscription(db, stripe, other.id, economics, false);
  }
}

/**
 * Cancels each duplicate subscription at Stripe and refunds its first payment in full, once (idempotency keys are
 * the subscription id); marks it settled. Runs after the webhook that found it and as a job, so a crash between the
 * two Stripe calls is finished later. The refund's `charge.refunded` finds no period to lower: duplicates have none.
 */
export async function settleDuplicateSubscriptions(ctx: AppContext, log?: { info(fields: object, message: string): void }): Promise<number> {
  let settled = 0;
  for (const duplicate of await listUnsettledDuplicates(ctx.db)) {
    const subscription = await ctx.stripe.retrieveSubscription(duplicate.id);
    if (subscription.status !== 'canceled' && subscription.status !== 'incomplete_expired') {
      await ctx.stripe.cancelDuplicateSubscription(duplicate.id);
    }
    const invoice = subscription.latest_invoice;
    const first = invoice && typeof invoice !== 'string' ? invoice : invoice ? await ctx.stripe.retrieveInvoice(invoice) : undefined;
    const paymentIntentId = first && first.amount_paid > 0 ? paymentIntentOf(first) : undefined;
    if (paymentIntentId) await ctx.stripe.refundDuplicatePayment({ subscriptionId: duplicate.id, paymentIntentId });
    await markDuplicateSettled(ctx.db, duplicate.id);
    log?.info({ event: 'subscription.duplicate_settled', subscription_id: duplicate.id, kept: duplicate.duplicateOf, refunded: Boolean(paymentIntentId) }, 'duplicate subscription cancelled and refunded');
    settled++;
  }
  return settled;
}

export async function syncInvoice(db: Db, stripe: StripeGateway, invoiceId: string, economics: SyncEconomics) {
  const sharePercent = economics.creatorSharePercent;
  const invoice = await stripe.retrieveInvoice(invoiceId);
  const subscriptionId = subscriptionOfInvoice(invoice);
  if (!subscriptionId) return; // not a subscription invoice: nothing of ours
  const subscription = (await findSubscription(db, subscriptionId)) ?? (await syncSubscription(db, stripe, subscriptionId, economics, false));
  if (subscription.duplicateOf) {
    // Kept for the record (and so its refund is recognised), never a period's invoice.
    await storeInvoiceAmounts(db, { ...invoiceAmountsOf(invoice, subscriptionId, subscription.userId), billingPeriodId: null });
    return;
  }
  const line = invoice.lines.data[0];
  const periodStart = line?.period?.start ?? invoice.period_start;
  const periodEnd = line?.period?.end ?? invoice.period_end;
  const period = await ensureBillingPeriod(db, {
    subscriptionId,
    userId: subscription.userId,
    periodStart: new Date(periodStart * 1000),
    periodEnd: new Date(periodEnd * 1000),
    basisCents: Math.max(0, invoice.total),
  });
  const paidAt = invoice.status_transitions?.paid_at;
  const stored = await storeInvoiceAmounts(db, { ...invoiceAmountsOf(invoice, subscriptionId, subscription.userId), billingPeriodId: period.id });
  const basisCents = poolBasisOf(stored);
  await updateBillingPeriodInvoice(db, period.id, {
    invoiceId: invoice.id!,
    basisCents,
    amountPaidCents: invoice.amount_paid,
    paymentIntentId: paymentIntentOf(invoice),
    periodEnd: new Date(periodEnd * 1000),
  });
  switch (invoice.status) {
    case 'paid': {
      if (await transitionBillingPeriod(db, period.id, 'paid', paidAt ? new Date(paidAt * 1000) : undefined)) {
        await holdPeriodEarnings(db, period.id);
      }
      break;
    }
    case 'uncollectible':
    case 'void':
      if (await transitionBillingPeriod(db, period.id, 'void')) await voidPeriodEarnings(db, period.id);
      break;
    case 'draft':
    case 'open':
    case null:
      break;
  }
  if (period.basisCents !== basisCents) await rebalancePeriodEarnings(db, period.id, sharePercent);
  await noticeInvoiceState(db, {
    id: invoice.id!,
    userId: subscription.userId,
    status: invoice.status,
    billingReason: invoice.billing_reason,
    attemptCount: invoice.attempt_count,
    amountDueCents: invoice.amount_due,
    amountRemainingCents: invoice.amount_remaining,
    currency: invoice.currency,
    nextPaymentAttempt: invoice.next_payment_attempt ? new Date(invoice.next_payment_attempt * 1000) : null,
  });
}

function invoiceAmountsOf(invoice: Stripe.Invoice, subscriptionId: string, userId: string): Omit<InvoiceAmounts, 'billingPeriodId'> {
  const { paid_at: paidAt, finalized_at: finalizedAt } = invoice.status_transitions ?? {};
  return {
    id: invoice.id!,
    subscriptionId,
    customerId: idOf(invoice.customer)!,
    userId,
    status: invoice.status ?? 'draft',
    currency: invoice.currency,
    billingReason: invoice.billing_reason,
    paymentIntentId: paymentIntentOf(invoice) ?? null,
    subtotalCents: invoice.subtotal,
    discountCents: (invoice.total_discount_amounts ?? []).reduce((sum, d) => sum + d.amount, 0),
    totalCents: invoice.total,
    amountDueCents: invoice.amount_due,
    amountPaidCents: invoice.amount_paid,
    // A draft has not taken anything from the customer balance yet.
    startingBalanceCents: invoice.status === 'draft' ? null : invoice.starting_balance,
    endingBalanceCents: invoice.status === 'draft' ? null : (invoice.ending_balance ?? null),
    finalizedAt: finalizedAt ? new Date(finalizedAt * 1000) : null,
    paidAt: paidAt ? new Date(paidAt * 1000) : null,
  };
}

/**
 * What a period's creator pool is based on (SPEC §4, "amount actually collected"): once paid, the cash paid plus the
 * earnings credit it consumed; while open, what it is expected to collect the same way; a draft has applied no
 * balance yet, so its total stands in until it is finalized.
 */
function poolBasisOf(invoice: InvoiceRow): number {
  switch (invoice.status) {
    case 'paid':
      return invoice.collectedCents;
    case 'open':
    case 'uncollectible':
    case 'void':
      return Math.max(0, invoice.amountDueCents) + invoice.earningsCreditCents;
    default:
      return Math.max(0, invoice.totalCents);
  }
}

const DISPUTE_LOST_OR_OPEN = new Set(['warning_needs_response', 'warning_under_review', 'needs_response', 'under_review', 'lost']);

/** Refunds and disputes of a period's charge lower its pool; a won dispute gives it back. */
export async function syncChargeLosses(db: Db, stripe: StripeGateway, chargeId: string, sharePercent: number) {
  const charge = await stripe.retrieveCharge(chargeId);
  const paymentIntentId = idOf(charge.payment_intent);
  const period = paymentIntentId ? await findBillingPeriodByPaymentIntent(db, paymentIntentId) : undefined;
  if (!period) {
    if (!paymentIntentId) return; // not a subscription charge
    // A duplicate subscription's payment, refunded on purpose: it belongs to no period (SPEC §3).
    const invoice = await findInvoiceByPaymentIntent(db, paymentIntentId);
    if (invoice && !invoice.billingPeriodId && (await findSubscription(db, invoice.subscriptionId))?.duplicateOf) return;
    throw new NotReadyError(`no billing period for payment intent ${paymentIntentId} yet`);
  }
  const disputes = await stripe.listDisputesOfCharge(charge.id);
  const disputedCents = disputes.data.filter((d) => DISPUTE_LOST_OR_OPEN.has(d.status)).reduce((sum, d) => sum + d.amount, 0);
  const lostCents = Math.min(charge.amount, charge.amount_refunded + disputedCents);
  // Scaled to the period's basis (a charge can be smaller than the invoice total when credit paid part of it),
  // rounded up so that a partial refund never leaves a creator a cent more than the rule allows.
  const refundedCents = charge.amount > 0 ? Math.min(period.basisCents, Math.ceil((period.basisCents * lostCents) / charge.amount)) : 0;
  await setRefundedCents(db, period.id, refundedCents);
  await rebalancePeriodEarnings(db, period.id, sharePercent);
}

async function memberOfCustomer(db: Db, customerId: string, metadataUserId: string | undefined): Promise<UserRow> {
  const linked = await findUserByStripeCustomer(db, customerId);
  if (linked) return linked;
  if (metadataUserId && /^[0-9a-f-]{36}$/i.test(metadataUserId)) {
    const user = await findUserById(db, metadataUserId);
    if (user && (await setStripeCustomerId(db, user.id, customerId))) return { ...user, stripeCustomerId: customerId };
  }
  throw new NotReadyError(`no member is linked to Stripe customer ${customerId} yet`);
}

export async function linkCheckoutSession(db: Db, stripe: StripeGateway, sessionId: string, economics: SyncEconomics) {
  const session = await stripe.retrieveCheckoutSession(sessionId);
  const customerId = idOf(session.customer);
  const userId = session.client_reference_id ?? session.metadata?.user_id;
  if (customerId && userId) {
    const user = await findUserById(db, userId);
    if (!user) throw new NotReadyError(`checkout session ${session.id} names unknown member ${userId}`);
    if (!user.stripeCustomerId) await setStripeCustomerId(db, user.id, customerId);
  }
  if (session.status === 'complete' || session.status === 'expired') {
    await closeCheckoutSession(db, { stripeSessionId: session.id }, session.status === 'complete' ? 'complete' : 'expired');
  }
  const subscriptionId = idOf(session.subscription as string | Stripe.Subscription | null);
  if (subscriptionId) await syncSubscription(db, stripe, subscriptionId, economics);
}
