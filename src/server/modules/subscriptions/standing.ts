import type { SubscriptionStatus } from '../../db/schema.js';

/** Good standing (SPEC §3): only these statuses open premium flows and make copies count. */
export const GOOD_STANDING_STATUSES = ['active', 'trialing'] as const satisfies readonly SubscriptionStatus[];

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
  return (LIVE_STATUSES as readonly string[]).includes(status) && !(GOOD_STANDING_STATUSES as readonly string[]).includes(status);
}
