import type { Db, Tx } from '../../../db/client.js';
import { isUniqueViolation } from '../../../db/errors.js';
import type { Viewer } from '../../auth/viewer.js';
import { enqueueEmail } from '../../email/service.js';
import { FlowNotFoundError } from '../../flows/errors.js';
import { getFlow } from '../../flows/service.js';
import { recordAudit } from '../audit/service.js';
import { AlreadyReportedError, AuthorDeletedError, OwnFlowReportError, ReportAlreadyDecidedError, ReportedFlowNotFoundError, ReportNotFoundError } from './errors.js';
import {
  type AdminFlowRow,
  decideOpenReport,
  findAdminFlow,
  findReport,
  findReportState,
  type FlowModerationState,
  insertReport,
  listAdminFlows,
  listReports,
  lockModeratedFlow,
  type ModeratedFlow,
  ONE_REPORT_PER_MEMBER_KEY,
  type ReportAction,
  type ReportListRow,
  type ReportReason,
  resolveOpenReportsOfFlow,
  restoreFlowRow,
  setFlowFeatured,
  shareLockFlowStatus,
  takeDownFlowRow,
} from './repository.js';
import type {
  AdminFlowListQuery,
  AdminFlowPatch,
  AdminFlowView,
  AdminReportView,
  ReportBody,
  ReportDecision,
  ReportDecisionView,
  ReportListQuery,
  ReportView,
} from './schemas.js';
import { pageOf } from '../paging.js';

// ---------------------------------------------------------------------------------------------------------------
// Members report flows

/**
 * A member reports a flow they can see (the flows module's visibility rule: an unpublished flow is a 404 to anyone but
 * its author and admins). Once per member and flow: the unique key decides, so parallel reports make one row.
 */
export async function reportFlow(tx: Tx, viewer: Viewer, ref: string, body: ReportBody): Promise<ReportView> {
  const flow = await findVisibleFlow(tx, ref, viewer);
  if (flow.author.id === viewer.id) throw new OwnFlowReportError();
  // Taken down (or otherwise changed) since it was read: the member no longer sees what they report.
  if ((await shareLockFlowStatus(tx, flow.id)) !== flow.status) throw new ReportedFlowNotFoundError();
  try {
    const row = await insertReport(tx, { flowId: flow.id, reporterId: viewer.id, reason: body.reason, details: body.details });
    return { id: row.id, flow_id: row.flowId, reason: row.reason, details: row.details, status: row.status, created_at: row.createdAt.toISOString() };
  } catch (error) {
    if (isUniqueViolation(error, ONE_REPORT_PER_MEMBER_KEY)) throw new AlreadyReportedError();
    throw error;
  }
}

async function findVisibleFlow(tx: Tx, ref: string, viewer: Viewer) {
  try {
    return await getFlow(tx, ref, viewer);
  } catch (error) {
    // The flows module's 404 (unknown, or unpublished and not the viewer's), restated as this module's.
    if (error instanceof FlowNotFoundError) throw new ReportedFlowNotFoundError();
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The operators' queue

function toAdminReport(row: ReportListRow): AdminReportView {
  return {
    id: row.id,
    flow: {
      id: row.flowId,
      slug: row.flowSlug,
      title: row.flowTitle,
      status: row.flowStatus,
      taken_down: row.flowTakenDownAt !== null,
      author: { id: row.authorId, username: row.authorUsername },
      open_reports: row.flowOpenReports,
    },
    reporter: { id: row.reporterId, username: row.reporterUsername },
    reason: row.reason,
    details: row.details,
    status: row.status,
    action: row.action,
    resolution: row.resolution,
    resolved_by: row.resolverId && row.resolverUsername ? { id: row.resolverId, username: row.resolverUsername } : null,
    resolved_at: row.resolvedAt?.toISOString() ?? null,
    created_at: row.createdAt.toISOString(),
  };
}

export async function getReportQueue(db: Db, query: ReportListQuery) {
  const { rows, total } = await listReports(db, query);
  return pageOf(rows.map(toAdminReport), total, query);
}

/**
 * Resolves or dismisses an open report (a report already decided: 409). Resolving with `unpublish` or `archive` takes
 * the flow down (the author is mailed) and resolves the flow's other open reports with the same action, since there
 * is nothing left for them to ask. All of it, audit entries and the mail included, in the caller's one transaction.
 */
export async function decideReport(tx: Tx, admin: Viewer, id: string, decision: ReportDecision): Promise<ReportDecisionView> {
  const known = await findReportState(tx, id);
  if (!known) throw new ReportNotFoundError();
  // The flow first, then its reports: the order moderateFlow locks them in.
  const flow = await lockModeratedFlow(tx, known.flowId);
  if (!flow) throw new ReportedFlowNotFoundError();
  const report = await decideOpenReport(tx, id, { status: decision.status, action: decision.action, resolution: decision.reason, resolvedBy: admin.id });
  if (!report) throw new ReportAlreadyDecidedError((await findReportState(tx, id))?.status ?? known.status);
  await recordAudit(tx, {
    actorId: admin.id,
    action: `report.${decision.status}`,
    target: { type: 'report', id: report.id },
    before: { status: 'open' },
    after: { status: decision.status, action: decision.action, flow_id: report.flowId },
    reason: decision.reason,
  });
  let otherReportsResolved = 0;
  const takeDownStatus = takeDownStatusOf(decision.action);
  if (takeDownStatus) {
    await takeDown(tx, admin, flow, takeDownStatus, decision.reason, report.reason);
    otherReportsResolved = await resolveRemainingReports(tx, admin, flow.id, decision.action, decision.reason);
  }
  const view = await findReport(tx, report.id);
  return { ...toAdminReport(view!), other_reports_resolved: otherReportsResolved };
}

function takeDownStatusOf(action: ReportAction): 'draft' | 'archived' | undefined {
  switch (action) {
    case 'none':
      return undefined;
    case 'unpublish':
      return 'draft';
    case 'archive':
      return 'archived';
  }
}

const stateOf = (state: FlowModerationState) => ({
  status: state.status,
  taken_down_at: state.takenDownAt?.toISOString() ?? null,
  featured: state.featured,
});

/**
 * Takes a locked flow down: `draft` (unpublished) or `archived`, with taken_down_at set so the author cannot publish
 * it again. The author is mailed through the outbox: what was taken down, the report category (never the reporter,
 * never the operator's note), and how to appeal. A flow already down in that state is left as it is (no mail).
 */
async function takeDown(tx: Tx, admin: Viewer, flow: ModeratedFlow, status: 'draft' | 'archived', reason: string, category: ReportReason | null) {
  if (flow.status === status && flow.takenDownAt) return;
  const after = await takeDownFlowRow(tx, flow.id, status);
  const entry = await recordAudit(tx, {
    actorId: admin.id,
    action: 'flow.taken_down',
    target: { type: 'flow', id: flow.id },
    before: stateOf(flow),
    after: stateOf(after!),
    reason,
  });
  await enqueueEmail(tx, {
    causeKey: `flow-taken-down:${flow.id}:${entry.id}`,
    userId: flow.authorId,
    to: flow.authorEmail,
    template: 'flow_taken_down',
    data: { username: flow.authorUsername, flowTitle: flow.title, outcome: status === 'archived' ? 'archived' : 'unpublished', reason: category },
  });
}

/** The open reports of a flow that was just taken down: resolved with the same action, each with its audit entry. */
async function resolveRemainingReports(tx: Tx, admin: Viewer, flowId: string, action: ReportAction, reason: string): Promise<number> {
  const resolved = await resolveOpenReportsOfFlow(tx, flowId, { action, resolution: reason, resolvedBy: admin.id });
  for (const { id } of resolved) {
    await recordAudit(tx, {
      actorId: admin.id,
      action: 'report.resolved',
      target: { type: 'report', id },
      before: { status: 'open' },
      after: { status: 'resolved', action, flow_id: flowId, flow_taken_down: true },
      reason,
    });
  }
  return resolved.length;
}

// ---------------------------------------------------------------------------------------------------------------
// Flows: list, take down, restore, feature

function toAdminFlow(row: AdminFlowRow): AdminFlowView {
  return {
    id: row.id,
    slug: row.slug,
    title: row.title,
    status: row.status,
    featured: row.featured,
    taken_down_at: row.takenDownAt?.toISOString() ?? null,
    author: { id: row.authorId, username: row.authorUsername },
    copy_count: row.copyCount,
    open_reports: row.openReports,
    created_at: row.createdAt.toISOString(),
  };
}

export async function getAdminFlows(db: Db, query: AdminFlowListQuery) {
  const { rows, total } = await listAdminFlows(db, query);
  return pageOf(rows.map(toAdminFlow), total, query);
}

/**
 * An operator changes a flow: `draft` or `archived` takes it down (as a report's unpublish/archive would: the author
 * is mailed and its open reports are resolved), `published` restores it (taken_down_at cleared in the same
 * statement), `featured` features or unfeatures it. Each change that happens has its audit entry; asking for the
 * state the flow is already in changes and records nothing.
 */
export async function moderateFlow(tx: Tx, admin: Viewer, id: string, patch: AdminFlowPatch): Promise<AdminFlowView> {
  const flow = await lockModeratedFlow(tx, id);
  if (!flow) throw new ReportedFlowNotFoundError();
  switch (patch.status) {
    case undefined:
      break;
    case 'draft':
    case 'archived':
      await takeDown(tx, admin, flow, patch.status, patch.reason, null);
      await resolveRemainingReports(tx, admin, flow.id, patch.status === 'draft' ? 'unpublish' : 'archive', patch.reason);
      break;
    case 'published': {
      if (flow.status === 'published') break;
      if (flow.authorDeletedAt) throw new AuthorDeletedError();
      const after = (await restoreFlowRow(tx, flow.id))!;
      await recordAudit(tx, { actorId: admin.id, action: 'flow.restored', target: { type: 'flow', id: flow.id }, before: stateOf(flow), after: stateOf(after), reason: patch.reason });
      break;
    }
  }
  if (patch.featured !== undefined && patch.featured !== flow.featured) {
    const before = await lockModeratedFlow(tx, flow.id);
    const after = (await setFlowFeatured(tx, flow.id, patch.featured))!;
    await recordAudit(tx, {
      actorId: admin.id,
      action: patch.featured ? 'flow.featured' : 'flow.unfeatured',
      target: { type: 'flow', id: flow.id },
      before: stateOf(before!),
      after: stateOf(after),
      reason: patch.reason,
    });
  }
  return toAdminFlow((await findAdminFlow(tx, flow.id))!);
}
