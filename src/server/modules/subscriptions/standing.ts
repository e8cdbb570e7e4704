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
