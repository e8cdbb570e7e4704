import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { AppContext } from '../../../context.js';
import { inTransaction } from '../../../db/client.js';
import { bearerAuth, problems } from '../../../http/schemas.js';
import { requireAdmin, requireViewer } from '../../../http/viewer.js';
import { flowRefParams } from '../../flows/schemas.js';
import {
  adminFlow,
  adminFlowIdParams,
  adminFlowListQuery,
  adminFlowListResponse,
  adminFlowPatch,
  reportBody,
  reportDecisionBody,
  reportDecisionResponse,
  reportIdParams,
  reportListQuery,
  reportListResponse,
  reportResponse,
} from './schemas.js';
import { decideReport, getAdminFlows, getReportQueue, moderateFlow, reportFlow } from './service.js';

/**
 * Reports a member may file per minute. Each flow takes one report per member anyway; this stops a script from
 * filling the queue with reports of every flow in the library.
 */
const REPORTS_PER_MINUTE = 20;

/** Members report flows (SPEC §14): served under /v1, listed in app.ts's V1_ROUTES. */
export function flowReportRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      '/flows/:ref/reports',
      {
        config: {
          // Per member (the viewer hook has run): guests are refused by the handler, and share their address's budget.
          rateLimit: {
            max: REPORTS_PER_MINUTE,
            timeWindow: 60_000,
            keyGenerator: (request) => (request.viewer ? `report:${request.viewer.id}` : `report-ip:${request.ip}`),
          },
        },
        schema: {
          tags: ['moderation'],
          summary: 'Report a flow to the operators (once per member and flow)',
          description:
            'reason: spam, copyright, harmful, broken or other (details required for other). 409 if you already reported this flow; 400 for your own flow.',
          security: bearerAuth,
          params: flowRefParams,
          body: reportBody,
          response: { 201: reportResponse, ...problems(400, 401, 403, 404, 409, 429) },
        },
      },
      async (request, reply) => {
        const viewer = requireViewer(request);
        const report = await inTransaction(ctx.db, (tx) => reportFlow(tx, viewer, request.params.ref, request.body));
        request.log.info({ event: 'flow.reported', report_id: report.id, flow_id: report.flow_id, reporter_id: viewer.id, reason: report.reason }, 'flow reported');
        return reply.status(201).send(report);
      },
    );
  };
}

/** The console's moderation (SPEC §14), under /v1/admin behind the admin guard. */
export function adminModerationRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/reports',
      {
        schema: {
          tags: ['admin'],
          summary: 'The report queue (default: open reports, oldest first)',
          security: bearerAuth,
          querystring: reportListQuery,
          response: { 200: reportListResponse, ...problems(400, 401, 403) },
        },
      },
      async (request) => getReportQueue(ctx.db, request.query),
    );

    app.patch(
      '/reports/:id',
      {
        schema: {
          tags: ['admin'],
          summary: 'Resolve or dismiss an open report; unpublish or archive takes the flow down and mails its author',
          description:
            'A report already decided is a 409. Taking the flow down resolves its other open reports too (other_reports_resolved).',
          security: bearerAuth,
          params: reportIdParams,
          body: reportDecisionBody,
          response: { 200: reportDecisionResponse, ...problems(400, 401, 403, 404, 409) },
        },
      },
      async (request) => {
        const admin = requireAdmin(request);
        const report = await inTransaction(ctx.db, (tx) => decideReport(tx, admin, request.params.id, request.body));
        request.log.info(
          { event: `report.${report.status}`, report_id: report.id, flow_id: report.flow.id, action: report.action, admin_id: admin.id },
          'report decided',
        );
        return report;
      },
    );

    app.get(
      '/flows',
      {
        schema: {
          tags: ['admin'],
          summary: 'Every flow, any status, with its open reports',
          security: bearerAuth,
          querystring: adminFlowListQuery,
          response: { 200: adminFlowListResponse, ...problems(400, 401, 403) },
        },
      },
      async (request) => getAdminFlows(ctx.db, request.query),
    );

    app.patch(
      '/flows/:id',
      {
        schema: {
          tags: ['admin'],
          summary: 'Take a flow down (draft or archived; the author is mailed), restore it (published), feature or unfeature it',
          security: bearerAuth,
          params: adminFlowIdParams,
          body: adminFlowPatch,
          response: { 200: adminFlow, ...problems(400, 401, 403, 404, 409) },
        },
      },
      async (request) => {
        const admin = requireAdmin(request);
        const flow = await inTransaction(ctx.db, (tx) => moderateFlow(tx, admin, request.params.id, request.body));
        request.log.info({ event: 'flow.moderated', flow_id: flow.id, status: flow.status, featured: flow.featured, admin_id: admin.id }, 'flow moderated');
        return flow;
      },
    );
  };
}
