import { z } from 'zod';
import { payoutSummary } from '../payouts/schemas.js';

const centsField = (description: string) => z.number().int().describe(description);

export const earningsResponse = payoutSummary.extend({
  pending_cents: centsField('earned in periods whose invoice is not paid yet'),
  held_cents: centsField('paid periods, waiting out the hold for refunds and disputes'),
  available_cents: centsField('can be paid out or applied to your subscription (negative after a reversal of paid money)'),
  in_transit_cents: centsField('reserved for a payout that is being sent'),
  paid_cents: centsField('transferred to your Stripe account'),
  credited_cents: centsField('applied to your own subscription'),
  total_earnings_cents: centsField('everything earned, net of refunds and disputes'),
  balance_cents: centsField('what we owe you now: the available balance'),
  monthly_earnings: z.array(
    z.object({
      month: z.string().describe('YYYY-MM (UTC)'),
      copy_count: z.number().int(),
      amount_cents: z.number().int().describe('what the month’s counted copies earned, before any refund or dispute reversal'),
      status: z.enum(['pending', 'held', 'available', 'paid', 'void']).describe('the least advanced state among them'),
    }),
  ),
});

export const creatorFlowsResponse = z.object({
  items: z.array(
    z.object({
      flow_id: z.uuid(),
      slug: z.string(),
      title: z.string(),
      status: z.enum(['draft', 'published', 'archived']),
      is_premium: z.boolean(),
      taken_down: z.boolean().describe('an operator took the flow down (SPEC §14): it cannot be published again until an operator restores it'),
      like_count: z.number().int(),
      copy_count: z.number().int(),
      counted_copies: z.number().int(),
      earnings_cents: z.number().int(),
    }),
  ),
});
