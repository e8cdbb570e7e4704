import { randomUUID } from 'node:crypto';
import type { AppContext } from '../../context.js';
import type { Db, Tx } from '../../db/client.js';
import type { SubscriptionStatus } from '../../db/schema.js';
import { NotFoundError } from '../../errors.js';
import { isIdempotencyKeyReusedError } from '../../integrations/stripe/availability.js';
import {
  currentPeriodOf,
  idOf,
  paymentIntentOf,
  type Stripe,
  type StripeGateway,
  subscriptionOfInvoice,
} from '../../integrations/stripe/client.js';
import type { Viewer } from '../auth/viewer.js';
import { enqueueDuplicateRefundedEmail, noticeInvoiceState, noticeSubscriptionState } from '../email/service.js';
import { type Economics, paidCopiesRemaining } from '../ledger/money.js';
import { holdPeriodEarnings, rebalancePeriodEarnings, voidPeriodEarnings } from '../ledger/service.js';
import {
  ensureBillingPeriod,
  findBillingPeriodByPaymentIntent,
  findCurrentBillingPeriod,
  listOpenPeriodsOfSubscription,
  setRefundedCents,
  transitionBillingPeriod,
  updateBillingPeriodInvoice,
} from '../periods/repository.js';
import { findUserById, findUserByStripeCustomer, setStripeCustomerId, type UserRow } from '../users/repository.js';
import { settleConsoleRefunds, upsertCharge, upsertChargeDisputes, upsertChargeRefunds } from './charges-repository.js';
import { AlreadySubscribedError, BillingNotConfiguredError, NoBillingAccountError, NotReadyError } from './errors.js';
import {
  claimCheckoutSession,
  closeCheckoutSession,
  findInvoiceByPaymentIntent,
  findLatestSubscription,
  findLiveSubscription,
  findSubscription,
  type InvoiceAmounts,
  type InvoiceRow,
  listUnsettledDuplicates,
  lockMember,
  markDuplicateSettled,
  markDuplicateSubscription,
  recordCheckoutSession,
  storeInvoiceAmounts,
  type SubscriptionRow,
  upsertSubscription,
} from './repository.js';
import type { MySubscriptionView } from './schemas.js';
import { isGoodStanding, LIVE_STATUSES } from './standing.js';
import { isDisputeLostOrOpen } from './disputes.js';

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
    const session = await ctx.stripe
      .createCheckoutSession({
        userId: user.id,
        customerId,
        priceId,
        successUrl: `${ctx.config.publicUrl}/subscribe/return?session_id={CHECKOUT_SESSION_ID}`,
        cancelUrl: `${ctx.config.publicUrl}/pricing?canceled=1`,
        attemptId: claim.id,
      })
      .catch((error: unknown) => {
        // The claim's key was first used with other parameters (PUBLIC_URL or the price changed since an attempt that
        // never recorded its session): that session was never shown to the member. A new claim, a new key.
        if (isIdempotencyKeyReusedError(error)) return undefined;
        throw error;
      });
    if (!session) {
      await closeCheckoutSession(ctx.db, { id: claim.id }, 'expired');
      continue;
    }
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
    // The account page knows this URL: it re-reads the subscription until the portal's webhooks have arrived.
    returnUrl: `${ctx.config.publicUrl}/account?billing=return`,
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
    paid_copies_used: isSubscriber ? (period?.countedCopies ?? 0) : 0,
    paid_copies_per_period: economics.paidCopiesPerPeriod,
    copy_limit_per_period: economics.copyLimitPerPeriod,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Webhook-facing: bring our mirror to Stripe's *current* state, in two steps so that no Stripe call is made while a
// database lock is held. `fetch*` asks Stripe for the current objects (reading our mirror only to know what to ask),
// with no transaction open; `apply*` writes what was fetched in the caller's transaction, with no network call.
// Applying is idempotent. The member's mails (started, canceled, ended, payment failed) are queued in the same
// transaction, keyed on Stripe ids.

/** What syncing needs of the economics: the creator share (pools) and the paid-copy allowance (the subscription-started mail). */
export type SyncEconomics = Pick<Economics, 'creatorSharePercent' | 'paidCopiesPerPeriod'>;

/** A subscription as Stripe has it now, with everything applying it needs. */
export type SubscriptionState = {
  subscription: Stripe.Subscription;
  /**
   * The member's other subscriptions whose state our mirror does not have (their webhooks lost or late: one we never
   * saw, one Stripe ended that we still think live), as Stripe has them now. Applied around this one in Stripe's
   * creation order (`before`, then this, then `after`), so which one is kept never depends on the order we hear.
   */
  before: SubscriptionState[];
  after: SubscriptionState[];
  /** Its latest invoice, when the event is about the subscription itself (an invoice event brings its own). */
  latestInvoice: Stripe.Invoice | undefined;
};

export type InvoiceState = {
  invoice: Stripe.Invoice;
  /** The subscription it bills; undefined: not a subscription invoice, nothing of ours. */
  subscriptionId: string | undefined;
  /** Fetched only when our mirror did not have that subscription yet. */
  subscription: SubscriptionState | undefined;
};

export type ChargeState = {
  charge: Stripe.Charge;
  /** Its disputes; only a subscription's charge (one with a payment intent) has them asked for. */
  disputes: Stripe.Dispute[];
  /** Its refunds (the charge object does not carry them); asked for as its disputes are. */
  refunds: Stripe.Refund[];
};

export type CheckoutState = { session: Stripe.Checkout.Session; subscription: SubscriptionState | undefined };

/** The subscription and, with `withLatestInvoice`, its latest invoice, from Stripe (plus any stale mirror of the member). */
export async function fetchSubscriptionState(
  db: Db,
  stripe: StripeGateway,
  subscriptionId: string,
  options: { withLatestInvoice: boolean },
): Promise<SubscriptionState> {
  return fetchStateOf(db, stripe, await stripe.retrieveSubscription(subscriptionId), { ...options, seen: new Set() });
}

async function fetchStateOf(
  db: Db,
  stripe: StripeGateway,
  subscription: Stripe.Subscription,
  options: { withLatestInvoice: boolean; seen: Set<string>; listing?: Stripe.Subscription[] },
): Promise<SubscriptionState> {
  options.seen.add(subscription.id);
  // The member's other subscriptions as Stripe has them, asked now, before any lock: our mirror may have missed one
  // or may still think one live. One customer per member, so the customer's subscriptions are the member's.
  const listing = options.listing ?? (await stripe.listSubscriptions(idOf(subscription.customer)!)).data;
  const before: SubscriptionState[] = [];
  const after: SubscriptionState[] = [];
  for (const other of [...listing].sort(byStripeCreation)) {
    if (options.seen.has(other.id)) continue;
    const mirrored = await findSubscription(db, other.id);
    if (mirrored ? mirrored.status === other.status : !isLiveAndPaid(other.status)) continue;
    const state = await fetchStateOf(db, stripe, other, { withLatestInvoice: !mirrored, seen: options.seen, listing });
    (byStripeCreation(other, subscription) < 0 ? before : after).push(state);
  }
  const latestInvoiceId = options.withLatestInvoice ? idOf(subscription.latest_invoice) : undefined;
  const latestInvoice = latestInvoiceId ? await stripe.retrieveInvoice(latestInvoiceId) : undefined;
  return { subscription, before, after, latestInvoice };
}

/** Stripe's creation order; two made in the same second are ordered by id, so every process decides alike. */
function byStripeCreation(a: Pick<Stripe.Subscription, 'id' | 'created'>, b: Pick<Stripe.Subscription, 'id' | 'created'>): number {
  return a.created - b.created || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

export async function fetchInvoiceState(db: Db, stripe: StripeGateway, invoiceId: string): Promise<InvoiceState> {
  const invoice = await stripe.retrieveInvoice(invoiceId);
  const subscriptionId = subscriptionOfInvoice(invoice);
  const isMirrored = !subscriptionId || (await findSubscription(db, subscriptionId)) !== undefined;
  const subscription = isMirrored ? undefined : await fetchSubscriptionState(db, stripe, subscriptionId, { withLatestInvoice: false });
  return { invoice, subscriptionId, subscription };
}

export async function fetchChargeState(stripe: StripeGateway, chargeId: string): Promise<ChargeState> {
  const charge = await stripe.retrieveCharge(chargeId);
  const isSubscriptionCharge = idOf(charge.payment_intent) !== undefined;
  const disputes = isSubscriptionCharge ? (await stripe.listDisputesOfCharge(charge.id)).data : [];
  const refunds = isSubscriptionCharge ? (await stripe.listRefundsOfCharge(charge.id)).data : [];
  return { charge, disputes, refunds };
}

export async function fetchCheckoutState(db: Db, stripe: StripeGateway, sessionId: string): Promise<CheckoutState> {
  const session = await stripe.retrieveCheckoutSession(sessionId);
  const subscriptionId = idOf(session.subscription);
  const subscription = subscriptionId ? await fetchSubscriptionState(db, stripe, subscriptionId, { withLatestInvoice: true }) : undefined;
  return { session, subscription };
}

export async function applySubscriptionState(tx: Tx, state: SubscriptionState, economics: SyncEconomics): Promise<SubscriptionRow> {
  for (const older of state.before) await applySubscriptionState(tx, older, economics);
  const row = await applyOneSubscription(tx, state, economics);
  for (const newer of state.after) await applySubscriptionState(tx, newer, economics);
  return row;
}

async function applyOneSubscription(tx: Tx, state: SubscriptionState, economics: SyncEconomics): Promise<SubscriptionRow> {
  const { subscription } = state;
  const user = await memberOfCustomer(tx, idOf(subscription.customer)!, subscription.metadata?.user_id);
  // Two of the member's subscriptions going live at once take turns here, so exactly one of them is kept.
  await lockMember(tx, user.id);
  const { start, end } = currentPeriodOf(subscription);
  const price = subscription.items.data[0]?.price;
  const upserted = await upsertSubscription(tx, {
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
  const row = await keepOneLiveSubscription(tx, upserted, user);
  // A duplicate has no periods, counts no copies and sends no subscription mails: it is being cancelled and refunded.
  if (row.duplicateOf) return row;
  if (isGoodStanding(row.status)) {
    await ensureBillingPeriod(tx, {
      subscriptionId: row.id,
      userId: user.id,
      periodStart: row.currentPeriodStart,
      periodEnd: row.currentPeriodEnd,
      basisCents: row.planAmountCents,
    });
  }
  const invoice = state.latestInvoice;
  if (invoice && subscriptionOfInvoice(invoice) === row.id) await recordInvoice(tx, invoice, row, economics);
  if (row.status === 'canceled' || row.status === 'incomplete_expired') {
    // A subscription that ended with an unpaid period: that period will never be paid.
    for (const period of await listOpenPeriodsOfSubscription(tx, row.id)) {
      if (await transitionBillingPeriod(tx, period.id, 'void')) await voidPeriodEarnings(tx, period.id);
    }
  }
  await noticeSubscriptionState(
    tx,
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
 * refunds its first invoice at Stripe, after commit. The member's other subscriptions were brought up to date first,
 * oldest first (fetchStateOf asks Stripe for all of them), so the one already kept is the older one.
 */
async function keepOneLiveSubscription(tx: Tx, row: SubscriptionRow, user: UserRow): Promise<SubscriptionRow> {
  if (row.duplicateOf || !isLiveAndPaid(row.status)) return row;
  const kept = await findLiveSubscription(tx, user.id, row.id);
  if (!kept || !isLiveAndPaid(kept.status)) return row;
  const duplicate = (await markDuplicateSubscription(tx, row.id, kept.id)) ?? row;
  await enqueueDuplicateRefundedEmail(tx, user, { subscriptionId: row.id, keptSubscriptionId: kept.id, amountCents: row.planAmountCents });
  return duplicate;
}

/** Live and paid: a second subscription going live beside it would be a duplicate. */
function isLiveAndPaid(status: string): boolean {
  return (LIVE_STATUSES as readonly string[]).includes(status) && status !== 'incomplete';
}

/**
 * Cancels each duplicate subscription at Stripe and refunds its first payment in full, once (idempotency keys are
 * the subscription id); marks it settled. Runs after the webhook that found it has committed, and as a job, so a crash
 * between the two Stripe calls is finished later; no transaction is open across the Stripe calls. The refund's
 * `charge.refunded` finds no period to lower: duplicates have none.
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
    // One statement, its own unit of work.
    await markDuplicateSettled(ctx.db, duplicate.id);
    log?.info({ event: 'subscription.duplicate_settled', subscription_id: duplicate.id, kept: duplicate.duplicateOf, refunded: Boolean(paymentIntentId) }, 'duplicate subscription cancelled and refunded');
    settled++;
  }
  return settled;
}

/** An invoice event: the invoice's subscription (mirrored first if it is new to us), then the invoice into its period. */
export async function applyInvoiceState(tx: Tx, state: InvoiceState, economics: SyncEconomics) {
  if (!state.subscriptionId) return; // not a subscription invoice: nothing of ours
  const subscription =
    (await findSubscription(tx, state.subscriptionId)) ??
    (state.subscription ? await applySubscriptionState(tx, state.subscription, economics) : undefined);
  // Subscriptions are never deleted: it was mirrored when fetched, so it still is.
  if (!subscription) throw new Error(`subscription ${state.subscriptionId} of invoice ${state.invoice.id} is not mirrored`);
  await recordInvoice(tx, state.invoice, subscription, economics);
}

/**
 * The invoice into its billing period (both syncs end here): its amounts stored, the period's basis set from what it
 * collected, the period paid or voided with its earnings, and the member told of a failed payment.
 */
async function recordInvoice(tx: Tx, invoice: Stripe.Invoice, subscription: SubscriptionRow, economics: SyncEconomics) {
  const sharePercent = economics.creatorSharePercent;
  const subscriptionId = subscription.id;
  if (subscription.duplicateOf) {
    // Kept for the record (and so its refund is recognised), never a period's invoice.
    await storeInvoiceAmounts(tx, { ...invoiceAmountsOf(invoice, subscriptionId, subscription.userId), billingPeriodId: null });
    return;
  }
  const line = invoice.lines.data[0];
  const periodStart = line?.period?.start ?? invoice.period_start;
  const periodEnd = line?.period?.end ?? invoice.period_end;
  const period = await ensureBillingPeriod(tx, {
    subscriptionId,
    userId: subscription.userId,
    periodStart: new Date(periodStart * 1000),
    periodEnd: new Date(periodEnd * 1000),
    basisCents: Math.max(0, invoice.total),
  });
  const paidAt = invoice.status_transitions?.paid_at;
  const stored = await storeInvoiceAmounts(tx, { ...invoiceAmountsOf(invoice, subscriptionId, subscription.userId), billingPeriodId: period.id });
  const basisCents = poolBasisOf(stored);
  await updateBillingPeriodInvoice(tx, period.id, {
    invoiceId: invoice.id,
    basisCents,
    amountPaidCents: invoice.amount_paid,
    paymentIntentId: paymentIntentOf(invoice),
    periodEnd: new Date(periodEnd * 1000),
  });
  switch (invoice.status) {
    case 'paid': {
      if (await transitionBillingPeriod(tx, period.id, 'paid', paidAt ? new Date(paidAt * 1000) : undefined)) {
        await holdPeriodEarnings(tx, period.id);
      }
      break;
    }
    case 'uncollectible':
    case 'void':
      if (await transitionBillingPeriod(tx, period.id, 'void')) await voidPeriodEarnings(tx, period.id);
      break;
    case 'draft':
    case 'open':
    case null:
      break;
  }
  if (period.basisCents !== basisCents) await rebalancePeriodEarnings(tx, period.id, sharePercent);
  await noticeInvoiceState(tx, {
    id: invoice.id,
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
    id: invoice.id,
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

/**
 * Refunds and disputes of a period's charge lower its pool; a won dispute gives it back. The charge, its refunds and
 * its disputes are recorded as Stripe has them now (the finance summary's losses by month).
 */
export async function applyChargeState(tx: Tx, state: ChargeState, sharePercent: number) {
  const { charge } = state;
  const paymentIntentId = idOf(charge.payment_intent);
  const period = paymentIntentId ? await findBillingPeriodByPaymentIntent(tx, paymentIntentId) : undefined;
  if (!period) {
    if (!paymentIntentId) return; // not a subscription charge
    // A duplicate subscription's payment, refunded on purpose: it belongs to no period (SPEC §3).
    const invoice = await findInvoiceByPaymentIntent(tx, paymentIntentId);
    if (invoice && !invoice.billingPeriodId && (await findSubscription(tx, invoice.subscriptionId))?.duplicateOf) {
      await recordCharge(tx, state, { invoiceId: invoice.id, billingPeriodId: null });
      return;
    }
    throw new NotReadyError(`no billing period for payment intent ${paymentIntentId} yet`);
  }
  await recordCharge(tx, state, { invoiceId: period.invoiceId ?? (await findInvoiceByPaymentIntent(tx, paymentIntentId!))?.id ?? null, billingPeriodId: period.id });
  const disputedCents = state.disputes.filter((d) => isDisputeLostOrOpen(d.status)).reduce((sum, d) => sum + d.amount, 0);
  const lostCents = Math.min(charge.amount, charge.amount_refunded + disputedCents);
  // Scaled to the period's basis (a charge can be smaller than the invoice total when credit paid part of it),
  // rounded up so that a partial refund never leaves a creator a cent more than the rule allows.
  const refundedCents = charge.amount > 0 ? Math.min(period.basisCents, Math.ceil((period.basisCents * lostCents) / charge.amount)) : 0;
  await setRefundedCents(tx, period.id, refundedCents);
  await rebalancePeriodEarnings(tx, period.id, sharePercent);
}

/** The charge with every refund and dispute Stripe has for it (upserts: a replayed event changes nothing). */
async function recordCharge(tx: Tx, state: ChargeState, link: { invoiceId: string | null; billingPeriodId: string | null }) {
  const { charge } = state;
  await upsertCharge(tx, {
    id: charge.id,
    paymentIntentId: idOf(charge.payment_intent) ?? null,
    invoiceId: link.invoiceId,
    billingPeriodId: link.billingPeriodId,
    customerId: idOf(charge.customer) ?? null,
    amountCents: charge.amount,
    refundedCents: charge.amount_refunded,
    stripeCreatedAt: new Date(charge.created * 1000),
  });
  await upsertChargeRefunds(
    tx,
    charge.id,
    state.refunds.map((r) => ({ id: r.id, amountCents: r.amount, status: r.status ?? 'pending', reason: r.reason ?? null, stripeCreatedAt: new Date(r.created * 1000) })),
  );
  await upsertChargeDisputes(
    tx,
    charge.id,
    state.disputes.map((d) => ({ id: d.id, amountCents: d.amount, status: d.status, stripeCreatedAt: new Date(d.created * 1000) })),
  );
  // Refunds asked for in the operator console carry our request's id: their event settles a request left pending.
  await settleConsoleRefunds(
    tx,
    state.refunds.flatMap((r) => {
      const adminRefundId = r.metadata?.admin_refund_id;
      if (!adminRefundId || !/^[0-9a-f-]{36}$/i.test(adminRefundId)) return [];
      const isFailed = r.status === 'failed' || r.status === 'canceled';
      return [{ adminRefundId, stripeRefundId: r.id, isFailed, failureReason: isFailed ? (r.failure_reason ?? `the refund is ${r.status} at Stripe`) : null }];
    }),
  );
}

function isMemberId(value: string | null | undefined): value is string {
  return typeof value === 'string' && /^[0-9a-f-]{36}$/i.test(value);
}

/** The member of a Stripe customer, linking the customer through the metadata's member on first sight. */
async function memberOfCustomer(tx: Tx, customerId: string, metadataUserId: string | undefined): Promise<UserRow> {
  const linked = await findUserByStripeCustomer(tx, customerId);
  if (linked) return linked;
  if (isMemberId(metadataUserId)) {
    const user = await findUserById(tx, metadataUserId);
    if (user && (await setStripeCustomerId(tx, user.id, customerId))) return { ...user, stripeCustomerId: customerId };
  }
  throw new NotReadyError(`no member is linked to Stripe customer ${customerId} yet`);
}

export async function applyCheckoutState(tx: Tx, state: CheckoutState, economics: SyncEconomics) {
  const { session } = state;
  const customerId = idOf(session.customer);
  const userId = session.client_reference_id ?? session.metadata?.user_id;
  if (customerId && userId) {
    const user = await findUserById(tx, userId);
    if (!user) throw new NotReadyError(`checkout session ${session.id} names unknown member ${userId}`);
    if (!user.stripeCustomerId) await setStripeCustomerId(tx, user.id, customerId);
  }
  if (session.status === 'complete' || session.status === 'expired') {
    await closeCheckoutSession(tx, { stripeSessionId: session.id }, session.status === 'complete' ? 'complete' : 'expired');
  }
  if (state.subscription) await applySubscriptionState(tx, state.subscription, economics);
}
