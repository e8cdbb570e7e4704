import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { AppContext } from '../../../context.js';
import { bearerAuth, problems } from '../../../http/schemas.js';
import { requireAdmin } from '../../../http/viewer.js';
import { runReconcile } from './jobs.js';
import { csvFile, financeSummary, ledgerCsvQuery, reconcileBody, reconcileResult, summaryQuery } from './schemas.js';
import { getFinanceSummary, ledgerCsv, monthsCsv } from './service.js';

const tags = ['admin'];
const csvType = 'text/csv; charset=utf-8';

/** The console's finance area (SPEC §14), under /v1/admin behind the admin guard. Figures: docs/finance.md. */
export function adminFinanceRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  const sharePercent = ctx.config.economics.creatorSharePercent;
  return async (app) => {
    app.get(
      '/finance/summary',
      {
        schema: {
          tags,
          summary: 'A month’s figures (UTC): subscribers, MRR, money in and out, creator pool, liabilities, newest reconcile run',
          security: bearerAuth,
          querystring: summaryQuery,
          response: { 200: financeSummary, ...problems(400, 401, 403) },
        },
      },
      async (request) => getFinanceSummary(ctx.db, { month: request.query.month, sharePercent, now: new Date() }),
    );

    app.get(
      '/finance/months.csv',
      {
        schema: {
          tags,
          summary: 'One row per month (the summary’s figures, liabilities flattened), from the first month with data to now',
          security: bearerAuth,
          response: { 200: csvFile, ...problems(401, 403) },
        },
      },
      async (_request, reply) => {
        const csv = await monthsCsv(ctx.db, { sharePercent, now: new Date() });
        return reply.type(csvType).header('content-disposition', 'attachment; filename="flowtab-finance-months.csv"').header('cache-control', 'no-store').send(csv);
      },
    );

    app.get(
      '/finance/ledger.csv',
      {
        schema: {
          tags,
          summary: 'Every ledger entry created in the month (UTC): entry, time, transaction, kind, account, creator, period, amount',
          security: bearerAuth,
          querystring: ledgerCsvQuery,
          response: { 200: csvFile, ...problems(400, 401, 403) },
        },
      },
      async (request, reply) => {
        const { month, csv } = await ledgerCsv(ctx.db, { month: request.query.month, now: new Date() });
        return reply.type(csvType).header('content-disposition', `attachment; filename="flowtab-ledger-${month}.csv"`).header('cache-control', 'no-store').send(csv);
      },
    );

    app.post(
      '/finance/reconcile',
      {
        schema: {
          tags,
          summary: 'Run reconcile now (as the daily job does): records the run, mails every admin if it fails, audited as reconcile.ran',
          security: bearerAuth,
          body: reconcileBody,
          response: { 200: reconcileResult, ...problems(400, 401, 403) },
        },
      },
      async (request) => {
        const admin = requireAdmin(request);
        const reason = request.body?.reason || 'run from the operator console';
        return runReconcile(ctx, { actorId: admin.id, reason, logger: request.log });
      },
    );
  };
}
