import { and, asc, desc, eq, isNotNull, isNull, type SQL, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { Db, Tx } from '../../../db/client.js';
import { flowReports, flows, users } from '../../../db/schema.js';
import type { AdminFlowListQuery, ReportListQuery } from './schemas.js';

// Every statement of moderation: reports, and the flow columns operators change (status, taken_down_at, featured).

export type FlowReportRow = typeof flowReports.$inferSelect;
export type ReportReason = FlowReportRow['reason'];
export type ReportStatus = FlowReportRow['status'];
export type ReportAction = NonNullable<FlowReportRow['action']>;
export type FlowStatus = (typeof flows.$inferSelect)['status'];

/** The unique key that allows one report per member and flow (migration 0013). */
export const ONE_REPORT_PER_MEMBER_KEY = 'flow_reports_once_per_member_key';

/**
 * The flow's status, its row share-locked until the report commits: a take-down (which locks the flow NO KEY UPDATE)
 * waits for the report and then resolves it too, or the report waits for the take-down and sees the new status.
 */
export async function shareLockFlowStatus(tx: Tx, flowId: string): Promise<FlowStatus | undefined> {
  const [row] = await tx.select({ status: flows.status }).from(flows).where(eq(flows.id, flowId)).for('share');
  return row?.status;
}

export async function insertReport(tx: Tx, values: { flowId: string; reporterId: string; reason: ReportReason; details: string }): Promise<FlowReportRow> {
  const [row] = await tx.insert(flowReports).values(values).returning();
  return row!;
}

const author = alias(users, 'author');
const reporter = alias(users, 'reporter');
const resolver = alias(users, 'resolver');
const openReportsOf = (flowId: SQL | typeof flows.id) =>
  sql<number>`(select count(*)::int from flow_reports o where o.flow_id = ${flowId} and o.status = 'open')`.mapWith(Number);

const reportColumns = {
  id: flowReports.id,
  reason: flowReports.reason,
  details: flowReports.details,
  status: flowReports.status,
  action: flowReports.action,
  resolution: flowReports.resolution,
  resolvedAt: flowReports.resolvedAt,
  createdAt: flowReports.createdAt,
  flowId: flows.id,
  flowSlug: flows.slug,
  flowTitle: flows.title,
  flowStatus: flows.status,
  flowTakenDownAt: flows.takenDownAt,
  flowOpenReports: openReportsOf(flows.id),
  authorId: author.id,
  authorUsername: author.username,
  reporterId: reporter.id,
  reporterUsername: reporter.username,
  resolverId: resolver.id,
  resolverUsername: resolver.username,
};
function selectReports(db: Db) {
  return db
    .select(reportColumns)
    .from(flowReports)
    .innerJoin(flows, eq(flows.id, flowReports.flowId))
    .innerJoin(author, eq(author.id, flows.authorId))
    .innerJoin(reporter, eq(reporter.id, flowReports.reporterId))
    .leftJoin(resolver, eq(resolver.id, flowReports.resolvedBy));
}
export type ReportListRow = Awaited<ReturnType<typeof selectReports>>[number];

/** The queue: open reports oldest first (first come, first served); decided ones most recently decided first. */
export async function listReports(db: Db, query: ReportListQuery): Promise<{ rows: ReportListRow[]; total: number }> {
  const where = eq(flowReports.status, query.status);
  const order = query.status === 'open' ? [asc(flowReports.createdAt)] : [desc(flowReports.resolvedAt)];
  const [rows, [count]] = await Promise.all([
    selectReports(db)
      .where(where)
      .orderBy(...order, asc(flowReports.id))
      .limit(query.page_size)
      .offset((query.page - 1) * query.page_size),
    db.select({ total: sql<number>`count(*)::int` }).from(flowReports).where(where),
  ]);
  return { rows, total: count?.total ?? 0 };
}

export async function findReport(db: Db, id: string): Promise<ReportListRow | undefined> {
  const [row] = await selectReports(db).where(eq(flowReports.id, id));
  return row;
}

export type ReportDecisionValues = { status: 'resolved' | 'dismissed'; action: ReportAction; resolution: string; resolvedBy: string };

/** Decides a report only while it is open (atomic: of two operators deciding at once, one wins, the other gets nothing). */
export async function decideOpenReport(tx: Tx, id: string, values: ReportDecisionValues): Promise<FlowReportRow | undefined> {
  const [row] = await tx
    .update(flowReports)
    .set({ ...values, resolvedAt: sql`now()` })
    .where(and(eq(flowReports.id, id), eq(flowReports.status, 'open')))
    .returning();
  return row;
}

export async function findReportState(db: Db, id: string): Promise<{ flowId: string; status: ReportStatus } | undefined> {
  const [row] = await db.select({ flowId: flowReports.flowId, status: flowReports.status }).from(flowReports).where(eq(flowReports.id, id));
  return row;
}

/** A flow taken down: its remaining open reports are resolved with the same action. Returns their ids. */
export async function resolveOpenReportsOfFlow(tx: Tx, flowId: string, values: Omit<ReportDecisionValues, 'status'>): Promise<{ id: string }[]> {
  return tx
    .update(flowReports)
    .set({ ...values, status: 'resolved', resolvedAt: sql`now()` })
    .where(and(eq(flowReports.flowId, flowId), eq(flowReports.status, 'open')))
    .returning({ id: flowReports.id });
}

// ---------------------------------------------------------------------------------------------------------------
// Flows, as operators see and change them

export type ModeratedFlow = {
  id: string;
  slug: string;
  title: string;
  status: FlowStatus;
  featured: boolean;
  takenDownAt: Date | null;
  authorId: string;
  authorEmail: string;
  authorUsername: string;
  authorDeletedAt: Date | null;
};

/**
 * The flow and its author, its row locked until the transaction ends: moderation decisions are made on it. Every
 * moderation transaction locks the flow before its reports (one order, no deadlock); NO KEY UPDATE leaves members
 * free to insert reports meanwhile (their foreign key takes KEY SHARE).
 */
export async function lockModeratedFlow(tx: Tx, id: string): Promise<ModeratedFlow | undefined> {
  const [row] = await tx
    .select({
      id: flows.id,
      slug: flows.slug,
      title: flows.title,
      status: flows.status,
      featured: flows.featured,
      takenDownAt: flows.takenDownAt,
      authorId: users.id,
      authorEmail: users.email,
      authorUsername: users.username,
      authorDeletedAt: users.deletedAt,
    })
    .from(flows)
    .innerJoin(users, eq(users.id, flows.authorId))
    .where(eq(flows.id, id))
    .for('no key update', { of: flows });
  return row;
}

export type FlowModerationState = { status: FlowStatus; takenDownAt: Date | null; featured: boolean };
const moderationState = { status: flows.status, takenDownAt: flows.takenDownAt, featured: flows.featured };

/** Taken down: off the library, and its author cannot publish it again until an operator restores it. */
export async function takeDownFlowRow(tx: Tx, id: string, status: 'draft' | 'archived'): Promise<FlowModerationState | undefined> {
  const [row] = await tx
    .update(flows)
    .set({ status, takenDownAt: sql`now()`, updatedAt: new Date() })
    .where(eq(flows.id, id))
    .returning(moderationState);
  return row;
}

/** Published again: status and taken_down_at change in one statement (flows_taken_down_check forbids one without the other). */
export async function restoreFlowRow(tx: Tx, id: string): Promise<FlowModerationState | undefined> {
  const [row] = await tx
    .update(flows)
    .set({ status: 'published', takenDownAt: null, publishedAt: sql`coalesce(${flows.publishedAt}, now())`, updatedAt: new Date() })
    .where(eq(flows.id, id))
    .returning(moderationState);
  return row;
}

export async function setFlowFeatured(tx: Tx, id: string, featured: boolean): Promise<FlowModerationState | undefined> {
  const [row] = await tx.update(flows).set({ featured }).where(eq(flows.id, id)).returning(moderationState);
  return row;
}

// The exact count from the sharded counters, as the flows module shows it.
const exactCopyCount = sql<number>`(select coalesce(sum(c.copies), 0)::bigint from flow_copy_counters c where c.flow_id = ${flows.id})`.mapWith(Number);

const adminFlowColumns = {
  id: flows.id,
  slug: flows.slug,
  title: flows.title,
  status: flows.status,
  featured: flows.featured,
  takenDownAt: flows.takenDownAt,
  createdAt: flows.createdAt,
  authorId: users.id,
  authorUsername: users.username,
  copyCount: exactCopyCount,
  openReports: openReportsOf(flows.id),
};

/** `%`, `_` and `\` in a search are literal characters, not patterns. */
const likePattern = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

function selectAdminFlows(db: Db) {
  return db.select(adminFlowColumns).from(flows).innerJoin(users, eq(users.id, flows.authorId));
}
export type AdminFlowRow = Awaited<ReturnType<typeof selectAdminFlows>>[number];

export async function listAdminFlows(db: Db, query: AdminFlowListQuery): Promise<{ rows: AdminFlowRow[]; total: number }> {
  const conditions: SQL[] = [];
  if (query.q) {
    const pattern = likePattern(query.q);
    conditions.push(sql`(${flows.title} ilike ${pattern} or ${flows.slug} ilike ${pattern} or ${users.username} ilike ${pattern})`);
  }
  if (query.status) conditions.push(eq(flows.status, query.status));
  if (query.taken_down !== undefined) conditions.push(query.taken_down ? isNotNull(flows.takenDownAt) : isNull(flows.takenDownAt));
  if (query.featured !== undefined) conditions.push(eq(flows.featured, query.featured));
  const where = conditions.length > 0 ? and(...conditions) : undefined;
  const order = query.sort === 'reports' ? [desc(openReportsOf(flows.id)), desc(flows.createdAt)] : [desc(flows.createdAt)];
  const [rows, [count]] = await Promise.all([
    selectAdminFlows(db)
      .where(where)
      .orderBy(...order, desc(flows.id))
      .limit(query.page_size)
      .offset((query.page - 1) * query.page_size),
    db.select({ total: sql<number>`count(*)::int` }).from(flows).innerJoin(users, eq(users.id, flows.authorId)).where(where),
  ]);
  return { rows, total: count?.total ?? 0 };
}

export async function findAdminFlow(db: Db, id: string): Promise<AdminFlowRow | undefined> {
  const [row] = await selectAdminFlows(db).where(eq(flows.id, id));
  return row;
}
