import { and, count, desc, eq, type SQL } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { Db, Tx } from '../../../db/client.js';
import { adminRefunds, invoices, subscriptions, users } from '../../../db/schema.js';

// Refunds asked for in the operator console (SPEC §14): the request row, written before Stripe is asked and settled
// after it answered. The idempotency key is unique, so a repeated request finds the row the first one made.

export type AdminRefundRow = typeof adminRefunds.$inferSelect;

/** The invoice a refund is asked for, with the member it bills. */
export type RefundableInvoice = {
  id: string;
  status: string;
  paymentIntentId: string | null;
  amountPaidCents: number;
  userId: string;
};

export async function findInvoiceToRefund(db: Db, invoiceId: string): Promise<RefundableInvoice | undefined> {
  const [row] = await db
    .select({
      id: invoices.id,
      status: invoices.status,
      paymentIntentId: invoices.paymentIntentId,
      amountPaidCents: invoices.amountPaidCents,
      userId: subscriptions.userId,
    })
    .from(invoices)
    .innerJoin(subscriptions, eq(subscriptions.id, invoices.subscriptionId))
    .where(eq(invoices.id, invoiceId));
  return row;
}

export async function findAdminRefundByKey(db: Db, idempotencyKey: string): Promise<AdminRefundRow | undefined> {
  const [row] = await db.select().from(adminRefunds).where(eq(adminRefunds.idempotencyKey, idempotencyKey));
  return row;
}

/** Inserts the pending request once per key; undefined when a request with this key already exists. */
export async function insertAdminRefund(
  tx: Tx,
  values: { idempotencyKey: string; actorId: string; invoiceId: string; chargeId: string; amountCents: number; reason: string },
): Promise<AdminRefundRow | undefined> {
  const [row] = await tx.insert(adminRefunds).values(values).onConflictDoNothing({ target: adminRefunds.idempotencyKey }).returning();
  return row;
}

/** pending → succeeded, once; undefined when it was settled already. */
export async function markAdminRefundSucceeded(tx: Tx, id: string, stripeRefundId: string): Promise<AdminRefundRow | undefined> {
  const [row] = await tx
    .update(adminRefunds)
    .set({ status: 'succeeded', stripeRefundId, failureReason: null, updatedAt: new Date() })
    .where(and(eq(adminRefunds.id, id), eq(adminRefunds.status, 'pending')))
    .returning();
  return row;
}

/** pending → failed, once: Stripe refused it, so no refund exists. */
export async function markAdminRefundFailed(tx: Tx, id: string, failureReason: string): Promise<AdminRefundRow | undefined> {
  const [row] = await tx
    .update(adminRefunds)
    .set({ status: 'failed', failureReason, updatedAt: new Date() })
    .where(and(eq(adminRefunds.id, id), eq(adminRefunds.status, 'pending')))
    .returning();
  return row;
}

export type AdminRefundWithPeople = AdminRefundRow & {
  user: { id: string; username: string };
  actor: { id: string; username: string };
};

const member = alias(users, 'member');
const actor = alias(users, 'actor');

function selectWithPeople(db: Db) {
  return db
    .select({ refund: adminRefunds, user: { id: member.id, username: member.username }, actor: { id: actor.id, username: actor.username } })
    .from(adminRefunds)
    .innerJoin(invoices, eq(invoices.id, adminRefunds.invoiceId))
    .innerJoin(subscriptions, eq(subscriptions.id, invoices.subscriptionId))
    .innerJoin(member, eq(member.id, subscriptions.userId))
    .innerJoin(actor, eq(actor.id, adminRefunds.actorId));
}

export async function findAdminRefundWithPeople(db: Db, id: string): Promise<AdminRefundWithPeople | undefined> {
  const [row] = await selectWithPeople(db).where(eq(adminRefunds.id, id));
  return row && { ...row.refund, user: row.user, actor: row.actor };
}

export type AdminRefundFilter = { userId?: string; invoiceId?: string };

function whereOf(filter: AdminRefundFilter): SQL | undefined {
  return and(
    filter.invoiceId ? eq(adminRefunds.invoiceId, filter.invoiceId) : undefined,
    filter.userId ? eq(subscriptions.userId, filter.userId) : undefined,
  );
}

/** Newest first. */
export async function listAdminRefunds(db: Db, filter: AdminRefundFilter, page: { limit: number; offset: number }): Promise<AdminRefundWithPeople[]> {
  const rows = await selectWithPeople(db)
    .where(whereOf(filter))
    .orderBy(desc(adminRefunds.createdAt), desc(adminRefunds.id))
    .limit(page.limit)
    .offset(page.offset);
  return rows.map((row) => ({ ...row.refund, user: row.user, actor: row.actor }));
}

export async function countAdminRefunds(db: Db, filter: AdminRefundFilter): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(adminRefunds)
    .innerJoin(invoices, eq(invoices.id, adminRefunds.invoiceId))
    .innerJoin(subscriptions, eq(subscriptions.id, invoices.subscriptionId))
    .where(whereOf(filter));
  return row?.n ?? 0;
}
