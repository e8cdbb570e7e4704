import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { AppContext } from '../../../context.js';
import { bearerAuth, problems } from '../../../http/schemas.js';
import { auditCsv, auditFilterQuery, auditListQuery, auditListResponse } from './schemas.js';
import { exportAuditCsv, listAudit } from './service.js';

/** The audit log (SPEC §14), under /v1/admin behind the admin guard: read-only (entries are immutable). */
export function adminAuditRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/audit',
      {
        schema: {
          tags: ['admin'],
          summary: 'The audit log: what operators (and the system) changed, newest first, filtered by actor, target and time',
          security: bearerAuth,
          querystring: auditListQuery,
          response: { 200: auditListResponse, ...problems(400, 401, 403) },
        },
      },
      async (request) => listAudit(ctx.db, request.query),
    );

    app.get(
      '/audit.csv',
      {
        schema: {
          tags: ['admin'],
          summary: 'The audit log as CSV (the same filters, every matching entry)',
          security: bearerAuth,
          querystring: auditFilterQuery,
          produces: ['text/csv'],
          response: { 200: auditCsv, ...problems(400, 401, 403) },
        },
      },
      async (request, reply) => {
        const csv = await exportAuditCsv(ctx.db, request.query);
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', 'attachment; filename="flowtab-audit.csv"')
          .header('cache-control', 'no-store')
          .send(csv);
      },
    );
  };
}
