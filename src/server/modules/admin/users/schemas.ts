import { z } from 'zod';
import { subscriptionStatuses } from '../../../db/schema.js';
import { isoDate, uuidParam } from '../../../http/schemas.js';
import { auditEntry } from '../audit/schemas.js';

// Users in the operator console (SPEC §14): search, everything support needs about one member, and the three
// switches (status, role, payouts paused), each change audited in its own transaction.

const cents = z.number().int();
const role = z.enum(['member', 'admin']);
const accountStatus = z.enum(['active', 'suspended']);

export const userSearchQuery = z.strictObject({
  q: z
    .string()
    .trim()
    .max(200)
    .optional()
    .describe('part of the email or username (case-insensitive), or an exact id: user id, Stripe customer, subscription or Connect account'),
  page: z.coerce.number().int().min(1).max(10_000).default(1),
  page_size: z.coerce.number().int().min(1).max(100).default(20),
});
export type UserSearchQuery = z.infer<typeof userSearchQuery>;

export const adminUser = z.object({
  id: z.uuid(),
  username: z.string(),
  email: z.string(),
  display_name: z.string().nullable(),
  role,
  status: accountStatus,
  payouts_paused: z.boolean(),
  email_verified: z.boolean(),
  is_creator: z.boolean().describe('has written a flow'),
  subscription_status: z.enum(subscriptionStatuses).nullable().describe('the member’s live (else latest) subscription; null: never subscribed'),
  deleted: z.boolean().describe('the member deleted the account: personal data erased, money records kept'),
  deleted_at: isoDate.nullable(),
  created_at: isoDate,
});
export type AdminUserView = z.infer<typeof adminUser>;

export const userSearchResponse = z.object({
  items: z.array(adminUser).describe('newest accounts first'),
  total: z.number().int(),
  page: z.number().int(),
  page_size: z.number().int(),
  has_more: z.boolean(),
});
export type UserSearchView = z.infer<typeof userSearchResponse>;

export const userIdParams = z.object({ id: uuidParam });

const adminInvoice = z.object({
  id: z.string(),
  subscription_id: z.string(),
  billing_period_id: z.uuid().nullable(),
  status: z.string().describe('as Stripe reports it: draft, open, paid, void, uncollectible'),
  billing_reason: z.string().nullable(),
  currency: z.string(),
  total_cents: cents.describe('after discounts, before customer credit'),
  discount_cents: cents,
  amount_paid_cents: cents.describe('cash'),
  earnings_credit_cents: cents.describe('paid from the member’s own applied earnings'),
  collected_cents: cents.describe('cash + own earnings credit: the basis of the period’s creator pool'),
  refunded_cents: cents.describe('refunded at Stripe (its charges’ refunds)'),
  period_refunded_cents: cents.nullable().describe('what lowers the period’s pool: refunds plus open or lost disputes; null without a period'),
  refundable_cents: cents.describe('what a console refund can still take back: amount paid − refunded; 0 without a card payment to refund'),
  paid_at: isoDate.nullable(),
  created_at: isoDate,
});

const adminPayout = z.object({
  id: z.uuid(),
  amount_cents: cents,
  currency: z.string(),
  status: z.enum(['pending', 'processing', 'paid', 'failed']),
  kind: z.enum(['scheduled', 'withdrawal']),
  attempts: z.number().int(),
  failure_reason: z.string().nullable().describe('why it failed, or the last unclear answer while it is retried'),
  stripe_transfer_id: z.string().nullable(),
  reversed_cents: cents,
  created_at: isoDate,
  paid_at: isoDate.nullable(),
});

const adminRefund = z.object({
  id: z.uuid(),
  invoice_id: z.string(),
  amount_cents: cents,
  reason: z.string(),
  status: z.enum(['pending', 'succeeded', 'failed']),
  stripe_refund_id: z.string().nullable(),
  failure_reason: z.string().nullable(),
  actor: z.object({ id: z.uuid(), username: z.string() }),
  created_at: isoDate,
});

export const userDetailResponse = z.object({
  account: adminUser.extend({
    email_verified_at: isoDate.nullable(),
    updated_at: isoDate,
  }),
  subscription: z
    .object({
      id: z.string(),
      status: z.enum(subscriptionStatuses),
      current_period_start: isoDate,
      current_period_end: isoDate,
      cancel_at_period_end: z.boolean(),
      canceled_at: isoDate.nullable(),
      plan_amount_cents: cents,
    })
    .nullable()
    .describe('the live subscription, else the latest; null: never subscribed'),
  usage: z
    .object({
      billing_period_id: z.uuid(),
      period_start: isoDate,
      period_end: isoDate,
      status: z.enum(['open', 'paid', 'void']).describe('open: invoice not paid yet (earnings pending); void: never paid'),
      copies: z.number().int(),
      counted_copies: z.number().int().describe('copies that earned their creator money'),
      paid_copies_remaining: z.number().int(),
      paid_copies_per_period: z.number().int(),
      copy_limit_per_period: z.number().int(),
      basis_cents: cents.describe('what the period is worth (its paid invoice; the plan amount until then)'),
      amount_paid_cents: cents,
      collected_cents: cents.nullable().describe('from the period’s invoice; null until it is known'),
      refunded_cents: cents.describe('refunded plus disputed: lowers the pool'),
      earned_cents: cents.describe('creators’ earnings from this period'),
      invoice_id: z.string().nullable(),
      paid_at: isoDate.nullable(),
    })
    .nullable()
    .describe('the subscription’s current billing period'),
  invoices: z.array(adminInvoice).describe('newest first, at most 50'),
  balances: z
    .object({
      pending_cents: cents,
      held_cents: cents,
      available_cents: cents,
      in_transit_cents: cents,
      paid_cents: cents,
      credited_cents: cents.describe('applied to the member’s own subscription'),
    })
    .describe('the member’s earnings as a creator, sums of ledger entries'),
  payouts: z.array(adminPayout).describe('newest first, at most 50'),
  connect: z.object({
    status: z.enum(['not_connected', 'onboarding', 'enabled']),
    account_id: z.string().nullable(),
    payouts_enabled: z.boolean(),
  }),
  stripe: z.object({
    customer_id: z.string().nullable(),
    subscription_id: z.string().nullable(),
    connect_account_id: z.string().nullable(),
  }),
  admin_refunds: z.array(adminRefund).describe('refunds made in the console on this member’s invoices, newest first'),
  audit: z.array(auditEntry).describe('the newest 20 audit entries about this member: the account, console refunds of their invoices, their payouts and flows'),
});
export type UserDetailView = z.infer<typeof userDetailResponse>;

const operatorReason = z.string().trim().min(1, { error: 'give a reason (it goes into the audit log)' }).max(1_000);

export const userPatchBody = z
  .strictObject({
    status: accountStatus.optional().describe('suspended: every request of the member is refused within 5 seconds'),
    role: role.optional(),
    payouts_paused: z.boolean().optional().describe('true: payout runs skip the member and withdrawals are refused (409)'),
    reason: operatorReason,
  })
  .refine((body) => body.status !== undefined || body.role !== undefined || body.payouts_paused !== undefined, {
    error: 'change at least one of status, role and payouts_paused',
  });
export type UserPatch = z.infer<typeof userPatchBody>;

export const userPatchResponse = z.object({
  user: adminUser,
  audit: z.array(auditEntry).describe('the entries this change wrote, one per field that changed (none if nothing changed)'),
});
export type UserPatchView = z.infer<typeof userPatchResponse>;
