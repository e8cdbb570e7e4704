import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { type BillingPeriodStatus, billingPeriods } from '../../db/schema.js';

// Billing periods: one row per subscription period, the unit that copies count against and that earnings, refunds and
// payments are kept by. Subscriptions open and close them; the ledger and record_copy lock them.

export type BillingPeriodRow = typeof billingPeriods.$inferSelect;

/** Creates the period once; later calls return it unchanged. */
export async function ensureBillingPeriod(
  db: Db,
  values: { subscriptionId: string; userId: string; periodStart: Date; periodEnd: Date; basisCents: number },
): Promise<BillingPeriodRow> {
  await db.insert(billingPeriods).values(values).onConflictDoNothing({ target: [billingPeriods.subscriptionId, billingPeriods.periodStart] });
  const [row] = await db
    .select()
    .from(billingPeriods)
    .where(and(eq(billingPeriods.subscriptionId, values.subscriptionId), eq(billingPeriods.periodStart, values.periodStart)));
  return row!;
}

/** Locks the period row: refunds, payments and copies of one period take turns. */
export async function lockBillingPeriod(db: Db, id: string): Promise<BillingPeriodRow | undefined> {
  const [row] = await db.select().from(billingPeriods).where(eq(billingPeriods.id, id)).for('no key update');
  return row;
}

export async function findBillingPeriodByPaymentIntent(db: Db, paymentIntentId: string): Promise<BillingPeriodRow | undefined> {
  const [row] = await db.select().from(billingPeriods).where(eq(billingPeriods.paymentIntentId, paymentIntentId));
  return row;
}

/** The period the subscription is in now (its current period start, as last synced from Stripe). */
export async function findCurrentBillingPeriod(
  db: Db,
  subscription: { id: string; currentPeriodStart: Date },
): Promise<BillingPeriodRow | undefined> {
  const [row] = await db
    .select()
    .from(billingPeriods)
    .where(and(eq(billingPeriods.subscriptionId, subscription.id), eq(billingPeriods.periodStart, subscription.currentPeriodStart)));
  return row;
}

export async function updateBillingPeriodInvoice(
  db: Db,
  id: string,
  values: { invoiceId: string; basisCents: number; amountPaidCents: number; paymentIntentId: string | undefined; periodEnd: Date },
) {
  await db
    .update(billingPeriods)
    .set({ ...values, paymentIntentId: values.paymentIntentId ?? sql`${billingPeriods.paymentIntentId}`, updatedAt: new Date() })
    .where(eq(billingPeriods.id, id));
}

/** open → paid or open → void, once; returns whether this call made the change. */
export async function transitionBillingPeriod(db: Db, id: string, to: Exclude<BillingPeriodStatus, 'open'>, paidAt?: Date): Promise<boolean> {
  const rows = await db
    .update(billingPeriods)
    .set({ status: to, paidAt: to === 'paid' ? (paidAt ?? new Date()) : null, updatedAt: new Date() })
    .where(and(eq(billingPeriods.id, id), eq(billingPeriods.status, 'open')))
    .returning({ id: billingPeriods.id });
  return rows.length > 0;
}

export async function setRefundedCents(db: Db, id: string, refundedCents: number) {
  await db.update(billingPeriods).set({ refundedCents, updatedAt: new Date() }).where(eq(billingPeriods.id, id));
}

export async function listOpenPeriodsOfSubscription(db: Db, subscriptionId: string): Promise<BillingPeriodRow[]> {
  return db
    .select()
    .from(billingPeriods)
    .where(and(eq(billingPeriods.subscriptionId, subscriptionId), eq(billingPeriods.status, 'open')));
}
