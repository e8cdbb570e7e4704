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

/** A real calendar day, YYYY-MM-DD (2026-02-30 is refused). */
const calendarDay = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, { error: 'must be a date as YYYY-MM-DD' })
  .refine(
    (value) => {
      const time = Date.parse(`${value}T00:00:00Z`);
      return Number.isFinite(time) && new Date(time).toISOString().startsWith(value);
    },
    { error: 'must be a real calendar date' },
  );

export const analyticsQuery = z.strictObject({
  from: calendarDay.optional().describe('first UTC day (default: 29 days before `to`)'),
  to: calendarDay.optional().describe('last UTC day, included (default: today, UTC)'),
  flow_id: z.uuid({ error: 'must be a flow id (UUID)' }).optional().describe('one of your flows; omit for all of them'),
});
export type AnalyticsQuery = z.infer<typeof analyticsQuery>;

const dayFigures = {
  copies: z.number().int().describe('copies of your flows made that day (counted or not)'),
  counted_copies: z.number().int().describe('copies counted for payout'),
  gross_cents: z.number().int().describe('what the counted copies earned when made (the rate per copy, within the pool)'),
  earned_cents: z
    .number()
    .int()
    .describe('net: gross less what refunds, disputes and unpaid (void) periods took back, as your earnings balances hold it now'),
};

export const analyticsResponse = z
  .object({
    from: z.string().describe('YYYY-MM-DD'),
    to: z.string().describe('YYYY-MM-DD, included'),
    flow_id: z.uuid().nullable(),
    basis: z
      .enum(['net', 'gross'])
      .describe('what earned_cents is: always `net` (gross_cents is given beside it)'),
    days: z.array(z.object({ date: z.string().describe('YYYY-MM-DD (UTC)'), ...dayFigures })).describe('every day of the range, oldest first, zeros included'),
    totals: z.object(dayFigures).describe('the sums of the days'),
  })
  .describe(
    'earned_cents is net. A billing period’s net (what your balances hold from it: its gross × what the subscriber’s payment kept after refunds and disputes, rounded down once per period) is shared over its counted copies in the order they were made, in whole cents, so the days of a period add up exactly to its net. Over all time the earned_cents add up to total_earnings_cents of GET /v1/creators/me/earnings; a range that cuts a billing period in two shows that period’s share on each side. Figures follow later refunds: a past day can go down.',
  );
export type AnalyticsView = z.infer<typeof analyticsResponse>;

export const statementParams = z.object({
  file: z
    .string()
    .regex(/^\d{4}-(0[1-9]|1[0-2])\.csv$/, { error: 'must be a month as YYYY-MM.csv' })
    .describe('the UTC month, as YYYY-MM.csv'),
});
