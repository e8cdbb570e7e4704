import { randomBytes } from 'node:crypto';
import type { AppContext } from '../../context.js';
import type { Db, Tx } from '../../db/client.js';
import { NotFoundError } from '../../errors.js';
import type { Viewer } from '../auth/viewer.js';
import { isStripeUnavailable } from '../../integrations/stripe/availability.js';
import { findPendingEmailChange, listAccountTokensOf, listSessionsOf, retireAccountTokens, revokeAllSessions } from '../auth/repository.js';
import { confirmPassword, hashPassword } from '../auth/service.js';
import { enqueueAccountDeletedEmail } from '../email/service.js';
import { archiveFlowsOfAuthor } from '../flows/repository.js';
import { creatorBalances } from '../ledger/repository.js';
import { readPayoutState } from '../payouts/repository.js';
import { closeCheckoutSession, findLiveSubscription, findOpenCheckoutSession } from '../subscriptions/repository.js';
import { erasedEmailOf, erasedUsernameOf } from './erasure.js';
import { AccountDeletionBlockedError, BillingUnreachableError } from './errors.js';
import {
  countUsersUnderSeedLock,
  eraseUser,
  exportBillingPeriodsOf,
  exportCopiesOf,
  exportEarningsOf,
  exportFlowsOf,
  exportInvoicesOf,
  exportMailsOf,
  exportPayoutsOf,
  exportSubscriptionsOf,
  findUserById,
  hasPublishedFlow,
  lockUser,
  findPublicProfile,
  redactMailsOf,
  updateProfile,
  type UserRow,
} from './repository.js';
import type { AccountExport, ProfilePatch, PublicProfileView, UserView } from './schemas.js';

export function toUserView(user: UserRow, isCreator: boolean, pendingEmail: string | null = null): UserView {
  return {
    id: user.id,
    email: user.email,
    username: user.username,
    role: user.role,
    is_creator: isCreator,
    email_verified: user.emailVerifiedAt !== null,
    pending_email: pendingEmail,
    display_name: user.displayName,
    bio: user.bio,
    links: user.links,
    avatar_url: user.avatarUrl,
    created_at: user.createdAt.toISOString(),
  };
}

async function findLiveAccount(db: Db, userId: string): Promise<UserRow> {
  const user = await findUserById(db, userId);
  if (!user || user.deletedAt) throw new NotFoundError('Your account');
  return user;
}

export async function getCurrentUser(db: Db, viewer: Viewer): Promise<UserView> {
  const user = await findLiveAccount(db, viewer.id);
  const [isCreator, pending] = await Promise.all([hasPublishedFlow(db, user.id), findPendingEmailChange(db, user.id)]);
  return toUserView(user, isCreator, pending?.newEmail ?? null);
}

/** The public profile; deleted and suspended accounts are hidden (404), as unknown ones are. */
export async function getPublicProfile(db: Db, username: string): Promise<PublicProfileView> {
  const profile = await findPublicProfile(db, username);
  if (!profile) throw new NotFoundError('The member');
  return {
    username: profile.username,
    display_name: profile.displayName,
    bio: profile.bio,
    links: profile.links,
    avatar_url: profile.avatarUrl,
    joined_at: profile.joinedAt.toISOString(),
    flows_count: profile.flowsCount,
    total_copies: profile.totalCopies,
    total_likes: profile.totalLikes,
  };
}

/** PATCH /v1/users/me: only the fields sent change; null removes one. */
export async function updateMyProfile(tx: Tx, viewer: Viewer, patch: ProfilePatch): Promise<UserView> {
  await findLiveAccount(tx, viewer.id);
  const changes = {
    displayName: patch.display_name,
    bio: patch.bio === '' ? null : patch.bio,
    links: patch.links,
    avatarUrl: patch.avatar_url,
  };
  const defined = Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined));
  if (Object.keys(defined).length > 0) await updateProfile(tx, viewer.id, defined);
  return getCurrentUser(tx, viewer);
}

/** For the demo seed, in its transaction: whether the database has no account yet (serialized between seeders). */
export async function hasNoAccountsForSeeding(tx: Tx): Promise<boolean> {
  return (await countUsersUnderSeedLock(tx)) === 0;
}

// ---------------------------------------------------------------------------------------------------------------
// Export

const iso = (date: Date) => date.toISOString();
const isoOrNull = (date: Date | null) => date?.toISOString() ?? null;

/** GET /v1/users/me/export: one document with everything stored about the member (no secrets: no hashes, no tokens). */
export async function exportAccount(db: Db, viewer: Viewer): Promise<AccountExport> {
  const user = await findLiveAccount(db, viewer.id);
  const [pending, sessions, links, subscriptions, periods, copies, flows, earnings, balances, payouts, mails] = await Promise.all([
    findPendingEmailChange(db, user.id),
    listSessionsOf(db, user.id),
    listAccountTokensOf(db, user.id),
    exportSubscriptionsOf(db, user.id),
    exportBillingPeriodsOf(db, user.id),
    exportCopiesOf(db, user.id),
    exportFlowsOf(db, user.id),
    exportEarningsOf(db, user.id),
    creatorBalances(db, user.id),
    exportPayoutsOf(db, user.id),
    exportMailsOf(db, user.id),
  ]);
  const invoices = await exportInvoicesOf(
    db,
    subscriptions.map((s) => s.id),
  );
  return {
    format: 'flowtab.account-export/1',
    exported_at: new Date().toISOString(),
    account: {
      id: user.id,
      email: user.email,
      username: user.username,
      role: user.role,
      status: user.status,
      email_verified_at: isoOrNull(user.emailVerifiedAt),
      pending_email: pending?.newEmail ?? null,
      display_name: user.displayName,
      bio: user.bio,
      links: user.links,
      avatar_url: user.avatarUrl,
      wants_summary_emails: user.wantsSummaryEmails,
      stripe_customer_id: user.stripeCustomerId,
      connect_account_id: user.connectAccountId,
      payouts_enabled: user.payoutsEnabled,
      created_at: iso(user.createdAt),
      updated_at: iso(user.updatedAt),
    },
    sessions: sessions.map((s) => ({
      id: s.id,
      kind: s.kind,
      name: s.name,
      user_agent: s.userAgent,
      scopes: s.scopes,
      created_at: iso(s.createdAt),
      expires_at: iso(s.expiresAt),
      revoked_at: isoOrNull(s.revokedAt),
      last_used_at: isoOrNull(s.lastUsedAt),
    })),
    account_links: links.map((l) => ({
      id: l.id,
      purpose: l.purpose,
      email: l.newEmail,
      created_at: iso(l.createdAt),
      expires_at: iso(l.expiresAt),
      used_at: isoOrNull(l.usedAt),
    })),
    subscriptions: subscriptions.map((s) => ({
      id: s.id,
      customer_id: s.customerId,
      status: s.status,
      price_id: s.priceId,
      plan_amount_cents: s.planAmountCents,
      current_period_start: iso(s.currentPeriodStart),
      current_period_end: iso(s.currentPeriodEnd),
      cancel_at_period_end: s.cancelAtPeriodEnd,
      canceled_at: isoOrNull(s.canceledAt),
      duplicate_of: s.duplicateOf,
      created_at: iso(s.createdAt),
      updated_at: iso(s.updatedAt),
    })),
    billing_periods: periods.map((p) => ({
      id: p.id,
      subscription_id: p.subscriptionId,
      period_start: iso(p.periodStart),
      period_end: iso(p.periodEnd),
      status: p.status,
      invoice_id: p.invoiceId,
      basis_cents: p.basisCents,
      amount_paid_cents: p.amountPaidCents,
      refunded_cents: p.refundedCents,
      copies_count: p.copiesCount,
      counted_copies: p.countedCopies,
      earned_cents: p.earnedCents,
      paid_at: isoOrNull(p.paidAt),
    })),
    invoices: invoices.map((i) => ({
      id: i.id,
      subscription_id: i.subscriptionId,
      status: i.status,
      currency: i.currency,
      billing_reason: i.billingReason,
      subtotal_cents: i.subtotalCents,
      discount_cents: i.discountCents,
      total_cents: i.totalCents,
      amount_due_cents: i.amountDueCents,
      amount_paid_cents: i.amountPaidCents,
      applied_balance_cents: i.appliedBalanceCents,
      paid_at: isoOrNull(i.paidAt),
      created_at: iso(i.createdAt),
    })),
    copies: copies.map(({ copy, flowSlug, flowTitle }) => ({
      id: copy.id,
      flow_id: copy.flowId,
      flow_slug: flowSlug,
      flow_title: flowTitle,
      billing_period_id: copy.billingPeriodId,
      counted_for_payout: copy.isCounted,
      payout_cents: copy.payoutCents,
      copied_at: iso(copy.copiedAt),
    })),
    flows: flows.map((f) => ({
      id: f.id,
      slug: f.slug,
      title: f.title,
      summary: f.summary,
      body: f.body,
      steps: f.steps,
      notes: f.notes,
      target_sites: f.targetSites,
      works_with: f.worksWith,
      tags: f.tags,
      is_premium: f.isPremium,
      featured: f.featured,
      status: f.status,
      copy_count: f.copyCount,
      like_count: f.likeCount,
      published_at: isoOrNull(f.publishedAt),
      created_at: iso(f.createdAt),
      updated_at: iso(f.updatedAt),
    })),
    earnings: {
      balances: Object.fromEntries(Object.entries(balances).map(([account, cents]) => [account, cents ?? 0])),
      periods: earnings.periods.map((e) => ({
        billing_period_id: e.billingPeriodId,
        state: e.state,
        gross_cents: e.grossCents,
        net_cents: e.netCents,
        counted_copies: e.countedCopies,
        payout_id: e.payoutId,
        released_at: isoOrNull(e.releasedAt),
        created_at: iso(e.createdAt),
      })),
      ledger_entries: earnings.entries.map((e) => ({
        id: e.id,
        transaction_id: e.transactionId,
        account: e.account,
        billing_period_id: e.billingPeriodId,
        amount_cents: e.amountCents,
        created_at: iso(e.createdAt),
      })),
    },
    payouts: payouts.payouts.map((p) => ({
      id: p.id,
      amount_cents: p.amountCents,
      currency: p.currency,
      kind: p.kind,
      status: p.status,
      stripe_transfer_id: p.stripeTransferId,
      failure_reason: p.failureReason,
      reversed_cents: p.reversedCents,
      paid_at: isoOrNull(p.paidAt),
      created_at: iso(p.createdAt),
    })),
    credits_to_subscription: payouts.credits.map((c) => ({
      id: c.id,
      amount_cents: c.amountCents,
      status: c.status,
      stripe_balance_transaction_id: c.stripeBalanceTransactionId,
      created_at: iso(c.createdAt),
    })),
    mails: mails.map((m) => ({
      id: m.id,
      template: m.template,
      subject: m.subject,
      to: m.toAddress,
      status: m.status,
      created_at: iso(m.createdAt),
      sent_at: isoOrNull(m.sentAt),
    })),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Deletion (SPEC §13): Stripe first, with no transaction open; then everything of ours in one transaction.

export type DeletionPlan = { user: UserRow; passwordHash: string; minPayoutCents: number; expiredCheckoutId: string | undefined };

/** 409 while a payout is in flight or an available balance of at least the minimum waits (withdraw first). */
async function refuseWhileMoneyWaits(db: Db, userId: string, minPayoutCents: number): Promise<void> {
  const state = await readPayoutState(db, userId, 'account-deletion');
  if (state?.openPayoutId) throw new AccountDeletionBlockedError({ kind: 'payout_in_flight', payoutId: state.openPayoutId });
  if (state && state.availableCents >= minPayoutCents) {
    throw new AccountDeletionBlockedError({ kind: 'balance_waiting', availableCents: state.availableCents, minPayoutCents });
  }
}

/**
 * DELETE /v1/users/me, first half: the password (401), the money checks (409), then Stripe — the live subscription
 * cancelled at once and an open Checkout Session expired, each with a key from our ids, so a retry after a failure
 * repeats nothing. If Stripe cannot be reached nothing is deleted (503). Also hashes a secret no one will know, to
 * replace the password (argon2 outside the transaction).
 */
export async function prepareAccountDeletion(ctx: AppContext, viewer: Viewer, password: string): Promise<DeletionPlan> {
  const user = await confirmPassword(ctx.db, viewer.id, password);
  const minPayoutCents = ctx.config.minPayoutCents;
  await refuseWhileMoneyWaits(ctx.db, user.id, minPayoutCents);
  let expiredCheckoutId: string | undefined;
  try {
    const checkout = await findOpenCheckoutSession(ctx.db, user.id);
    if (checkout?.stripeSessionId) {
      await ctx.stripe.expireCheckoutSession({ userId: user.id, sessionId: checkout.stripeSessionId }).catch(async (error: unknown) => {
        // Already completed or expired at Stripe: nothing left to stop (a completed one is a subscription, below).
        if ((error as { code?: string }).code !== 'checkout_session_not_open') throw error;
      });
      expiredCheckoutId = checkout.id;
    }
    const live = await findLiveSubscription(ctx.db, user.id);
    if (live) await cancelAtStripe(ctx, user.id, live.id);
  } catch (error) {
    if (isStripeUnavailable(error)) throw new BillingUnreachableError();
    throw error;
  }
  return { user, passwordHash: await hashPassword(randomBytes(32).toString('base64url')), minPayoutCents, expiredCheckoutId };
}

async function cancelAtStripe(ctx: AppContext, userId: string, subscriptionId: string) {
  try {
    await ctx.stripe.cancelSubscriptionOfDeletedAccount({ userId, subscriptionId });
  } catch (error) {
    // Stripe refuses to cancel what has ended already (its own dunning, a webhook we have not seen yet): that is done.
    const current = await ctx.stripe.retrieveSubscription(subscriptionId).catch(() => undefined);
    if (current && (current.status === 'canceled' || current.status === 'incomplete_expired')) return;
    throw error;
  }
}

/**
 * Second half, in the route's transaction: the member's row locked, the money checks again (a payout may have
 * started meanwhile), then flows archived, every session ended (personal access tokens too), unused links retired,
 * personal data erased, past mails redacted and the deletion notice queued to the address the account had.
 * Copies, ledger entries, payouts and subscriptions stay, pointing at the pseudonymous row.
 */
export async function deleteAccount(tx: Tx, plan: DeletionPlan): Promise<{ archivedFlows: number; endedSessions: number }> {
  const userId = plan.user.id;
  // FOR UPDATE: waits for a payout or withdrawal holding the creator (FOR NO KEY UPDATE), and holds them off after.
  const user = await lockUser(tx, userId);
  if (!user || user.deletedAt) throw new NotFoundError('Your account');
  await refuseWhileMoneyWaits(tx, userId, plan.minPayoutCents);
  const archivedFlows = await archiveFlowsOfAuthor(tx, userId);
  const endedSessions = await revokeAllSessions(tx, userId);
  await retireAccountTokens(tx, userId, ['verify_email', 'reset_password', 'change_email']);
  if (plan.expiredCheckoutId) await closeCheckoutSession(tx, { id: plan.expiredCheckoutId }, 'expired');
  await enqueueAccountDeletedEmail(tx, user);
  const erased = { email: erasedEmailOf(userId), username: erasedUsernameOf(userId) };
  await redactMailsOf(tx, userId, erased, `account-deleted:${userId}`);
  await eraseUser(tx, userId, { ...erased, passwordHash: plan.passwordHash });
  return { archivedFlows, endedSessions };
}
