import { and, desc, eq, inArray, isNotNull, isNull, ne, or, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { checkoutSessions, invoices, subscriptions } from '../../db/schema.js';
import { rowsOf } from '../../db/rows.js';
import { LIVE_STATUSES } from './standing.js';

export type SubscriptionRow = typeof subscriptions.$inferSelect;

/**
 * Whether the member has a subscription in good standing (never a duplicate): the paywall's question on every list and
 * flow a member reads (flows/service.ts), so its statement is built once per database handle, not per request (the
 * query builder was 7% of the API's CPU in a member's search), and it reads one column, not the row.
 */
export async function hasGoodStandingSubscription(db: Db, userId: string): Promise<boolean> {
  let statement = goodStandingStatements.get(db);
  if (!statement) {
    statement = db
      .select({ id: subscriptions.id })
      .from(subscriptions)
      .where(and(eq(subscriptions.userId, sql.placeholder('userId')), sql`is_good_standing(${subscriptions.status})`, isNull(subscriptions.duplicateOf)))
      .limit(1)
      .prepare(undefined as unknown as string);
    goodStandingStatements.set(db, statement);
  }
  return (await statement.execute({ userId })).length > 0;
}

const goodStandingStatements = new WeakMap<Db, { execute(values: { userId: string }): Promise<unknown[]> }>();

/** The member's most relevant subscription: a live one first, else the latest (never a duplicate). */
export async function findLatestSubscription(db: Db, userId: string): Promise<SubscriptionRow | undefined> {
  const [row] = await db
    .select()
    .from(subscriptions)
    .where(and(eq(subscriptions.userId, userId), isNull(subscriptions.duplicateOf)))
    .orderBy(sql`is_good_standing(${subscriptions.status}) desc`, desc(subscriptions.currentPeriodEnd))
    .limit(1);
  return row;
}

/** The member's live subscription (duplicates, being cancelled, are not the member's subscription). */
export async function findLiveSubscription(db: Db, userId: string, exceptId?: string): Promise<SubscriptionRow | undefined> {
  const [row] = await db
    .select()
    .from(subscriptions)
    .where(
      and(
        eq(subscriptions.userId, userId),
        inArray(subscriptions.status, LIVE_STATUSES),
        isNull(subscriptions.duplicateOf),
        exceptId ? ne(subscriptions.id, exceptId) : undefined,
      ),
    )
    .orderBy(subscriptions.createdAt)
    .limit(1);
  return row;
}

/** Serializes work on one member's subscriptions (two going live at once): the member's row, locked. */
export async function lockMember(db: Db, userId: string): Promise<void> {
  await db.execute(sql`select 1 from users where id = ${userId} for no key update`);
}

export async function markDuplicateSubscription(db: Db, id: string, keptId: string): Promise<SubscriptionRow | undefined> {
  const [row] = await db
    .update(subscriptions)
    .set({ duplicateOf: keptId, updatedAt: new Date() })
    .where(and(eq(subscriptions.id, id), isNull(subscriptions.duplicateOf)))
    .returning();
  return row;
}

export async function listUnsettledDuplicates(db: Db, limit = 100): Promise<SubscriptionRow[]> {
  return db
    .select()
    .from(subscriptions)
    .where(and(isNotNull(subscriptions.duplicateOf), isNull(subscriptions.duplicateSettledAt)))
    .limit(limit);
}

export async function markDuplicateSettled(db: Db, id: string) {
  await db.update(subscriptions).set({ duplicateSettledAt: new Date(), updatedAt: new Date() }).where(eq(subscriptions.id, id));
}

export type CheckoutSessionRow = typeof checkoutSessions.$inferSelect;

// Written out, not a parameter: a prepared statement's generic plan can use the one-open-per-member index (WHERE
// status = 'open') only if it says which status it wants; with a parameter every look-up was planned again. The
// insert's conflict arbiter names the same predicate, so the index is inferred.
const isOpen = sql`${checkoutSessions.status} = 'open'`;

/**
 * The member's open checkout: claimed once (a partial unique index allows one open row per member), so parallel
 * requests all get this row, and through its id (the Stripe idempotency key) the same Checkout Session.
 */
export async function claimCheckoutSession(db: Db, userId: string): Promise<CheckoutSessionRow> {
  await db
    .insert(checkoutSessions)
    .values({ userId, expiresAt: sql`now() + interval '1 day'` })
    .onConflictDoNothing({ target: checkoutSessions.userId, where: isOpen });
  const [row] = await db
    .select()
    .from(checkoutSessions)
    .where(and(eq(checkoutSessions.userId, userId), isOpen));
  return row!;
}

export async function recordCheckoutSession(db: Db, id: string, session: { id: string; url: string; expiresAt: Date }) {
  await db
    .update(checkoutSessions)
    .set({ stripeSessionId: session.id, url: session.url, expiresAt: session.expiresAt, updatedAt: new Date() })
    .where(and(eq(checkoutSessions.id, id), or(isNull(checkoutSessions.stripeSessionId), eq(checkoutSessions.stripeSessionId, session.id))));
}

/** The member's open checkout, if any (read only: claimCheckoutSession makes one). */
export async function findOpenCheckoutSession(db: Db, userId: string): Promise<CheckoutSessionRow | undefined> {
  const [row] = await db
    .select()
    .from(checkoutSessions)
    .where(and(eq(checkoutSessions.userId, userId), isOpen));
  return row;
}

/** The session completed or expired at Stripe: the next checkout makes a new one. */
export async function closeCheckoutSession(db: Db, where: { id: string } | { stripeSessionId: string }, status: 'complete' | 'expired') {
  await db
    .update(checkoutSessions)
    .set({ status, updatedAt: new Date() })
    .where(
      and(
        'id' in where ? eq(checkoutSessions.id, where.id) : eq(checkoutSessions.stripeSessionId, where.stripeSessionId),
        eq(checkoutSessions.status, 'open'),
      ),
    );
}

export async function findInvoiceByPaymentIntent(db: Db, paymentIntentId: string): Promise<InvoiceRow | undefined> {
  const [row] = await db.select().from(invoices).where(eq(invoices.paymentIntentId, paymentIntentId)).limit(1);
  return row;
}

export async function findSubscription(db: Db, id: string): Promise<SubscriptionRow | undefined> {
  const [row] = await db.select().from(subscriptions).where(eq(subscriptions.id, id));
  return row;
}

export async function upsertSubscription(db: Db, values: typeof subscriptions.$inferInsert): Promise<SubscriptionRow> {
  const { id: _id, createdAt: _createdAt, ...changes } = values;
  const [row] = await db
    .insert(subscriptions)
    .values(values)
    .onConflictDoUpdate({ target: subscriptions.id, set: { ...changes, updatedAt: new Date() } })
    .returning();
  return row!;
}

export type InvoiceRow = typeof invoices.$inferSelect;

export type InvoiceAmounts = {
  id: string;
  subscriptionId: string;
  customerId: string;
  userId: string;
  /** null for a duplicate subscription's invoice: it belongs to no period (SPEC §3). */
  billingPeriodId: string | null;
  status: string;
  currency: string;
  billingReason: string | null;
  paymentIntentId: string | null;
  subtotalCents: number;
  discountCents: number;
  totalCents: number;
  amountDueCents: number;
  amountPaidCents: number;
  /** null while the invoice is a draft: the customer balance is applied when it is finalized. */
  startingBalanceCents: number | null;
  endingBalanceCents: number | null;
  /** When Stripe finalized it (its clock): only earnings credits granted before then can be in its balance. */
  finalizedAt: Date | null;
  paidAt: Date | null;
};

/**
 * Stores the invoice as Stripe reports it and decides, once, how much of the customer balance it consumed came from
 * the member's own earnings credits (SPEC §4): earnings credits are consumed first, up to what the member had
 * applied when Stripe finalized the invoice and earlier invoices have not used. The member's row is locked so two invoices cannot claim the same credit; the
 * split is fixed when the invoice is first seen finalized and never recomputed.
 */
export async function storeInvoiceAmounts(db: Db, amounts: InvoiceAmounts): Promise<InvoiceRow> {
  const isFinal = amounts.startingBalanceCents !== null && amounts.endingBalanceCents !== null && amounts.finalizedAt !== null;
  const applied = isFinal ? Math.max(0, amounts.endingBalanceCents! - amounts.startingBalanceCents!) : 0;
  await lockMember(db, amounts.userId);
  const result = await db.execute(sql`
    with unused_earnings_credit as (
      select greatest(0,
        (select coalesce(sum(ca.amount_cents), 0) from credit_applications ca
          where ca.creator_id = ${amounts.userId} and ca.status = 'applied' and ca.stripe_created_at <= ${amounts.finalizedAt})
        - (select coalesce(sum(i.earnings_credit_cents), 0) from invoices i
            join subscriptions s on s.id = i.subscription_id
           where s.user_id = ${amounts.userId} and i.id <> ${amounts.id})
      )::bigint as cents
    ), split as (
      select least(${applied}::bigint, cents) as earnings_credit from unused_earnings_credit
    )
    insert into invoices as inv (id, subscription_id, customer_id, billing_period_id, status, currency, billing_reason,
      payment_intent_id, subtotal_cents, discount_cents, total_cents, amount_due_cents, amount_paid_cents, starting_balance_cents,
      ending_balance_cents, applied_balance_cents, earnings_credit_cents, collected_cents, paid_at)
    select ${amounts.id}, ${amounts.subscriptionId}, ${amounts.customerId}, ${amounts.billingPeriodId}, ${amounts.status},
      ${amounts.currency}, ${amounts.billingReason}, ${amounts.paymentIntentId}, ${amounts.subtotalCents}, ${amounts.discountCents}, ${amounts.totalCents},
      ${amounts.amountDueCents}, ${amounts.amountPaidCents}, ${amounts.startingBalanceCents ?? 0}, ${amounts.endingBalanceCents ?? 0},
      ${applied}, split.earnings_credit, ${amounts.amountPaidCents} + split.earnings_credit, ${amounts.paidAt}
      from split
    on conflict (id) do update set
      billing_period_id = excluded.billing_period_id,
      status = excluded.status,
      payment_intent_id = coalesce(excluded.payment_intent_id, inv.payment_intent_id),
      subtotal_cents = excluded.subtotal_cents,
      discount_cents = excluded.discount_cents,
      total_cents = excluded.total_cents,
      amount_due_cents = excluded.amount_due_cents,
      amount_paid_cents = excluded.amount_paid_cents,
      starting_balance_cents = case when inv.status = 'draft' then excluded.starting_balance_cents else inv.starting_balance_cents end,
      ending_balance_cents = case when inv.status = 'draft' then excluded.ending_balance_cents else inv.ending_balance_cents end,
      applied_balance_cents = case when inv.status = 'draft' then excluded.applied_balance_cents else inv.applied_balance_cents end,
      earnings_credit_cents = case when inv.status = 'draft' then excluded.earnings_credit_cents else inv.earnings_credit_cents end,
      collected_cents = excluded.amount_paid_cents
        + case when inv.status = 'draft' then excluded.earnings_credit_cents else inv.earnings_credit_cents end,
      paid_at = coalesce(inv.paid_at, excluded.paid_at),
      updated_at = now()
    returning *`);
  const [row] = rowsOf<Record<string, unknown>>(result);
  return toInvoiceRow(row!);
}

function toInvoiceRow(row: Record<string, unknown>): InvoiceRow {
  const n = (key: string) => Number(row[key]);
  const date = (key: string) => (row[key] === null ? null : new Date(row[key] as string));
  return {
    id: row.id as string,
    subscriptionId: row.subscription_id as string,
    customerId: row.customer_id as string,
    billingPeriodId: row.billing_period_id as string | null,
    status: row.status as string,
    currency: row.currency as string,
    billingReason: row.billing_reason as string | null,
    paymentIntentId: row.payment_intent_id as string | null,
    subtotalCents: n('subtotal_cents'),
    discountCents: n('discount_cents'),
    totalCents: n('total_cents'),
    amountDueCents: n('amount_due_cents'),
    amountPaidCents: n('amount_paid_cents'),
    startingBalanceCents: n('starting_balance_cents'),
    endingBalanceCents: n('ending_balance_cents'),
    appliedBalanceCents: n('applied_balance_cents'),
    earningsCreditCents: n('earnings_credit_cents'),
    collectedCents: n('collected_cents'),
    paidAt: date('paid_at'),
    createdAt: date('created_at')!,
    updatedAt: date('updated_at')!,
  };
}
