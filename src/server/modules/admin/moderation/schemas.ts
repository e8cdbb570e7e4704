import { z } from 'zod';
import { reportActions, reportReasons, reportStatuses } from '../../../db/schema.js';
import { isoDate, uuidParam } from '../../../http/schemas.js';

// Moderation (SPEC §14): members report flows; operators work the queue, take flows down, restore and feature them.

const MAX_DETAILS = 2_000;
const flowStatus = z.enum(['draft', 'published', 'archived']);
/** Why the operator acted: kept in the audit log (and on the report), never mailed to the author. */
const operatorReason = z.string().trim().min(1, { error: 'give a reason (it goes into the audit log)' }).max(1_000);
const person = z.object({ id: z.uuid(), username: z.string() });
const page = z.coerce.number().int().min(1).max(10_000).default(1);
const pageSize = z.coerce.number().int().min(1).max(100).default(20);
const booleanQuery = z.enum(['true', 'false']).transform((v) => v === 'true');

// ---------------------------------------------------------------------------------------------------------------
// Members: POST /v1/flows/{ref}/reports

export const reportBody = z
  .strictObject({
    reason: z.enum(reportReasons),
    details: z.string().trim().max(MAX_DETAILS).default('').describe('required when reason is "other"'),
  })
  .refine((body) => body.reason !== 'other' || body.details.length > 0, {
    error: 'say what is wrong when the reason is "other"',
    path: ['details'],
  });
export type ReportBody = z.infer<typeof reportBody>;

export const reportResponse = z.object({
  id: z.uuid(),
  flow_id: z.uuid(),
  reason: z.enum(reportReasons),
  details: z.string(),
  status: z.enum(reportStatuses),
  created_at: isoDate,
});
export type ReportView = z.input<typeof reportResponse>;

// ---------------------------------------------------------------------------------------------------------------
// Operators: the report queue

export const reportListQuery = z.strictObject({
  status: z.enum(reportStatuses).default('open'),
  page,
  page_size: pageSize,
});
export type ReportListQuery = z.infer<typeof reportListQuery>;

export const reportIdParams = z.object({ id: uuidParam });

export const adminReport = z.object({
  id: z.uuid(),
  flow: z.object({
    id: z.uuid(),
    slug: z.string(),
    title: z.string(),
    status: flowStatus,
    taken_down: z.boolean(),
    author: person,
    open_reports: z.number().int().describe('open reports of this flow, this one included if open'),
  }),
  reporter: person,
  reason: z.enum(reportReasons),
  details: z.string(),
  status: z.enum(reportStatuses),
  action: z.enum(reportActions).nullable(),
  resolution: z.string().nullable().describe('the operator’s reason'),
  resolved_by: person.nullable(),
  resolved_at: isoDate.nullable(),
  created_at: isoDate,
});
export type AdminReportView = z.input<typeof adminReport>;

export const reportListResponse = z.object({
  items: z.array(adminReport),
  total: z.number().int(),
  page: z.number().int(),
  page_size: z.number().int(),
  has_more: z.boolean(),
});

export const reportDecisionBody = z
  .strictObject({
    status: z.enum(['resolved', 'dismissed']),
    action: z.enum(reportActions).default('none').describe('unpublish: back to draft and taken down; archive: archived and taken down'),
    reason: operatorReason,
  })
  .refine((body) => body.status === 'resolved' || body.action === 'none', {
    error: 'a dismissed report takes no action on the flow',
    path: ['action'],
  });
export type ReportDecision = z.infer<typeof reportDecisionBody>;

export const reportDecisionResponse = adminReport.extend({
  other_reports_resolved: z.number().int().describe('open reports of the same flow resolved with this one because the flow was taken down'),
});
export type ReportDecisionView = z.input<typeof reportDecisionResponse>;

// ---------------------------------------------------------------------------------------------------------------
// Operators: flows

export const adminFlowListQuery = z.strictObject({
  q: z.string().trim().max(200).optional().describe('in the title, the slug or the author’s username'),
  status: flowStatus.optional(),
  taken_down: booleanQuery.optional(),
  featured: booleanQuery.optional(),
  sort: z.enum(['new', 'reports']).default('new').describe('reports: most open reports first'),
  page,
  page_size: pageSize,
});
export type AdminFlowListQuery = z.infer<typeof adminFlowListQuery>;

export const adminFlowIdParams = z.object({ id: uuidParam });

export const adminFlow = z.object({
  id: z.uuid(),
  slug: z.string(),
  title: z.string(),
  status: flowStatus,
  featured: z.boolean(),
  taken_down_at: isoDate.nullable(),
  author: person,
  copy_count: z.number().int(),
  open_reports: z.number().int(),
  created_at: isoDate,
});
export type AdminFlowView = z.input<typeof adminFlow>;

export const adminFlowListResponse = z.object({
  items: z.array(adminFlow),
  total: z.number().int(),
  page: z.number().int(),
  page_size: z.number().int(),
  has_more: z.boolean(),
});

export const adminFlowPatch = z
  .strictObject({
    status: flowStatus.optional().describe('draft or archived takes the flow down (the author is mailed); published restores it'),
    featured: z.boolean().optional(),
    reason: operatorReason,
  })
  .refine((patch) => patch.status !== undefined || patch.featured !== undefined, { error: 'send status or featured to change' });
export type AdminFlowPatch = z.infer<typeof adminFlowPatch>;
