import { z } from 'zod';
import { isoDate } from '../../http/schemas.js';

const tag = z
  .string()
  .trim()
  .toLowerCase()
  .min(1)
  .max(32)
  .regex(/^[a-z0-9][a-z0-9 +#.-]*$/, { error: 'tags use letters, digits, spaces and + # . -' });
const domain = z
  .string()
  .trim()
  .toLowerCase()
  .max(253)
  .regex(/^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, { error: 'must be a domain such as linkedin.com' });
const tool = z.string().trim().min(1).max(40);
const line = z.string().trim().min(1).max(2_000);

const uniqueList = <T extends z.ZodType<string>>(item: T, max: number) =>
  z
    .array(item)
    .max(max)
    .transform((values) => [...new Set(values)]);

export const flowInput = z.strictObject({
  title: z.string().trim().min(3).max(120),
  summary: z.string().trim().min(1).max(500),
  body: z.string().min(1).max(50_000),
  steps: z.array(line).max(50).default([]),
  notes: z.array(line).max(50).default([]),
  target_sites: uniqueList(domain, 20).default([]),
  works_with: uniqueList(tool, 20).default([]),
  tags: uniqueList(tag, 10).default([]),
  is_premium: z.boolean().default(true),
  featured: z.boolean().optional().describe('admins only'),
  status: z.enum(['draft', 'published']).default('published'),
});
export type FlowInput = z.infer<typeof flowInput>;

export const flowPatch = z
  .strictObject({
    title: z.string().trim().min(3).max(120),
    summary: z.string().trim().min(1).max(500),
    body: z.string().min(1).max(50_000),
    steps: z.array(line).max(50),
    notes: z.array(line).max(50),
    target_sites: uniqueList(domain, 20),
    works_with: uniqueList(tool, 20),
    tags: uniqueList(tag, 10),
    is_premium: z.boolean(),
    featured: z.boolean().describe('admins only'),
    status: z.enum(['draft', 'published', 'archived']),
  })
  .partial()
  .refine((patch) => Object.keys(patch).length > 0, { error: 'send at least one field to change' });
export type FlowPatch = z.infer<typeof flowPatch>;

export const flowSchema = z.object({
  id: z.uuid(),
  slug: z.string(),
  title: z.string(),
  summary: z.string(),
  body: z.string().describe('the full text, or a truncated preview when locked'),
  steps: z.array(z.string()),
  notes: z.array(z.string()),
  target_sites: z.array(z.string()),
  works_with: z.array(z.string()),
  tags: z.array(z.string()),
  is_premium: z.boolean(),
  featured: z.boolean(),
  status: z.enum(['draft', 'published', 'archived']),
  author: z.object({ id: z.uuid(), username: z.string() }),
  copy_count: z.number().int(),
  like_count: z.number().int().describe('members who like the flow'),
  liked_by_me: z.boolean().describe('whether the caller likes it (false for guests)'),
  taken_down: z
    .boolean()
    .describe('an operator took the flow down (SPEC §14): only its author and admins still see it, and it cannot be published again until an operator restores it'),
  created_at: isoDate,
  updated_at: isoDate,
  locked: z.boolean().describe('true when the body is a preview: premium flow, and the caller is not a subscriber'),
});
export type FlowView = z.input<typeof flowSchema>;

const csv = z
  .union([z.string(), z.array(z.string())])
  .transform((value) => (Array.isArray(value) ? value : value.split(',')).map((v) => v.trim()).filter(Boolean))
  .pipe(z.array(z.string().max(40)).max(10));

/** Only the first RESULT_WINDOW results of a list are paged, so a page costs about the same at any depth. */
export const RESULT_WINDOW = 1_000;
/** Relevance ranks this many matches, the most copied first: ranking reads each match's whole search document. */
export const RANKED_MATCHES = 100;

export const flowListQuery = z.strictObject({
  q: z.string().trim().max(200).optional(),
  tags: csv.optional().describe('comma-separated; a flow must have all of them'),
  works_with: csv.optional().describe('comma-separated; a flow must work with one of them'),
  premium: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
  featured: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
  author: z.string().max(32).optional().describe('username (any case): that member’s published flows'),
  sort: z
    .enum(['new', 'popular', 'liked', 'relevance'])
    .optional()
    .describe('default: relevance with q, otherwise new; liked: most liked first, then newest'),
  page: z.coerce.number().int().min(1).max(RESULT_WINDOW).default(1),
  page_size: z.coerce.number().int().min(1).max(100).default(20),
}).refine((query) => (query.page - 1) * query.page_size < RESULT_WINDOW, {
  error: `only the first ${RESULT_WINDOW} results are paged: narrow the search or change the sort`,
  path: ['page'],
});
export type FlowListQuery = z.infer<typeof flowListQuery>;

/** A list item is the flow without its text: the body, steps and notes come with GET /v1/flows/{ref}. */
export const flowListItem = flowSchema.omit({ body: true, steps: true, notes: true });
export type FlowListItem = z.input<typeof flowListItem>;

export const flowListResponse = z.object({
  items: z.array(flowListItem),
  total: z
    .number()
    .int()
    .describe('how many flows match: exact when total_is_exact (up to 1,000 matches, or on the last page), otherwise an estimate from the database statistics'),
  total_is_exact: z.boolean(),
  page: z.number().int(),
  page_size: z.number().int(),
  has_more: z
    .boolean()
    .describe(
      `whether a next page exists. Only the first ${RESULT_WINDOW} results are paged; with sort=relevance, the ${RANKED_MATCHES} most copied matches are ranked and paged`,
    ),
});

export const flowRefParams = z.object({ ref: z.string().min(1).max(200).describe('flow id or slug') });
export const tagsResponse = z.object({ items: z.array(z.object({ tag: z.string(), count: z.number().int() })) });

export const likeResponse = z
  .object({
    like_count: z.number().int().describe('members who like the flow, after this change'),
    liked_by_me: z.boolean().describe('true after PUT, false after DELETE'),
  })
  .describe('Idempotent: PUT twice is one like, DELETE without a like changes nothing; both answer the current state');
