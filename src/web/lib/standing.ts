import type { Subscription } from '../api/types.js';

/** Stripe's subscription statuses (SPEC §3); the API sends them as plain strings. */
export type SubscriptionStatus = 'incomplete' | 'incomplete_expired' | 'trialing' | 'active' | 'past_due' | 'unpaid' | 'canceled' | 'paused';

const STATUSES: readonly string[] = ['incomplete', 'incomplete_expired', 'trialing', 'active', 'past_due', 'unpaid', 'canceled', 'paused'];

/** What the member can do about their subscription: each is one button on the account page. */
export type StandingAction =
  /** No live subscription: go to checkout (through the pricing page). */
  | 'subscribe'
  /** In good standing: the portal for the card, invoices and cancelling. */
  | 'manage'
  /** Cancelling at the period's end: the portal, where "Resume" undoes it. */
  | 'resume'
  /** Premium is off until a payment goes through: the portal, to pay or change the card. */
  | 'fix-payment';

/**
 * How the account page reads one subscription: a short status label, its tone, one sentence with the date that
 * matters, the action that fits, and whether there is a billing period whose copies count (good standing only:
 * the server counts copies only then).
 */
export type Standing = {
  label: string;
  tone: 'good' | 'warn' | 'neutral';
  summary: string;
  action: StandingAction;
  hasPeriod: boolean;
};

export function isSubscriptionStatus(status: string | null): status is SubscriptionStatus {
  return status !== null && STATUSES.includes(status);
}

/** `formatDate` is passed in so that this stays a pure function of the subscription (and testable without Intl). */
export function readStanding(subscription: Subscription, formatDate: (iso: string | null) => string): Standing {
  const status = subscription.status;
  if (!isSubscriptionStatus(status)) {
    return { label: 'Free plan', tone: 'neutral', summary: 'You are on the free plan.', action: 'subscribe', hasPeriod: false };
  }
  const periodEnd = formatDate(subscription.current_period_end);
  switch (status) {
    case 'active':
    case 'trialing':
      if (subscription.cancel_at_period_end) {
        return {
          label: 'Ending',
          tone: 'warn',
          summary: `Premium ends on ${periodEnd} and will not renew. Resume it in the billing portal to keep it.`,
          action: 'resume',
          hasPeriod: true,
        };
      }
      return status === 'trialing'
        ? { label: 'Trial', tone: 'good', summary: `Your trial runs until ${periodEnd}; the first payment is taken then.`, action: 'manage', hasPeriod: true }
        : { label: 'Active', tone: 'good', summary: `Premium renews on ${periodEnd}.`, action: 'manage', hasPeriod: true };
    case 'past_due':
      return {
        label: 'Payment failed',
        tone: 'warn',
        summary: 'Your last payment failed, so premium is paused. Update your card and Stripe will try again.',
        action: 'fix-payment',
        hasPeriod: false,
      };
    case 'unpaid':
      return {
        label: 'Unpaid',
        tone: 'warn',
        summary: 'Stripe could not collect your payment, so premium is off. Pay the open invoice in the billing portal to get it back.',
        action: 'fix-payment',
        hasPeriod: false,
      };
    case 'incomplete':
      return {
        label: 'Payment incomplete',
        tone: 'warn',
        summary: 'Your first payment has not gone through yet, so premium has not started. Finish it in the billing portal.',
        action: 'fix-payment',
        hasPeriod: false,
      };
    case 'paused':
      return {
        label: 'Paused',
        tone: 'neutral',
        summary: 'Your subscription is paused, so premium is off. Resume it in the billing portal.',
        action: 'fix-payment',
        hasPeriod: false,
      };
    case 'incomplete_expired':
      return {
        label: 'Not started',
        tone: 'neutral',
        summary: 'Your first payment never went through, so the subscription did not start and nothing was charged.',
        action: 'subscribe',
        hasPeriod: false,
      };
    case 'canceled':
      return { label: 'Canceled', tone: 'neutral', summary: 'Your subscription is canceled and premium has ended.', action: 'subscribe', hasPeriod: false };
  }
}

/**
 * A subscription that exists but has lost premium access until the member pays (past_due, unpaid, paused,
 * incomplete): they need the billing portal, not a second checkout.
 */
export function needsPaymentFix(subscription: Subscription | undefined): boolean {
  if (!subscription || subscription.is_subscriber || !subscription.status) return false;
  return !['canceled', 'incomplete_expired'].includes(subscription.status);
}

/** What tells two answers of GET /subscriptions/me apart for a member who has been to the portal. */
export function fingerprintSubscription(subscription: Subscription): string {
  return [subscription.status ?? 'none', subscription.cancel_at_period_end, subscription.current_period_end ?? ''].join('|');
}
