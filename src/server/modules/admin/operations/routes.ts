import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { AppContext } from '../../../context.js';
import { bearerAuth, problems } from '../../../http/schemas.js';
import { requireAdmin } from '../../../http/viewer.js';
import { runSummary } from '../../payouts/schemas.js';
import {
  adminPayoutList,
  adminPayoutListQuery,
  adminRunPayoutsBody,
  deadLetterList,
  deadLetterListQuery,
  eventIdParams,
  payoutIdParams,
  payoutRetryResponse,
  reasonBody,
  webhookRetryResponse,
} from './schemas.js';
import { listDeadWebhooks, listPayouts, retryDeadWebhook, retryFailedPayout, runPayoutsByHand } from './service.js';

/** Payouts and webhooks in the operator console (SPEC §14). */
export function adminOperationsRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/payouts',
      {
        schema: {
          tags: ['admin'],
          summary: 'Payouts, newest first, optionally by status',
          security: bearerAuth,
          querystring: adminPayoutListQuery,
          response: { 200: adminPayoutList, ...problems(400, 401, 403) },
        },
      },
      async (request) => listPayouts(ctx.db, request.query),
    );

    app.post(
      '/payouts/:id/retry',
      {
        schema: {
          tags: ['admin'],
          summary: 'Retry a failed payout: pay the creator’s available balance now, once per failed payout',
          description:
            'A failed payout’s money went back to the creator’s available balance; the retry reserves that balance and sends a ' +
            'new payout now (run key `retry-<id>`, so at most once per failed payout). 409 when the payout is not failed, was ' +
            'retried already, another payout is in flight, payouts are paused or not enabled, or less than the minimum is available.',
          security: bearerAuth,
          params: payoutIdParams,
          body: reasonBody,
          response: { 201: payoutRetryResponse, ...problems(400, 401, 403, 404, 409) },
        },
      },
      async (request, reply) => {
        const result = await retryFailedPayout(ctx, requireAdmin(request), request.params.id, request.body.reason, request.log);
        return reply.status(201).send(result);
      },
    );

    app.post(
      '/payouts/run',
      {
        // `flowtab payouts run` asks a running development server on the embedded database with an operator token.
        config: { acceptsOperatorToken: true },
        schema: {
          tags: ['admin'],
          summary: 'Run the payouts now (what `flowtab payouts run` asks a server on the embedded database); audited',
          security: bearerAuth,
          body: adminRunPayoutsBody,
          response: { 200: runSummary, ...problems(400, 401, 403) },
        },
      },
      async (request) => {
        const body = request.body;
        return runPayoutsByHand(ctx, requireAdmin(request), {
          asOf: body?.as_of ? new Date(body.as_of) : undefined,
          isDryRun: body?.dry_run ?? false,
          reason: body?.reason,
          log: request.log,
        });
      },
    );

    app.get(
      '/webhooks/dead',
      {
        schema: {
          tags: ['admin'],
          summary: 'Stripe events that became dead letters (no longer retried automatically), most recently dead first',
          security: bearerAuth,
          querystring: deadLetterListQuery,
          response: { 200: deadLetterList, ...problems(400, 401, 403) },
        },
      },
      async (request) => listDeadWebhooks(ctx.db, request.query),
    );

    app.post(
      '/webhooks/:event_id/retry',
      {
        schema: {
          tags: ['admin'],
          summary: 'Process a dead letter again now, from the current Stripe objects; audited with its outcome',
          security: bearerAuth,
          params: eventIdParams,
          body: reasonBody,
          response: { 200: webhookRetryResponse, ...problems(400, 401, 403, 404, 409) },
        },
      },
      async (request) => retryDeadWebhook(ctx, requireAdmin(request), request.params.event_id, request.body.reason),
    );
  };
}
