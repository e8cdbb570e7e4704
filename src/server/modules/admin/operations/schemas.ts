import { z } from 'zod';
import { isoDate } from '../../../http/schemas.js';
import { payoutStatuses } from '../../../db/schema.js';

const paging = {
  page: z.coerce.number().int().min(1).max(10_000).default(1),
  page_size: z.coerce.number().int().min(1).max(100).default(20),
};
const pageFields = { total: z.number().int(), page: z.number().int(), page_size: z.number().int(), has_more: z.boolean() };
const reasonField = z.string().trim().min(1, 'a reason is required').max(1000);

// ---- Payouts

export const adminPayoutListQuery = z.object({ status: z.enum(payoutStatuses).optional(), ...paging });
export type AdminPayoutListQuery = z.infer<typeof adminPayoutListQuery>;

export const adminPayoutView = z.object({
  id: z.uuid(),
  creator: z.object({ id: z.uuid(), username: z.string() }),
  amount_cents: z.number().int(),
  kind: z.enum(['scheduled', 'withdrawal']),
  status: z.enum(payoutStatuses),
  failure_reason: z.string().nullable(),
  attempts: z.number().int(),
  stripe_transfer_id: z.string().nullable(),
  destination_account_id: z.string(),
  reversed_cents: z.number().int().describe('taken back from the creator’s Stripe account after the payout'),
  created_at: isoDate,
  paid_at: isoDate.nullable(),
});
export type AdminPayoutView = z.infer<typeof adminPayoutView>;

export const adminPayoutList = z.object({ items: z.array(adminPayoutView).describe('newest first'), ...pageFields });
export type AdminPayoutListView = z.infer<typeof adminPayoutList>;

export const payoutIdParams = z.object({ id: z.uuid({ error: 'must be a UUID' }) });
export const reasonBody = z.object({ reason: reasonField });

export const payoutRetryResponse = z.object({
  retried: adminPayoutView.describe('the failed payout (it stays failed: its money had gone back to available)'),
  payout: adminPayoutView.describe('the new payout of the creator’s available balance, sent now (paid, failed, or processing when Stripe did not answer clearly)'),
});
export type PayoutRetryView = z.infer<typeof payoutRetryResponse>;

export const adminRunPayoutsBody = z
  .object({
    as_of: z.iso.datetime({ offset: true }).or(z.iso.date()).optional().describe('release earnings held until then first; default now'),
    dry_run: z.boolean().default(false),
    reason: z.string().trim().max(1000).optional().describe('recorded in the audit log with the run’s summary'),
  })
  .nullish();

// ---- Webhooks

export const deadLetterListQuery = z.object({ ...paging });
export type DeadLetterListQuery = z.infer<typeof deadLetterListQuery>;

export const deadLetterView = z.object({
  id: z.string(),
  type: z.string(),
  object_id: z.string().nullable(),
  attempts: z.number().int(),
  last_error: z.string().nullable(),
  dead_at: isoDate.nullable(),
  received_at: isoDate,
});
export type DeadLetterView = z.infer<typeof deadLetterView>;

export const deadLetterList = z.object({ items: z.array(deadLetterView).describe('most recently dead first'), ...pageFields });
export type DeadLetterListView = z.infer<typeof deadLetterList>;

export const eventIdParams = z.object({ event_id: z.string().min(1).max(255) });

export const webhookRetryResponse = z.object({
  id: z.string(),
  type: z.string(),
  outcome: z.enum(['processed', 'failed', 'already_processed']),
  attempts: z.number().int(),
  is_dead: z.boolean().describe('still a dead letter (the retry failed again for the event’s own reason)'),
  error: z.string().nullable(),
});
export type WebhookRetryView = z.infer<typeof webhookRetryResponse>;
