import type { Config } from '../../../config.js';
import type { Db, Tx } from '../../../db/client.js';
import { NotFoundError } from '../../../errors.js';
import type { Viewer } from '../../auth/viewer.js';
import { paidCopiesRemaining } from '../../ledger/money.js';
import { creatorBalances } from '../../ledger/repository.js';
import { listCreatorPayouts } from '../../payouts/repository.js';
import { connectStatusOf } from '../../payouts/rules.js';
import { findCurrentBillingPeriod } from '../../periods/repository.js';
import { findLatestSubscription } from '../../subscriptions/repository.js';
import { listAuditAboutUser, recordAudit, toAuditEntryView } from '../audit/service.js';
import { AccountDeletedError, NoLongerAdminError, OwnAccountError } from './errors.js';
import {
  type AccountSwitches,
  type AdminUserRow,
  countUsers,
  findAdminUser,
  listUserAdminRefunds,
  listUserInvoices,
  lockActorAndTarget,
  searchUsers,
  updateAccountSwitches,
} from './repository.js';
import type { AdminUserView, UserDetailView, UserPatch, UserPatchView, UserSearchQuery, UserSearchView } from './schemas.js';
import { pageOf } from '../paging.js';

const iso = (date: Date) => date.toISOString();
const isoOrNull = (date: Date | null) => date?.toISOString() ?? null;

export function toAdminUserView(user: AdminUserRow): AdminUserView {
  return {
    id: user.id,
    username: user.username,
    email: user.email,
    display_name: user.displayName,
    role: user.role,
    status: user.status,
    payouts_paused: user.payoutsPaused,
    email_verified: user.emailVerifiedAt !== null,
    is_creator: user.isCreator,
    subscription_status: user.subscriptionStatus,
    deleted: user.deletedAt !== null,
    deleted_at: isoOrNull(user.deletedAt),
    created_at: iso(user.createdAt),
  };
}

/** GET /v1/admin/users: offset pages (page, page_size), newest accounts first. */
export async function searchAdminUsers(db: Db, query: UserSearchQuery): Promise<UserSearchView> {
  const q = query.q === '' ? undefined : query.q;
  const offset = (query.page - 1) * query.page_size;
  const [rows, total] = await Promise.all([searchUsers(db, { q, limit: query.page_size, offset }), countUsers(db, q)]);
  return pageOf(rows.map(toAdminUserView), total, query);
}

const LIST_LIMIT = 50;
const AUDIT_LIMIT = 20;

/**
 * GET /v1/admin/users/{id}: what support needs to answer "why was I charged" and "why wasn't I paid". Balances come
 * from the ledger's one aggregate (creator_balances()), never summed here.
 */
export async function getAdminUserDetail(db: Db, economics: Config['economics'], userId: string): Promise<UserDetailView> {
  const user = await findAdminUser(db, userId);
  if (!user) throw new NotFoundError('The user');
  const [subscription, invoices, balances, payouts, refunds, audit] = await Promise.all([
    findLatestSubscription(db, user.id),
    listUserInvoices(db, user.id, LIST_LIMIT),
    creatorBalances(db, user.id),
    listCreatorPayouts(db, user.id, LIST_LIMIT),
    listUserAdminRefunds(db, user.id, LIST_LIMIT),
    listAuditAboutUser(db, user.id, AUDIT_LIMIT),
  ]);
  const period = subscription ? await findCurrentBillingPeriod(db, subscription) : undefined;
  const periodInvoice = period?.invoiceId ? invoices.find((invoice) => invoice.id === period.invoiceId) : undefined;
  return {
    account: { ...toAdminUserView(user), email_verified_at: isoOrNull(user.emailVerifiedAt), updated_at: iso(user.updatedAt) },
    subscription: subscription
      ? {
          id: subscription.id,
          status: subscription.status,
          current_period_start: iso(subscription.currentPeriodStart),
          current_period_end: iso(subscription.currentPeriodEnd),
          cancel_at_period_end: subscription.cancelAtPeriodEnd,
          canceled_at: isoOrNull(subscription.canceledAt),
          plan_amount_cents: subscription.planAmountCents,
        }
      : null,
    usage: period
      ? {
          billing_period_id: period.id,
          period_start: iso(period.periodStart),
          period_end: iso(period.periodEnd),
          status: period.status,
          copies: period.copiesCount,
          counted_copies: period.countedCopies,
          paid_copies_remaining: paidCopiesRemaining(economics, period.countedCopies),
          paid_copies_per_period: economics.paidCopiesPerPeriod,
          copy_limit_per_period: economics.copyLimitPerPeriod,
          basis_cents: period.basisCents,
          amount_paid_cents: period.amountPaidCents,
          collected_cents: periodInvoice?.collectedCents ?? null,
          refunded_cents: period.refundedCents,
          earned_cents: period.earnedCents,
          invoice_id: period.invoiceId,
          paid_at: isoOrNull(period.paidAt),
        }
      : null,
    invoices: invoices.map((invoice) => ({
      id: invoice.id,
      subscription_id: invoice.subscriptionId,
      billing_period_id: invoice.billingPeriodId,
      status: invoice.status,
      billing_reason: invoice.billingReason,
      currency: invoice.currency,
      total_cents: invoice.totalCents,
      discount_cents: invoice.discountCents,
      amount_paid_cents: invoice.amountPaidCents,
      earnings_credit_cents: invoice.earningsCreditCents,
      collected_cents: invoice.collectedCents,
      refunded_cents: invoice.refundedCents,
      period_refunded_cents: invoice.periodRefundedCents,
      refundable_cents: invoice.hasCardPayment ? Math.max(0, invoice.amountPaidCents - invoice.refundedCents) : 0,
      paid_at: isoOrNull(invoice.paidAt),
      created_at: iso(invoice.createdAt),
    })),
    balances: {
      pending_cents: balances.creator_pending ?? 0,
      held_cents: balances.creator_held ?? 0,
      available_cents: balances.creator_available ?? 0,
      in_transit_cents: balances.creator_in_transit ?? 0,
      paid_cents: balances.creator_paid ?? 0,
      credited_cents: balances.creator_credit_applied ?? 0,
    },
    payouts: payouts.map((payout) => ({
      id: payout.id,
      amount_cents: payout.amountCents,
      currency: payout.currency,
      status: payout.status,
      kind: payout.kind,
      attempts: payout.attempts,
      failure_reason: payout.failureReason,
      stripe_transfer_id: payout.stripeTransferId,
      reversed_cents: payout.reversedCents,
      created_at: iso(payout.createdAt),
      paid_at: isoOrNull(payout.paidAt),
    })),
    connect: { status: connectStatusOf(user), account_id: user.connectAccountId, payouts_enabled: user.payoutsEnabled },
    stripe: { customer_id: user.stripeCustomerId, subscription_id: subscription?.id ?? null, connect_account_id: user.connectAccountId },
    admin_refunds: refunds.map((refund) => ({
      id: refund.id,
      invoice_id: refund.invoiceId,
      amount_cents: refund.amountCents,
      reason: refund.reason,
      status: refund.status,
      stripe_refund_id: refund.stripeRefundId,
      failure_reason: refund.failureReason,
      actor: { id: refund.actorId, username: refund.actorUsername },
      created_at: iso(refund.createdAt),
    })),
    audit,
  };
}

type Change = { action: string; field: 'status' | 'role' | 'payouts_paused'; before: unknown; after: unknown };

/**
 * PATCH /v1/admin/users/{id}, in the caller's transaction: under the lock of both accounts, checks the actor is
 * still an active admin and the target a live account other than theirs, sets the switches that differ, and writes
 * one audit entry per switch changed (before/after of that field, the reason). Nothing changed: no entry.
 */
export async function changeAccountSwitches(tx: Tx, actor: Viewer, userId: string, patch: UserPatch): Promise<UserPatchView> {
  const locked = await lockActorAndTarget(tx, actor.id, userId);
  const target = locked.get(userId);
  if (!target) throw new NotFoundError('The user');
  const acting = locked.get(actor.id);
  if (acting?.role !== 'admin' || acting.status !== 'active' || acting.deletedAt !== null) throw new NoLongerAdminError();
  if (target.deletedAt !== null) throw new AccountDeletedError();
  if (actor.id === userId) throw new OwnAccountError();

  const changes: Change[] = [];
  if (patch.status !== undefined && patch.status !== target.status) {
    changes.push({ action: patch.status === 'suspended' ? 'user.suspended' : 'user.reinstated', field: 'status', before: target.status, after: patch.status });
  }
  if (patch.role !== undefined && patch.role !== target.role) {
    changes.push({ action: 'user.role_changed', field: 'role', before: target.role, after: patch.role });
  }
  if (patch.payouts_paused !== undefined && patch.payouts_paused !== target.payoutsPaused) {
    changes.push({
      action: patch.payouts_paused ? 'user.payouts_paused' : 'user.payouts_resumed',
      field: 'payouts_paused',
      before: target.payoutsPaused,
      after: patch.payouts_paused,
    });
  }

  const entries = [];
  if (changes.length > 0) {
    const switches: AccountSwitches = { status: patch.status, role: patch.role, payoutsPaused: patch.payouts_paused };
    if (!(await updateAccountSwitches(tx, userId, switches))) throw new AccountDeletedError();
    for (const change of changes) {
      const row = await recordAudit(tx, {
        actorId: actor.id,
        action: change.action,
        target: { type: 'user', id: userId },
        before: { [change.field]: change.before },
        after: { [change.field]: change.after },
        reason: patch.reason,
      });
      entries.push(toAuditEntryView({ ...row, actorUsername: acting.username }));
    }
  }
  const user = await findAdminUser(tx, userId);
  return { user: toAdminUserView(user!), audit: entries };
}
