import { sql, type SQL } from 'drizzle-orm';
import type { Tx, Db } from '../../../db/client.js';
import { rowsOf } from '../../../db/rows.js';
import { auditEntries } from '../../../db/schema.js';

// The audit log (SPEC §14): entries are only ever inserted (a trigger refuses UPDATE and DELETE).

export type AuditEntryRow = typeof auditEntries.$inferSelect;
export type NewAuditEntry = typeof auditEntries.$inferInsert;

/** Takes a transaction: an entry is written with the change it describes, or not at all. */
export async function insertAuditEntry(tx: Tx, entry: NewAuditEntry): Promise<AuditEntryRow> {
  const [row] = await tx.insert(auditEntries).values(entry).returning();
  return row!;
}

/**
 * Which entries: `actor` is an admin's id, or null for the system's entries; `actorUsername` matches the actor's
 * username case-insensitively; `target` by type and id, or by id alone; created in [from, to).
 */
export type AuditFilter = {
  actor?: { id: string } | { username: string } | { system: true };
  target?: { type?: string; id: string };
  /** Entries about a member: the account itself, and refunds of their invoices, their payouts and their flows. */
  aboutUserId?: string;
  from?: Date;
  to?: Date;
  action?: string;
};

/** `cursor` continues a listing after this entry (its exact time as text: a Date would lose the microseconds). */
export type AuditEntryWithActor = AuditEntryRow & { actorUsername: string | null; cursor: AuditCursor };
export type AuditCursor = { createdAt: string; id: number };

function whereOf(filter: AuditFilter): SQL {
  const conditions: SQL[] = [sql`true`];
  const { actor, target } = filter;
  if (actor && 'id' in actor) conditions.push(sql`a.actor_id = ${actor.id}::uuid`);
  if (actor && 'username' in actor) conditions.push(sql`lower(u.username) = lower(${actor.username})`);
  if (actor && 'system' in actor) conditions.push(sql`a.actor_id is null`);
  if (target?.type !== undefined) conditions.push(sql`a.target_type = ${target.type}`);
  if (target) conditions.push(sql`a.target_id = ${target.id}`);
  if (filter.aboutUserId !== undefined) {
    const userId = filter.aboutUserId;
    conditions.push(sql`(
      (a.target_type = 'user' and a.target_id = ${userId})
      or (a.target_type = 'refund' and a.target_id in (
            select r.id::text from admin_refunds r
              join invoices i on i.id = r.invoice_id
              join subscriptions s on s.id = i.subscription_id
             where s.user_id = ${userId}::uuid))
      or (a.target_type = 'payout' and a.target_id in (select p.id::text from payouts p where p.creator_id = ${userId}::uuid))
      or (a.target_type = 'flow' and a.target_id in (select f.id::text from flows f where f.author_id = ${userId}::uuid)))`);
  }
  if (filter.from) conditions.push(sql`a.created_at >= ${filter.from}`);
  if (filter.to) conditions.push(sql`a.created_at < ${filter.to}`);
  if (filter.action !== undefined) conditions.push(sql`a.action = ${filter.action}`);
  return sql.join(conditions, sql` and `);
}

type RawEntry = {
  id: string | number;
  actor_id: string | null;
  actor_username: string | null;
  action: string;
  target_type: string;
  target_id: string;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  reason: string;
  created_at: string | Date;
  cursor_at: string;
};

function toEntry(row: RawEntry): AuditEntryWithActor {
  return {
    id: Number(row.id),
    actorId: row.actor_id,
    actorUsername: row.actor_username,
    action: row.action,
    targetType: row.target_type,
    targetId: row.target_id,
    before: row.before,
    after: row.after,
    reason: row.reason,
    createdAt: new Date(row.created_at),
    cursor: { createdAt: row.cursor_at, id: Number(row.id) },
  };
}

/**
 * Newest first (time, then id). `after` continues a listing from the last entry seen (keyset, for the CSV export);
 * `offset` pages the console's list.
 */
export async function listAuditEntries(
  db: Db,
  filter: AuditFilter,
  page: { limit: number; offset?: number; after?: AuditCursor },
): Promise<AuditEntryWithActor[]> {
  const keyset = page.after ? sql`and (a.created_at, a.id) < (${page.after.createdAt}::timestamptz, ${page.after.id}::bigint)` : sql``;
  const result = await db.execute(sql`
    select a.id, a.actor_id, u.username as actor_username, a.action, a.target_type, a.target_id, a.before, a.after, a.reason,
           a.created_at, a.created_at::text as cursor_at
      from audit_entries a left join users u on u.id = a.actor_id
     where ${whereOf(filter)} ${keyset}
     order by a.created_at desc, a.id desc
     limit ${page.limit} offset ${page.offset ?? 0}`);
  return rowsOf<RawEntry>(result).map(toEntry);
}

export async function countAuditEntries(db: Db, filter: AuditFilter): Promise<number> {
  const result = await db.execute(sql`
    select count(*) as total from audit_entries a left join users u on u.id = a.actor_id where ${whereOf(filter)}`);
  return Number(rowsOf<{ total: string | number }>(result)[0]?.total ?? 0);
}
