import { z } from 'zod';
import { isoDate } from '../../http/schemas.js';

export const payoutView = z.object({
  id: z.uuid(),
  amount_cents: z.number().int(),
  currency: z.string(),
  status: z.enum(['pending', 'processing', 'paid', 'failed']),
  kind: z.enum(['scheduled', 'withdrawal']),
  created_at: isoDate,
  paid_at: isoDate.nullable(),
  failure_reason: z.string().nullable().describe('why a failed payout failed (its money went back to your available balance)'),
  reversed_cents: z.number().int().describe('taken back from your Stripe account after the payout (returned to your balance)'),
  stripe_transfer_id: z.string().nullable().describe('the Stripe transfer (tr_…) that paid it; null until paid'),
});
export type PayoutView = z.infer<typeof payoutView>;

export const connectStatus = z.enum(['not_connected', 'onboarding', 'enabled']);
export type ConnectStatus = z.infer<typeof connectStatus>;

export const payoutSummary = z.object({
  connect: z.object({ status: connectStatus, account_id: z.string().nullable() }),
  payouts: z.array(payoutView).describe('newest first, at most 50'),
  can_withdraw: z.boolean().describe('payouts enabled and not paused, available ≥ the minimum, nothing in flight and no withdrawal today'),
  payouts_paused: z.boolean().describe('an operator paused your payouts: runs skip you and withdrawals are refused (contact support)'),
  next_withdrawal_at: isoDate.nullable().describe('when today’s withdrawal is used up: the start of the next UTC day'),
  min_payout_cents: z.number().int(),
});
export type PayoutSummary = z.infer<typeof payoutSummary>;

export const payoutsResponse = payoutSummary.extend({
  available_cents: z.number().int().describe('what a payout would send now (negative after a reversal of paid-out money)'),
});

export const connectResponse = z.object({
  url: z.url().describe('Stripe onboarding link (or the Express dashboard once payouts are enabled); open it in the browser'),
  account_id: z.string(),
  status: connectStatus,
  expires_at: isoDate.nullable(),
});

export const applyToSubscriptionBody = z
  .object({
    amount_cents: z.number().int().positive().optional().describe('default: the whole available balance'),
  })
  .nullish();

export const applyToSubscriptionResponse = z.object({
  id: z.uuid(),
  applied_cents: z.number().int(),
  customer_balance_cents: z.number().int().nullable().describe('your Stripe customer balance afterwards; negative = credit for your next invoices; null until Stripe confirms'),
  status: z.enum(['pending', 'applied']).describe('pending (202): Stripe did not confirm yet; it is retried with the same idempotency key'),
});
export type ApplyToSubscriptionView = z.infer<typeof applyToSubscriptionResponse>;

export const runSummary = z.object({
  run_key: z.string(),
  as_of: isoDate,
  is_dry_run: z.boolean(),
  released: z.number().int().describe('creator-period earnings that became available'),
  eligible: z.number().int().describe('creators with payouts enabled and available ≥ the minimum'),
  eligible_cents: z.number().int(),
  created: z.number().int(),
  retried: z.number().int().describe('open payouts from earlier attempts sent again'),
  paid: z.number().int(),
  paid_cents: z.number().int(),
  failed: z.number().int(),
  still_processing: z.number().int().describe('Stripe did not answer clearly: retried with the same idempotency key later'),
});
export type RunSummaryView = z.infer<typeof runSummary>;
