import type { Db, Tx } from '../../../db/client.js';
import { type CsvCell, toCsv } from '../../../csv.js';
import {
  type AuditCursor,
  type AuditEntryRow,
  type AuditEntryWithActor,
  type AuditFilter,
  countAuditEntries,
  insertAuditEntry,
  listAuditEntries,
} from './repository.js';
import type { AuditEntryView, AuditListQuery, AuditListView } from './schemas.js';
import { pageOf } from '../paging.js';

/** What an audit entry can be about. */
export const auditTargetTypes = ['user', 'flow', 'report', 'invoice', 'refund', 'payout', 'webhook_event', 'reconcile'] as const;
export type AuditTargetType = (typeof auditTargetTypes)[number];

/** What an operator changed: the target, its relevant fields before and after, and the reason they gave. */
export type AuditRecord = {
  /** The admin who acted; null for the system (the daily reconcile job). */
  actorId: string | null;
  /** Dotted, past tense: `user.suspended`, `flow.taken_down`, `refund.created`, `payout.retried`. */
  action: string;
  target: { type: AuditTargetType; id: string };
  before?: Record<string, unknown> | null;
  after?: Record<string, unknown> | null;
  reason: string;
};

/** Every console change calls this inside the change's own transaction (SPEC §14). */
export function recordAudit(tx: Tx, record: AuditRecord): Promise<AuditEntryRow> {
  return insertAuditEntry(tx, {
    actorId: record.actorId,
    action: record.action,
    targetType: record.target.type,
    targetId: record.target.id,
    before: record.before ?? null,
    after: record.after ?? null,
    reason: record.reason,
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Reading the log: GET /v1/admin/audit and /v1/admin/audit.csv

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const DAY_MS = 86_400_000;

/**
 * The query's filters: `actor` is an admin's id, their username, or `system`; `target` is `type:id` (a known type) or
 * an id of any type; `from` is inclusive, `to` exclusive, except that a date without a time means the whole day.
 */
export function auditFilterOf(query: Pick<AuditListQuery, 'actor' | 'target' | 'from' | 'to' | 'action'>): AuditFilter {
  const filter: AuditFilter = {};
  if (query.actor !== undefined) {
    if (query.actor.toLowerCase() === 'system') filter.actor = { system: true };
    else filter.actor = UUID.test(query.actor) ? { id: query.actor.toLowerCase() } : { username: query.actor };
  }
  if (query.target !== undefined) {
    const colon = query.target.indexOf(':');
    const type = colon > 0 ? query.target.slice(0, colon) : undefined;
    filter.target = type !== undefined && (auditTargetTypes as readonly string[]).includes(type) ? { type, id: query.target.slice(colon + 1) } : { id: query.target };
  }
  if (query.from !== undefined) filter.from = new Date(query.from);
  if (query.to !== undefined) filter.to = new Date(new Date(query.to).getTime() + (DATE_ONLY.test(query.to) ? DAY_MS : 0));
  if (query.action !== undefined) filter.action = query.action;
  return filter;
}

export function toAuditEntryView(entry: AuditEntryRow & Pick<AuditEntryWithActor, 'actorUsername'>): AuditEntryView {
  return {
    id: entry.id,
    actor: entry.actorId === null ? null : { id: entry.actorId, username: entry.actorUsername ?? '' },
    action: entry.action,
    target_type: entry.targetType,
    target_id: entry.targetId,
    before: entry.before ?? null,
    after: entry.after ?? null,
    reason: entry.reason,
    created_at: entry.createdAt.toISOString(),
  };
}

export async function listAudit(db: Db, query: AuditListQuery): Promise<AuditListView> {
  const filter = auditFilterOf(query);
  const offset = (query.page - 1) * query.page_size;
  const [rows, total] = await Promise.all([listAuditEntries(db, filter, { limit: query.page_size, offset }), countAuditEntries(db, filter)]);
  return pageOf(rows.map(toAuditEntryView), total, query);
}

/** The newest entries about a member (their account, refunds of their invoices, their payouts and flows). */
export async function listAuditAboutUser(db: Db, userId: string, limit: number): Promise<AuditEntryView[]> {
  return (await listAuditEntries(db, { aboutUserId: userId }, { limit })).map(toAuditEntryView);
}

export const AUDIT_CSV_COLUMNS = [
  'id',
  'created_at',
  'actor_id',
  'actor_username',
  'action',
  'target_type',
  'target_id',
  'reason',
  'before',
  'after',
] as const;

const CSV_BATCH = 1_000;

/**
 * The whole filtered log as CSV, newest first, read in batches from the last entry seen (so entries written
 * meanwhile neither repeat nor shift a row); before and after are JSON.
 */
export async function exportAuditCsv(db: Db, query: Pick<AuditListQuery, 'actor' | 'target' | 'from' | 'to' | 'action'>): Promise<string> {
  const filter = auditFilterOf(query);
  const lines: CsvCell[][] = [];
  let after: AuditCursor | undefined;
  for (;;) {
    const rows = await listAuditEntries(db, filter, { limit: CSV_BATCH, after });
    for (const entry of rows) {
      lines.push([
        entry.id,
        entry.createdAt.toISOString(),
        entry.actorId,
        entry.actorUsername,
        entry.action,
        entry.targetType,
        entry.targetId,
        entry.reason,
        entry.before === null ? null : JSON.stringify(entry.before),
        entry.after === null ? null : JSON.stringify(entry.after),
      ]);
    }
    // The finance area's writer: RFC 4180, and text cells a spreadsheet would run as a formula get a leading '.
    if (rows.length < CSV_BATCH) return toCsv(AUDIT_CSV_COLUMNS, lines);
    after = rows.at(-1)!.cursor;
  }
}
