import type { SubscriptionStatus } from '../../db/schema.js';

/**
 * Good standing (SPEC §3): only these statuses open premium flows and make copies count. The database decides with
 * `is_good_standing` (src/server/db/functions/subscription_standing.sql), used by record_copy and every query; this
 * is its TypeScript side, for responses only, and test/record-copy-parity.test.ts checks the two agree on every status.
 */
export function isGoodStanding(status: SubscriptionStatus): boolean {
  switch (status) {
    case 'active':
    case 'trialing':
      return true;
    case 'incomplete':
    case 'incomplete_expired':
    case 'past_due':
    case 'unpaid':
    case 'canceled':
    case 'paused':
      return false;
  }
}

/** Statuses that still bill the member: a second checkout would create a second subscription. */
export const LIVE_STATUSES = ['trialing', 'active', 'past_due', 'unpaid', 'incomplete', 'paused'] as const satisfies readonly SubscriptionStatus[];

/** Still billed but not in good standing: premium access waits on the billing portal (a card to fix). */
export function isLapsed(status: string): boolean {
  return (LIVE_STATUSES as readonly string[]).includes(status) && !isGoodStanding(status as SubscriptionStatus);
}
