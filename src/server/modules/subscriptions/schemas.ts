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
  paid_copies_used: z
    .number()
    .int()
    .describe('counted (paid) copies this billing period, out of paid_copies_per_period: the header counter; free and uncounted copies do not move it'),
  paid_copies_per_period: z.number().int(),
  copy_limit_per_period: z.number().int(),
});
export type MySubscriptionView = z.infer<typeof mySubscriptionResponse>;

export const publicConfigResponse = z.object({
  price_cents: z
    .number()
    .int()
    .nullable()
    .describe('the Premium price per billing period, from Stripe’s price; null while billing is not configured or Stripe could not be asked'),
  currency: z.string().nullable().describe('ISO 4217, lower case (usd); null with price_cents'),
  rate_per_copy_cents: z.number().int().describe('what a counted copy earns its creator'),
  paid_copies_per_period: z.number().int().describe('counted (paid) copies per subscriber and billing period'),
  copy_limit_per_period: z.number().int().describe('fair-use limit: copies per billing period before 429'),
  creator_share_percent: z.number().int().describe('the share of what a period collected that its creators may earn'),
  hold_days: z.number().int().describe('days earnings are held after the invoice is paid'),
  min_payout_cents: z.number().int().describe('the smallest payout or withdrawal'),
});
export type PublicConfigView = z.infer<typeof publicConfigResponse>;
