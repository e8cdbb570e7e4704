import type { Subscription } from '../api/types.js';

/**
 * A subscription that exists but has lost premium access until the member pays (past_due, unpaid, paused,
 * incomplete): they need the billing portal, not a second checkout.
 */
export function needsPaymentFix(subscription: Subscription | undefined): boolean {
  if (!subscription || subscription.is_subscriber || !subscription.status) return false;
  return !['canceled', 'incomplete_expired'].includes(subscription.status);
}
