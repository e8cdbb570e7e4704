import { z } from 'zod';

/** What a signed body must have to be stored as an event (SPEC §6): an id, a type, when it happened, an object. */
export const stripeEventShape = z.object({
  id: z.string().min(1),
  type: z.string().min(1),
  created: z.number().int().nonnegative(),
  data: z.object({ object: z.looseObject({}) }),
});

export const webhookReceivedSchema = z.object({
  received: z.literal(true),
  /** `dead`: a dead letter delivered again; it is retried only by hand (`flowtab webhooks retry`, the console). */
  outcome: z.enum(['processed', 'duplicate', 'dead']),
});
