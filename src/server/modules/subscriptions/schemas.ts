import { z } from 'zod';
import { isoDate } from '../../http/schemas.js';

export const checkoutResponse = z.object({ session_id: z.string(), url: z.url() });
export const portalResponse = z.object({ url: z.url() });

export const mySubscriptionResponse = z.object({
  is_subscriber: z.boolean().describe('true when the subscription is in good standing (active or trialing)'),
  status: z.string().nullable(),
  current_period_start: isoDate.nullable(),
  current_period_end: isoDate.nullable(),
  cancel_at_period_end: z.boolean(),
  copies_this_month: z.number().int(),
  copies_remaining: z.number().int().describe('paid copies left in this billing period'),
  paid_copies_per_period: z.number().int(),
  copy_limit_per_period: z.number().int(),
});
export type MySubscriptionView = z.infer<typeof mySubscriptionResponse>;
