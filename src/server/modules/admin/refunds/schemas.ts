import { z } from 'zod';
import { isoDate } from '../../../http/schemas.js';

const person = z.object({ id: z.uuid(), username: z.string() });

export const adminRefundBody = z.object({
  invoice_id: z.string().min(1).max(255),
  amount_cents: z.number().int().positive().optional().describe('default: everything not refunded yet'),
  reason: z.string().trim().min(1, 'a reason is required').max(1000),
});
export type AdminRefundBody = z.infer<typeof adminRefundBody>;

export const adminRefundView = z.object({
  id: z.uuid(),
  invoice_id: z.string(),
  user: person.describe('the member whose invoice is refunded'),
  amount_cents: z.number().int(),
  reason: z.string(),
  status: z.enum(['pending', 'succeeded', 'failed']).describe('pending: Stripe has not answered yet; the same Idempotency-Key finishes it'),
  stripe_refund_id: z.string().nullable(),
  failure_reason: z.string().nullable(),
  actor: person.describe('the admin who asked for it'),
  created_at: isoDate,
});
export type AdminRefundView = z.infer<typeof adminRefundView>;

export const adminRefundListQuery = z.object({
  user_id: z.uuid().optional(),
  invoice_id: z.string().min(1).max(255).optional(),
  page: z.coerce.number().int().min(1).max(10_000).default(1),
  page_size: z.coerce.number().int().min(1).max(100).default(20),
});
export type AdminRefundListQuery = z.infer<typeof adminRefundListQuery>;

export const adminRefundList = z.object({
  items: z.array(adminRefundView).describe('newest first'),
  total: z.number().int(),
  page: z.number().int(),
  page_size: z.number().int(),
  has_more: z.boolean(),
});
export type AdminRefundListView = z.infer<typeof adminRefundList>;
