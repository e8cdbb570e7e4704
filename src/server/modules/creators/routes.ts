import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { AppContext } from '../../context.js';
import { bearerAuth, problems } from '../../http/schemas.js';
import { requireViewer } from '../../http/viewer.js';
import { z } from 'zod';
import { analyticsQuery, analyticsResponse, creatorFlowsResponse, earningsResponse, statementParams } from './schemas.js';
import { getAnalytics, getCreatorFlows, getEarnings, getStatement } from './service.js';

export function creatorRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/creators/me/earnings',
      {
        schema: {
          tags: ['creators'],
          summary: 'Your earnings: pending, held, available and paid, by month; payouts and Connect status',
          security: bearerAuth,
          response: { 200: earningsResponse, ...problems(401) },
        },
      },
      async (request) => getEarnings(ctx.db, requireViewer(request), { minPayoutCents: ctx.config.minPayoutCents }),
    );

    app.get(
      '/creators/me/flows',
      {
        schema: {
          tags: ['creators'],
          summary: 'Copies and earnings per flow',
          security: bearerAuth,
          response: { 200: creatorFlowsResponse, ...problems(401) },
        },
      },
      async (request) => getCreatorFlows(ctx.db, requireViewer(request)),
    );

    app.get(
      '/creators/me/analytics',
      {
        schema: {
          tags: ['creators'],
          summary: 'Your copies and earnings per UTC day (default: the last 30 days; at most 366)',
          security: bearerAuth,
          querystring: analyticsQuery,
          response: { 200: analyticsResponse, ...problems(400, 401, 404) },
        },
      },
      async (request, reply) => {
        const analytics = await getAnalytics(ctx.db, requireViewer(request), request.query);
        return reply.header('cache-control', 'private, no-store').send(analytics);
      },
    );

    app.get(
      '/creators/me/statements/:file',
      {
        schema: {
          tags: ['creators'],
          summary: 'Your monthly statement as CSV: GET /v1/creators/me/statements/YYYY-MM.csv',
          description:
            'One row per flow copied that UTC month (flow_slug, flow_title, copies, counted_copies, gross_cents, reversals_cents, net_cents; net as in the analytics, as of now), a TOTAL row, an empty line, then the payouts dated that month (payout_date: paid, or made when not paid; amount_cents, status, stripe_transfer_id). RFC 4180; text cells that start with = + - @ get a leading apostrophe.',
          security: bearerAuth,
          params: statementParams,
          response: { 200: z.string().describe('text/csv'), ...problems(400, 401) },
        },
      },
      async (request, reply) => {
        const statement = await getStatement(ctx.db, requireViewer(request), request.params.file.slice(0, 7));
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="${statement.filename}"`)
          .header('cache-control', 'private, no-store')
          .send(statement.csv);
      },
    );
  };
}
