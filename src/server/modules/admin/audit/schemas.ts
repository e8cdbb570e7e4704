import { z } from 'zod';
import { isoDate } from '../../../http/schemas.js';

// The audit log (SPEC §14): GET /v1/admin/audit (paged, newest first) and GET /v1/admin/audit.csv (the same filters).

/** A date or an instant the database can compare with (years 1970 to 9998, so a whole-day `to` stays in range). */
const dateOrTime = z
  .union([z.iso.date(), z.iso.datetime({ offset: true })])
  .refine((value) => {
    const time = Date.parse(value);
    return time >= 0 && time < Date.UTC(9999, 0, 1);
  }, 'must be between 1970 and 9998');

export const auditFilterQuery = z.strictObject({
  actor: z.string().trim().min(1).max(200).optional().describe('the acting admin: their id or username, or `system` for the jobs’ entries'),
  target: z.string().trim().min(1).max(300).optional().describe('`type:id` (user, flow, report, invoice, refund, payout, webhook_event, reconcile) or an id alone'),
  from: dateOrTime.optional().describe('entries at or after this time (YYYY-MM-DD or an ISO timestamp; a date is its start, UTC)'),
  to: dateOrTime.optional().describe('entries before this time; a date without a time includes that whole day (UTC)'),
  action: z.string().trim().min(1).max(100).optional().describe('one action, e.g. `user.suspended`'),
});

export const auditListQuery = auditFilterQuery.extend({
  page: z.coerce.number().int().min(1).max(10_000).default(1),
  page_size: z.coerce.number().int().min(1).max(100).default(50),
});
export type AuditListQuery = z.infer<typeof auditListQuery>;

export const auditEntry = z.object({
  id: z.number().int(),
  actor: z.object({ id: z.uuid(), username: z.string() }).nullable().describe('null: the system (the daily reconcile)'),
  action: z.string().describe('dotted, past tense: user.suspended, flow.taken_down, refund.created…'),
  target_type: z.string(),
  target_id: z.string(),
  before: z.record(z.string(), z.unknown()).nullable().describe('the changed fields before the change'),
  after: z.record(z.string(), z.unknown()).nullable().describe('the changed fields after it'),
  reason: z.string(),
  created_at: isoDate,
});
export type AuditEntryView = z.infer<typeof auditEntry>;

export const auditListResponse = z.object({
  items: z.array(auditEntry).describe('newest first'),
  total: z.number().int(),
  page: z.number().int(),
  page_size: z.number().int(),
  has_more: z.boolean(),
});
export type AuditListView = z.infer<typeof auditListResponse>;

export const auditCsv = z.string().describe('text/csv (RFC 4180), a header row, newest first; cells starting with = + - @ are prefixed with \'');
