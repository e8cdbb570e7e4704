import { and, eq, or, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { adminRefunds, chargeDisputes, chargeRefunds, charges } from '../../db/schema.js';

// Subscription charges with their refunds and disputes, as Stripe last told them (SPEC §14's finance summary reports
// them by Stripe's time). Written from the re-fetched charge on every charge event: upserts, so a replayed or
// reordered event converges on Stripe's current state and changes nothing twice.

export type ChargeRow = typeof charges.$inferSelect;

export type ChargeRecord = {
  id: string;
  paymentIntentId: string | null;
  invoiceId: string | null;
  /** null for a duplicate subscription's charge: it belongs to no period (SPEC §3). */
  billingPeriodId: string | null;
  customerId: string | null;
  amountCents: number;
  refundedCents: number;
  stripeCreatedAt: Date;
};

export type ChargeRefundRecord = { id: string; amountCents: number; status: string; reason: string | null; stripeCreatedAt: Date };
export type ChargeDisputeRecord = { id: string; amountCents: number; status: string; stripeCreatedAt: Date };

export async function upsertCharge(db: Db, charge: ChargeRecord): Promise<void> {
  await db
    .insert(charges)
    .values(charge)
    .onConflictDoUpdate({
      target: charges.id,
      set: {
        paymentIntentId: sql`coalesce(excluded.payment_intent_id, ${charges.paymentIntentId})`,
        invoiceId: sql`coalesce(excluded.invoice_id, ${charges.invoiceId})`,
        billingPeriodId: sql`coalesce(excluded.billing_period_id, ${charges.billingPeriodId})`,
        customerId: sql`coalesce(excluded.customer_id, ${charges.customerId})`,
        amountCents: sql`excluded.amount_cents`,
        refundedCents: sql`excluded.refunded_cents`,
        updatedAt: sql`now()`,
      },
      // A replay that brings nothing new leaves the row as it was (updated_at included).
      setWhere: sql`(${charges.paymentIntentId}, ${charges.invoiceId}, ${charges.billingPeriodId}, ${charges.customerId}, ${charges.amountCents}, ${charges.refundedCents})
        is distinct from (coalesce(excluded.payment_intent_id, ${charges.paymentIntentId}), coalesce(excluded.invoice_id, ${charges.invoiceId}),
          coalesce(excluded.billing_period_id, ${charges.billingPeriodId}), coalesce(excluded.customer_id, ${charges.customerId}), excluded.amount_cents, excluded.refunded_cents)`,
    });
}

export async function upsertChargeRefunds(db: Db, chargeId: string, refunds: ChargeRefundRecord[]): Promise<void> {
  if (refunds.length === 0) return;
  await db
    .insert(chargeRefunds)
    .values(refunds.map((r) => ({ ...r, chargeId })))
    .onConflictDoUpdate({
      target: chargeRefunds.id,
      set: { amountCents: sql`excluded.amount_cents`, status: sql`excluded.status`, reason: sql`excluded.reason`, updatedAt: sql`now()` },
      setWhere: sql`(${chargeRefunds.amountCents}, ${chargeRefunds.status}, ${chargeRefunds.reason}) is distinct from (excluded.amount_cents, excluded.status, excluded.reason)`,
    });
}

export async function upsertChargeDisputes(db: Db, chargeId: string, disputes: ChargeDisputeRecord[]): Promise<void> {
  if (disputes.length === 0) return;
  await db
    .insert(chargeDisputes)
    .values(disputes.map((d) => ({ ...d, chargeId })))
    .onConflictDoUpdate({
      target: chargeDisputes.id,
      set: { amountCents: sql`excluded.amount_cents`, status: sql`excluded.status`, updatedAt: sql`now()` },
      setWhere: sql`(${chargeDisputes.amountCents}, ${chargeDisputes.status}) is distinct from (excluded.amount_cents, excluded.status)`,
    });
}

/** A refund made from the operator console, as its charge's event reports it (its metadata names our request). */
export type ConsoleRefundState = { adminRefundId: string; stripeRefundId: string; isFailed: boolean; failureReason: string | null };

/**
 * The charge's event settles a console refund whose request is still pending (Stripe's answer was lost, and no retry
 * with its Idempotency-Key came): succeeded with its Stripe id; and one Stripe failed later (a refund to a closed
 * card) becomes failed. Conditional updates: a replay changes nothing.
 */
export async function settleConsoleRefunds(db: Db, refunds: ConsoleRefundState[]): Promise<void> {
  for (const refund of refunds) {
    if (refund.isFailed) {
      await db
        .update(adminRefunds)
        .set({ status: 'failed', stripeRefundId: refund.stripeRefundId, failureReason: refund.failureReason, updatedAt: new Date() })
        .where(
          and(
            eq(adminRefunds.id, refund.adminRefundId),
            or(eq(adminRefunds.status, 'pending'), and(eq(adminRefunds.status, 'succeeded'), eq(adminRefunds.stripeRefundId, refund.stripeRefundId))),
          ),
        );
    } else {
      await db
        .update(adminRefunds)
        .set({ status: 'succeeded', stripeRefundId: refund.stripeRefundId, failureReason: null, updatedAt: new Date() })
        .where(and(eq(adminRefunds.id, refund.adminRefundId), eq(adminRefunds.status, 'pending')));
    }
  }
}
