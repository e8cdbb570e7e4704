import { z } from 'zod';
import { isoDate } from '../../http/schemas.js';

export const copyResponse = z.object({
  id: z.uuid(),
  flow_id: z.uuid(),
  copied_at: isoDate,
  copies_this_month: z.number().int().describe('copies in the current billing period'),
  copies_remaining: z.number().int().describe('paid copies left in the current billing period'),
  payout_earned: z.number().int().describe('cents the creator earned from this copy'),
  counted_for_payout: z.boolean(),
  period_end: isoDate.nullable(),
  text: z.string().describe('the flow body, for the clipboard'),
});
export type CopyView = z.infer<typeof copyResponse>;

export const myCopiesResponse = z.object({
  period_start: isoDate.nullable(),
  period_end: isoDate.nullable(),
  items: z.array(
    z.object({
      id: z.uuid(),
      copied_at: isoDate,
      counted_for_payout: z.boolean(),
      payout_earned: z.number().int(),
      flow: z.object({ id: z.uuid(), slug: z.string(), title: z.string() }),
    }),
  ),
});
