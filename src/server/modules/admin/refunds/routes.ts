import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { AppContext } from '../../../context.js';
import { bearerAuth, problems } from '../../../http/schemas.js';
import { requireAdmin } from '../../../http/viewer.js';
import { BadIdempotencyKeyError } from './errors.js';
import { adminRefundBody, adminRefundList, adminRefundListQuery, adminRefundView } from './schemas.js';
import { createAdminRefund, listRefunds } from './service.js';

/** Refunds (SPEC §14): through Stripe with an idempotency key; the ledger follows through the refund's webhook. */
export function adminRefundsRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      '/refunds',
      {
        schema: {
          tags: ['admin'],
          summary: 'Refund a paid invoice through Stripe, in full (amount omitted) or in part; a reason is required',
          description:
            'Send an `Idempotency-Key` header to make retries safe: a repeated request answers the first result with the same ' +
            'status (and finishes it if Stripe had not answered). Without it, every request is a new refund. More than what is ' +
            'left to refund → 409 with `max_refundable_cents`. The creator earnings of the invoice’s period are reversed when ' +
            'Stripe’s `charge.refunded` webhook arrives, as for any refund.',
          security: bearerAuth,
          body: adminRefundBody,
          response: { 201: adminRefundView, 202: adminRefundView, ...problems(400, 401, 403, 404, 409) },
        },
      },
      async (request, reply) => {
        const header = request.headers['idempotency-key'];
        if (header !== undefined && (typeof header !== 'string' || header.length === 0 || header.length > 255)) throw new BadIdempotencyKeyError();
        const result = await createAdminRefund(
          ctx,
          requireAdmin(request),
          { invoiceId: request.body.invoice_id, amountCents: request.body.amount_cents, reason: request.body.reason, idempotencyKey: header },
          request.log,
        );
        return reply.status(result.httpStatus).send(result.refund);
      },
    );

    app.get(
      '/refunds',
      {
        schema: {
          tags: ['admin'],
          summary: 'Refunds made in the console, newest first (filter by member or invoice)',
          security: bearerAuth,
          querystring: adminRefundListQuery,
          response: { 200: adminRefundList, ...problems(400, 401, 403) },
        },
      },
      async (request) => listRefunds(ctx.db, request.query),
    );
  };
}
