import type { Tx } from '../../db/client.js';
import { type BillingPeriodRow, ensureBillingPeriod, transitionBillingPeriod, updateBillingPeriodInvoice } from '../periods/repository.js';
import { storeInvoiceAmounts, upsertSubscription } from './repository.js';

// Demo billing history for the seed (src/server/seed), and for nothing else: subscriptions, paid periods and invoices
// that no Stripe object stands behind (their ids say `_demo_`). Real ones are only ever mirrored from Stripe
// (service.ts: applySubscriptionState, applyInvoiceState); this file exists so the seed goes through this module, not its tables.

const DAY_MS = 86_400_000;

export type DemoSubscription = { id: string; userId: string; customerId: string; planAmountCents: number };

/**
 * The demo subscription is active in `period`, which is paid in full by the invoice `invoiceId` (paid when the
 * period starts); returns the period, for copies to count against.
 *
 * Until the next call or cancelDemoSubscription, the subscription's current period runs from the period's start to
 * tomorrow: record_copy dates a copy now() and moves a subscription whose period has ended on to the period that
 * holds now (migration 0011, for renewals whose webhooks are late), so with the real end the history's copies would
 * land in a new period of today, not in this one. The period row keeps its real end (its hold counts from there).
 */
export async function recordDemoPaidPeriod(
  tx: Tx,
  subscription: DemoSubscription,
  period: { start: Date; end: Date },
  invoiceId: string,
  /** The invoice's payment (`pi_demo_*`), for a demo charge to name (a seeded console refund); none by default. */
  paymentIntentId?: string,
): Promise<BillingPeriodRow> {
  const amountCents = subscription.planAmountCents;
  await upsertSubscription(tx, {
    ...subscription,
    status: 'active',
    currentPeriodStart: period.start,
    currentPeriodEnd: new Date(Math.max(period.end.getTime(), Date.now() + DAY_MS)),
  });
  const billingPeriod = await ensureBillingPeriod(tx, {
    subscriptionId: subscription.id,
    userId: subscription.userId,
    periodStart: period.start,
    periodEnd: period.end,
    basisCents: amountCents,
  });
  await updateBillingPeriodInvoice(tx, billingPeriod.id, {
    invoiceId,
    basisCents: amountCents,
    amountPaidCents: amountCents,
    paymentIntentId,
    periodEnd: period.end,
  });
  await transitionBillingPeriod(tx, billingPeriod.id, 'paid', period.start);
  await storeInvoiceAmounts(tx, {
    id: invoiceId,
    subscriptionId: subscription.id,
    customerId: subscription.customerId,
    userId: subscription.userId,
    billingPeriodId: billingPeriod.id,
    status: 'paid',
    currency: 'usd',
    billingReason: null,
    paymentIntentId: paymentIntentId ?? null,
    subtotalCents: amountCents,
    discountCents: 0,
    totalCents: amountCents,
    amountDueCents: amountCents,
    amountPaidCents: amountCents,
    // No customer balance: the whole amount was collected.
    startingBalanceCents: 0,
    endingBalanceCents: 0,
    finalizedAt: period.start,
    paidAt: period.start,
  });
  return billingPeriod;
}

/** The demo subscription ended at `endedAt`, in the last period it was given (its real dates, see above). */
export async function cancelDemoSubscription(tx: Tx, subscription: DemoSubscription, lastPeriod: { start: Date; end: Date }, endedAt: Date) {
  await upsertSubscription(tx, {
    ...subscription,
    status: 'canceled',
    currentPeriodStart: lastPeriod.start,
    currentPeriodEnd: lastPeriod.end,
    canceledAt: endedAt,
  });
}
