import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Config } from '../../config.js';
import type { Db, Tx } from '../../db/client.js';
import type { SubscriptionStatus } from '../../db/schema.js';
import { isErasedEmail } from '../users/erasure.js';
import { findUserById } from '../users/repository.js';
import { InvalidUnsubscribeTokenError } from './errors.js';
import { openLinkToken, sealLinkToken } from './link-tokens.js';
import { findOutboxEmail, insertOutboxEmail, listOutboxEmails, notifyOutbox, type OutboxRow, setWantsSummaryEmails } from './repository.js';
import { type EmailData, type EmailTemplate, emailTemplates, isOptionalEmail, type RenderedEmail, renderEmail, subjectOf } from './templates.js';

export type EmailInput<T extends EmailTemplate> = {
  /** One mail per cause, ever: built from the ids of what caused it (`invoice-failed:<invoice id>`). */
  causeKey: string;
  userId: string | null;
  to: string;
  template: T;
  data: EmailData[T];
};

/**
 * Queues a mail in the caller's transaction: it exists if and only if the change that caused it commits, and it is
 * sent after the commit (the insert notifies the senders, which only hear it then). A second call with the same
 * cause key does nothing, so a replayed webhook never mails twice. Returns whether a mail was queued.
 */
export async function enqueueEmail<T extends EmailTemplate>(tx: Tx, input: EmailInput<T>): Promise<boolean> {
  // A deleted account's erased address: nothing can reach it (a payout or a cancelled subscription after deletion).
  if (isErasedEmail(input.to)) return false;
  const id = await insertOutboxEmail(tx, {
    causeKey: input.causeKey,
    userId: input.userId,
    toAddress: input.to,
    template: input.template,
    data: input.data,
    subject: subjectOf(input.template, input.data),
  });
  if (id) await notifyOutbox(tx);
  return id !== undefined;
}

type Recipient = { id: string; email: string; username: string };

/** `link`: the verification link's token and the secret it is sealed with in the outbox (link-tokens.ts). */
export type MailedLink = { token: string; secret: string };

export async function enqueueWelcomeEmail(tx: Tx, user: Recipient, verify?: MailedLink) {
  const data = { username: user.username, ...(verify ? { token: sealLinkToken(verify.secret, verify.token) } : {}) };
  return enqueueEmail(tx, { causeKey: `welcome:${user.id}`, userId: user.id, to: user.email, template: 'welcome', data });
}

// ---------------------------------------------------------------------------------------------------------------
// Account mails (SPEC §13). Each is keyed on the account token it carries, or on the change it reports.

export async function enqueueVerifyEmail(tx: Tx, user: Recipient, link: MailedLink & { tokenId: string }) {
  return enqueueEmail(tx, {
    causeKey: `verify-email:${link.tokenId}`,
    userId: user.id,
    to: user.email,
    template: 'verify_email',
    data: { username: user.username, token: sealLinkToken(link.secret, link.token) },
  });
}

/**
 * The password reset mail without its recipient: auth/repository.ts queues it in the statement that finds the
 * account (if any) and stores the token, so a known and an unknown address cost the same.
 */
export function passwordResetMail(link: MailedLink & { validMinutes: number }) {
  const data = { token: sealLinkToken(link.secret, link.token), validMinutes: link.validMinutes };
  const template = 'password_reset' as const satisfies EmailTemplate;
  return { template, subject: subjectOf(template, { username: '', ...data }), data } satisfies {
    template: EmailTemplate;
    subject: string;
    data: Omit<EmailData['password_reset'], 'username'>;
  };
}

/** To the new address: its link applies the change. */
export async function enqueueEmailChangeEmail(tx: Tx, user: Recipient, link: MailedLink & { tokenId: string; newEmail: string }) {
  return enqueueEmail(tx, {
    causeKey: `email-change:${link.tokenId}`,
    userId: user.id,
    to: link.newEmail,
    template: 'email_change',
    data: { username: user.username, token: sealLinkToken(link.secret, link.token), newEmail: link.newEmail },
  });
}

/** To the old address, once the change is applied (`user` still has it). */
export async function enqueueEmailChangedEmail(tx: Tx, user: Recipient, change: { tokenId: string; newEmail: string }) {
  return enqueueEmail(tx, {
    causeKey: `email-changed:${change.tokenId}`,
    userId: user.id,
    to: user.email,
    template: 'email_changed',
    data: { username: user.username, newEmail: change.newEmail },
  });
}

/** To the address the account had: queued in the deletion's transaction, before the address is erased. */
export async function enqueueAccountDeletedEmail(tx: Tx, user: Recipient) {
  return enqueueEmail(tx, { causeKey: `account-deleted:${user.id}`, userId: user.id, to: user.email, template: 'account_deleted', data: { username: user.username } });
}

/** SPEC §3: the member's second live subscription is being cancelled and refunded; one mail per duplicate. */
export async function enqueueDuplicateRefundedEmail(
  tx: Tx,
  user: Recipient,
  duplicate: { subscriptionId: string; keptSubscriptionId: string; amountCents: number },
) {
  return enqueueEmail(tx, {
    causeKey: `subscription-duplicate:${duplicate.subscriptionId}`,
    userId: user.id,
    to: user.email,
    template: 'subscription_duplicate_refunded',
    data: { username: user.username, ...duplicate, currency: 'usd' },
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Billing notices. Called while the webhook's transaction brings our mirror to Stripe's current state: each notice
// is decided from that state (not from the event), so events that arrive late, reordered or twice mail once.

export type SubscriptionFacts = {
  id: string;
  status: SubscriptionStatus;
  /** Still in its first period (not renewed yet): the subscription has just started. */
  isFirstPeriod: boolean;
  periodStart: Date;
  periodEnd: Date;
  amountCents: number;
  currency: string;
  cancelAtPeriodEnd: boolean;
  canceledAt: Date | null;
  endedAt: Date | null;
  cancellationReason: string | null;
};

export async function noticeSubscriptionState(tx: Tx, user: Recipient, subscription: SubscriptionFacts, copyAllowance: number) {
  const base = { userId: user.id, to: user.email } as const;
  switch (subscription.status) {
    case 'active':
    case 'trialing':
      if (subscription.isFirstPeriod) {
        await enqueueEmail(tx, {
          ...base,
          causeKey: `sub-started:${subscription.id}`,
          template: 'subscription_started',
          data: {
            username: user.username,
            subscriptionId: subscription.id,
            periodStart: subscription.periodStart.toISOString(),
            periodEnd: subscription.periodEnd.toISOString(),
            amountCents: subscription.amountCents,
            currency: subscription.currency,
            copyAllowance,
          },
        });
      }
      if (subscription.cancelAtPeriodEnd && subscription.canceledAt) {
        // Keyed on the moment of the request: cancel, resume and cancel again mails twice, a replay never does.
        await enqueueEmail(tx, {
          ...base,
          causeKey: `sub-canceling:${subscription.id}:${Math.floor(subscription.canceledAt.getTime() / 1000)}`,
          template: 'subscription_canceling',
          data: { username: user.username, subscriptionId: subscription.id, accessUntil: subscription.periodEnd.toISOString() },
        });
      }
      return;
    case 'canceled':
      await enqueueEmail(tx, {
        ...base,
        causeKey: `sub-ended:${subscription.id}`,
        template: 'subscription_ended',
        data: {
          username: user.username,
          subscriptionId: subscription.id,
          endedAt: (subscription.endedAt ?? subscription.canceledAt ?? new Date()).toISOString(),
          reason: endReason(subscription.cancellationReason),
        },
      });
      return;
    case 'incomplete':
    case 'incomplete_expired': // never started: Checkout told the member at once
    case 'past_due':
    case 'unpaid': // the failed invoice has its own mail
    case 'paused':
      return;
  }
}

function endReason(reason: string | null): EmailData['subscription_ended']['reason'] {
  switch (reason) {
    case 'cancellation_requested':
    case 'payment_failed':
    case 'payment_disputed':
      return reason;
    default:
      return 'other';
  }
}

export type InvoiceFacts = {
  id: string;
  userId: string;
  status: string | null;
  billingReason: string | null;
  attemptCount: number;
  amountDueCents: number;
  amountRemainingCents: number;
  currency: string;
  nextPaymentAttempt: Date | null;
};

/** A renewal invoice that is still open after a failed charge: one mail per invoice, however many retries fail. */
export async function noticeInvoiceState(tx: Tx, invoice: InvoiceFacts) {
  const isFailedRenewal =
    invoice.status === 'open' &&
    invoice.attemptCount > 0 &&
    invoice.amountRemainingCents > 0 &&
    // A first payment that fails is shown in Checkout, and the subscription never starts.
    invoice.billingReason !== 'subscription_create';
  if (!isFailedRenewal) return;
  const user = await findUserById(tx, invoice.userId);
  if (!user) return;
  await enqueueEmail(tx, {
    causeKey: `invoice-failed:${invoice.id}`,
    userId: user.id,
    to: user.email,
    template: 'payment_failed',
    data: {
      username: user.username,
      invoiceId: invoice.id,
      amountDueCents: invoice.amountDueCents,
      currency: invoice.currency,
      attemptCount: invoice.attemptCount,
      nextAttemptAt: invoice.nextPaymentAttempt?.toISOString() ?? null,
    },
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Rendering and unsubscribing.

export type EmailEnvironment = Pick<Config, 'publicUrl' | 'jwtSecret' | 'mailFrom'>;

export function isEmailTemplate(name: string): name is EmailTemplate {
  return (emailTemplates as readonly string[]).includes(name);
}

/** What a queued mail looks like now: its template and stored data, with this server's links. */
export type { OutboxRow };

/** The development outbox page (/dev/mail): the latest mails queued, newest first. */
export async function listDevOutbox(db: Db, limit: number): Promise<OutboxRow[]> {
  return listOutboxEmails(db, limit);
}

/** One mail of the development outbox, or undefined. */
export async function findDevOutboxEmail(db: Db, id: string): Promise<OutboxRow | undefined> {
  return findOutboxEmail(db, id);
}

export function renderOutboxEmail(row: OutboxRow, env: EmailEnvironment): RenderedEmail & { headers: Record<string, string> } {
  if (!isEmailTemplate(row.template)) throw new Error(`unknown email template "${row.template}"`);
  const unsubscribeUrl = isOptionalEmail(row.template) && row.userId ? unsubscribeUrlFor(env, row.userId) : undefined;
  const rendered = renderEmail(row.template, withOpenedToken(row.data, env.jwtSecret) as never, { publicUrl: env.publicUrl, unsubscribeUrl });
  // RFC 8058 one-click unsubscribe: mail clients POST to the same signed link.
  const headers: Record<string, string> = unsubscribeUrl ? { 'List-Unsubscribe': `<${unsubscribeUrl}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' } : {};
  return { ...rendered, subject: row.subject ?? rendered.subject, headers };
}

/** A mailed link's token is sealed in the outbox row; rendering opens it (or drops it, if the secret changed since). */
function withOpenedToken(data: Record<string, unknown>, secret: string): Record<string, unknown> {
  if (typeof data.token !== 'string') return data;
  const { token, ...rest } = data;
  const opened = openLinkToken(secret, token);
  return opened === undefined ? rest : { ...rest, token: opened };
}

/** `Message-ID` of a queued mail: the same on every attempt, on the sender's domain. */
export function messageIdOf(row: Pick<OutboxRow, 'id'>, mailFrom: string): string {
  const domain = /@([^>\s]+)/.exec(mailFrom)?.[1] ?? 'flowtab.pro';
  return `<${row.id}@${domain}>`;
}

const UNSUBSCRIBE_PURPOSE = 'flowtab:unsubscribe:monthly_summary';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `<user id>.<HMAC-SHA256(JWT_SECRET, purpose:user id)>`: it never expires, and names one member and one list. */
export function signUnsubscribeToken(secret: string, userId: string): string {
  return `${userId}.${unsubscribeSignature(secret, userId)}`;
}

export function verifyUnsubscribeToken(secret: string, token: string): string | undefined {
  const [userId, signature, ...rest] = token.split('.');
  if (!userId || !signature || rest.length > 0 || !UUID.test(userId)) return undefined;
  const expected = Buffer.from(unsubscribeSignature(secret, userId));
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected) ? userId.toLowerCase() : undefined;
}

function unsubscribeSignature(secret: string, userId: string): string {
  return createHmac('sha256', secret).update(`${UNSUBSCRIBE_PURPOSE}:${userId.toLowerCase()}`).digest('base64url');
}

export function unsubscribeUrlFor(env: Pick<Config, 'publicUrl' | 'jwtSecret'>, userId: string): string {
  return `${env.publicUrl}/v1/email/unsubscribe?token=${encodeURIComponent(signUnsubscribeToken(env.jwtSecret, userId))}`;
}

/** Checks the link without changing anything (the confirmation page). */
export async function findUnsubscribingUser(db: Db, secret: string, token: string) {
  const userId = verifyUnsubscribeToken(secret, token);
  const user = userId ? await findUserById(db, userId) : undefined;
  if (!user) throw new InvalidUnsubscribeTokenError();
  return user;
}

/** Switches the monthly summary off. Idempotent: the same link works any number of times. */
export async function unsubscribeFromSummaries(tx: Tx, secret: string, token: string) {
  const user = await findUnsubscribingUser(tx, secret, token);
  await setWantsSummaryEmails(tx, user.id, false);
  return user;
}

// ---------------------------------------------------------------------------------------------------------------
// Payout notices, for the payouts module: call them in the transaction that records the payout's outcome.

type PayoutFacts = { id: string; creatorId: string; amountCents: number; currency: string };

export async function enqueuePayoutSentEmail(tx: Tx, payout: PayoutFacts): Promise<boolean> {
  const creator = await findUserById(tx, payout.creatorId);
  if (!creator) return false;
  return enqueueEmail(tx, {
    causeKey: `payout-sent:${payout.id}`,
    userId: creator.id,
    to: creator.email,
    template: 'payout_sent',
    data: { username: creator.username, payoutId: payout.id, amountCents: payout.amountCents, currency: payout.currency },
  });
}

/** `reason`: what went wrong in words a creator can act on (Stripe's failure message), or null. */
export async function enqueuePayoutFailedEmail(tx: Tx, payout: PayoutFacts, reason: string | null): Promise<boolean> {
  const creator = await findUserById(tx, payout.creatorId);
  if (!creator) return false;
  return enqueueEmail(tx, {
    causeKey: `payout-failed:${payout.id}`,
    userId: creator.id,
    to: creator.email,
    template: 'payout_failed',
    data: { username: creator.username, payoutId: payout.id, amountCents: payout.amountCents, currency: payout.currency, reason },
  });
}
