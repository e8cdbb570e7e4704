import { sql, type SQL } from 'drizzle-orm';
import type { Db, Tx } from '../../../db/client.js';
import { rowsOf } from '../../../db/rows.js';
import type { SubscriptionStatus } from '../../../db/schema.js';

// Users in the operator console (SPEC §14): every SQL statement of the area.

export type AdminUserRow = {
  id: string;
  username: string;
  email: string;
  displayName: string | null;
  role: 'member' | 'admin';
  status: 'active' | 'suspended';
  payoutsPaused: boolean;
  payoutsEnabled: boolean;
  emailVerifiedAt: Date | null;
  stripeCustomerId: string | null;
  connectAccountId: string | null;
  isCreator: boolean;
  subscriptionStatus: SubscriptionStatus | null;
  deletedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
};

type RawUser = {
  id: string;
  username: string;
  email: string;
  display_name: string | null;
  role: 'member' | 'admin';
  status: 'active' | 'suspended';
  payouts_paused: boolean;
  payouts_enabled: boolean;
  email_verified_at: string | Date | null;
  stripe_customer_id: string | null;
  connect_account_id: string | null;
  is_creator: boolean;
  subscription_status: SubscriptionStatus | null;
  deleted_at: string | Date | null;
  created_at: string | Date;
  updated_at: string | Date;
};

const dateOrNull = (value: string | Date | null) => (value === null ? null : new Date(value));

function toAdminUser(row: RawUser): AdminUserRow {
  return {
    id: row.id,
    username: row.username,
    email: row.email,
    displayName: row.display_name,
    role: row.role,
    status: row.status,
    payoutsPaused: row.payouts_paused,
    payoutsEnabled: row.payouts_enabled,
    emailVerifiedAt: dateOrNull(row.email_verified_at),
    stripeCustomerId: row.stripe_customer_id,
    connectAccountId: row.connect_account_id,
    isCreator: row.is_creator,
    subscriptionStatus: row.subscription_status,
    deletedAt: dateOrNull(row.deleted_at),
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}

// The member's subscription as findLatestSubscription (subscriptions repository) picks it: a live one first, else the
// latest, never a duplicate.
const SELECT_ADMIN_USER = sql`
  select u.id, u.username, u.email, u.display_name, u.role, u.status, u.payouts_paused, u.payouts_enabled,
         u.email_verified_at, u.stripe_customer_id, u.connect_account_id, u.deleted_at, u.created_at, u.updated_at,
         exists (select 1 from flows f where f.author_id = u.id) as is_creator,
         (select s.status from subscriptions s
           where s.user_id = u.id and s.duplicate_of is null
           order by is_good_standing(s.status) desc, s.current_period_end desc limit 1) as subscription_status
    from users u`;

/**
 * Part of the email or username (case-insensitive; `position`, so % and _ are plain characters), or an exact id: the
 * user's, or a Stripe customer, Connect account or subscription id.
 */
function searchCondition(q: string | undefined): SQL {
  if (!q) return sql`true`;
  return sql`(position(lower(${q}) in lower(u.email)) > 0
           or position(lower(${q}) in lower(u.username)) > 0
           or u.id::text = lower(${q})
           or u.stripe_customer_id = ${q}
           or u.connect_account_id = ${q}
           or exists (select 1 from subscriptions s where s.user_id = u.id and s.id = ${q}))`;
}

/** Newest accounts first (then by id, so pages are stable). */
export async function searchUsers(db: Db, input: { q?: string; limit: number; offset: number }): Promise<AdminUserRow[]> {
  const result = await db.execute(sql`
    ${SELECT_ADMIN_USER}
     where ${searchCondition(input.q)}
     order by u.created_at desc, u.id desc
     limit ${input.limit} offset ${input.offset}`);
  return rowsOf<RawUser>(result).map(toAdminUser);
}

export async function countUsers(db: Db, q: string | undefined): Promise<number> {
  const result = await db.execute(sql`select count(*) as total from users u where ${searchCondition(q)}`);
  return Number(rowsOf<{ total: string | number }>(result)[0]?.total ?? 0);
}

export async function findAdminUser(db: Db, id: string): Promise<AdminUserRow | undefined> {
  const [row] = rowsOf<RawUser>(await db.execute(sql`${SELECT_ADMIN_USER} where u.id = ${id}::uuid`));
  return row && toAdminUser(row);
}

export type AdminInvoiceRow = {
  id: string;
  subscriptionId: string;
  billingPeriodId: string | null;
  status: string;
  billingReason: string | null;
  currency: string;
  totalCents: number;
  discountCents: number;
  amountPaidCents: number;
  earningsCreditCents: number;
  collectedCents: number;
  refundedCents: number;
  periodRefundedCents: number | null;
  /** Paid with a card payment that a refund can go back to (demo invoices and fully credited ones have none). */
  hasCardPayment: boolean;
  paidAt: Date | null;
  createdAt: Date;
};

/** The member's subscription invoices (duplicates' too), newest first, with what Stripe refunded of their charges. */
export async function listUserInvoices(db: Db, userId: string, limit: number): Promise<AdminInvoiceRow[]> {
  const result = await db.execute(sql`
    select i.id, i.subscription_id, i.billing_period_id, i.status, i.billing_reason, i.currency, i.total_cents, i.discount_cents,
           i.amount_paid_cents, i.earnings_credit_cents, i.collected_cents, i.paid_at, i.created_at,
           i.payment_intent_id is not null as has_card_payment,
           coalesce((select sum(c.refunded_cents) from charges c where c.invoice_id = i.id), 0) as refunded_cents,
           bp.refunded_cents as period_refunded_cents
      from invoices i
      left join billing_periods bp on bp.id = i.billing_period_id
     where i.subscription_id in (select s.id from subscriptions s where s.user_id = ${userId}::uuid)
     order by i.created_at desc, i.id desc
     limit ${limit}`);
  type Raw = {
    id: string;
    subscription_id: string;
    billing_period_id: string | null;
    status: string;
    billing_reason: string | null;
    currency: string;
    total_cents: string | number;
    discount_cents: string | number;
    amount_paid_cents: string | number;
    earnings_credit_cents: string | number;
    collected_cents: string | number;
    refunded_cents: string | number;
    period_refunded_cents: string | number | null;
    has_card_payment: boolean;
    paid_at: string | Date | null;
    created_at: string | Date;
  };
  return rowsOf<Raw>(result).map((row) => ({
    id: row.id,
    subscriptionId: row.subscription_id,
    billingPeriodId: row.billing_period_id,
    status: row.status,
    billingReason: row.billing_reason,
    currency: row.currency,
    totalCents: Number(row.total_cents),
    discountCents: Number(row.discount_cents),
    amountPaidCents: Number(row.amount_paid_cents),
    earningsCreditCents: Number(row.earnings_credit_cents),
    collectedCents: Number(row.collected_cents),
    refundedCents: Number(row.refunded_cents),
    periodRefundedCents: row.period_refunded_cents === null ? null : Number(row.period_refunded_cents),
    hasCardPayment: row.has_card_payment,
    paidAt: dateOrNull(row.paid_at),
    createdAt: new Date(row.created_at),
  }));
}

export type AdminRefundRow = {
  id: string;
  invoiceId: string;
  amountCents: number;
  reason: string;
  status: 'pending' | 'succeeded' | 'failed';
  stripeRefundId: string | null;
  failureReason: string | null;
  actorId: string;
  actorUsername: string;
  createdAt: Date;
};

/** Refunds made in the console on the member's invoices, newest first. */
export async function listUserAdminRefunds(db: Db, userId: string, limit: number): Promise<AdminRefundRow[]> {
  const result = await db.execute(sql`
    select r.id, r.invoice_id, r.amount_cents, r.reason, r.status, r.stripe_refund_id, r.failure_reason, r.created_at,
           r.actor_id, a.username as actor_username
      from admin_refunds r
      join invoices i on i.id = r.invoice_id
      join users a on a.id = r.actor_id
     where i.subscription_id in (select s.id from subscriptions s where s.user_id = ${userId}::uuid)
     order by r.created_at desc, r.id desc
     limit ${limit}`);
  type Raw = {
    id: string;
    invoice_id: string;
    amount_cents: string | number;
    reason: string;
    status: 'pending' | 'succeeded' | 'failed';
    stripe_refund_id: string | null;
    failure_reason: string | null;
    created_at: string | Date;
    actor_id: string;
    actor_username: string;
  };
  return rowsOf<Raw>(result).map((row) => ({
    id: row.id,
    invoiceId: row.invoice_id,
    amountCents: Number(row.amount_cents),
    reason: row.reason,
    status: row.status,
    stripeRefundId: row.stripe_refund_id,
    failureReason: row.failure_reason,
    actorId: row.actor_id,
    actorUsername: row.actor_username,
    createdAt: new Date(row.created_at),
  }));
}

export type LockedAccount = { id: string; username: string; role: 'member' | 'admin'; status: 'active' | 'suspended'; payoutsPaused: boolean; deletedAt: Date | null };

/**
 * Locks the acting admin's row and the target's (in id order, so two admins changing each other wait instead of
 * deadlocking) and reads them as they are now: whoever changed them first has committed. The lock also orders the
 * change with a payout run's or a withdrawal's lock on the creator.
 */
export async function lockActorAndTarget(tx: Tx, actorId: string, targetId: string): Promise<Map<string, LockedAccount>> {
  const result = await tx.execute(sql`
    select id, username, role, status, payouts_paused, deleted_at from users
     where id in (${actorId}::uuid, ${targetId}::uuid)
     order by id
     for no key update`);
  type Raw = { id: string; username: string; role: 'member' | 'admin'; status: 'active' | 'suspended'; payouts_paused: boolean; deleted_at: string | Date | null };
  return new Map(
    rowsOf<Raw>(result).map((row) => [row.id, { id: row.id, username: row.username, role: row.role, status: row.status, payoutsPaused: row.payouts_paused, deletedAt: dateOrNull(row.deleted_at) }]),
  );
}

export type AccountSwitches = { status?: 'active' | 'suspended'; role?: 'member' | 'admin'; payoutsPaused?: boolean };

/** After `lockActorAndTarget`: sets the switches of a live (not deleted) account; false when nothing was updated. */
export async function updateAccountSwitches(tx: Tx, userId: string, changes: AccountSwitches): Promise<boolean> {
  const result = await tx.execute(sql`
    update users
       set status = coalesce(${changes.status ?? null}::text, status),
           role = coalesce(${changes.role ?? null}::text, role),
           payouts_paused = coalesce(${changes.payoutsPaused ?? null}::boolean, payouts_paused),
           updated_at = now()
     where id = ${userId}::uuid and deleted_at is null
    returning id`);
  return rowsOf(result).length === 1;
}
