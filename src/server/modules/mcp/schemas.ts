import { z } from 'zod';
import { copyResponse } from '../copies/schemas.js';
import { flowSchema } from '../flows/schemas.js';
import { mySubscriptionResponse } from '../subscriptions/schemas.js';

/** Results per search_flows page: enough to choose from, small enough for a model's context. */
export const SEARCH_PAGE_SIZE = 10;
/** Prompts per prompts/list page (flows the caller may read, most copied first). */
export const PROMPTS_PAGE_SIZE = 100;

const slug = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .describe('The flow’s slug as search_flows returns it, e.g. "summarize-linkedin-profile" (a flow id works too)');

// Tool inputs: zod shapes, turned into the JSON Schemas clients see by the SDK.
export const searchFlowsInput = {
  query: z
    .string()
    .max(200)
    .describe('Words describing the task, site or tool, e.g. "summarize linkedin profile" or "amazon price tracking". An empty string lists the most copied flows.'),
  tags: z.array(z.string().min(1).max(32)).max(10).optional().describe('Only flows that have all of these tags, e.g. ["research"]'),
  works_with: z
    .array(z.string().min(1).max(40))
    .max(10)
    .optional()
    .describe('Only flows made for one of these agents or tools, e.g. ["Comet", "ChatGPT Atlas", "Playwright"]'),
  premium: z.boolean().optional().describe('true: premium flows only; false: free flows only; leave out for both'),
  page: z.number().int().min(1).max(100).optional().describe(`Page of ${SEARCH_PAGE_SIZE} results, from 1 (default 1)`),
};
export const getFlowInput = { slug };
export const copyFlowInput = { slug };

export const flowSummary = z.object({
  slug: z.string(),
  title: z.string(),
  summary: z.string(),
  tags: z.array(z.string()),
  works_with: z.array(z.string()),
  target_sites: z.array(z.string()),
  is_premium: z.boolean(),
  locked: z.boolean().describe('true: premium, and this user has no subscription, so only a preview can be read and copy_flow is refused'),
  author: z.string(),
  copy_count: z.number().int(),
  url: z.string(),
});
export type FlowSummary = z.infer<typeof flowSummary>;

export const searchFlowsOutput = z.object({
  items: z.array(flowSummary),
  total: z.number().int(),
  page: z.number().int(),
  has_more: z.boolean(),
});
export const getFlowOutput = flowSchema.extend({ url: z.string() });
export const copyFlowOutput = copyResponse;
export const myUsageOutput = mySubscriptionResponse;

/** prompts/list cursors: the next page number, opaque to clients. */
export const promptsCursor = z
  .string()
  .regex(/^p[1-9][0-9]{0,4}$/)
  .transform((cursor) => Number(cursor.slice(1)));
