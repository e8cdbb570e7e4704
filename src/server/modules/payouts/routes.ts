import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { AppContext } from '../../context.js';
import { BadRequestError } from '../../errors.js';
import { bearerAuth, problems } from '../../http/schemas.js';
import { requireViewer } from '../../http/viewer.js';
import {
  applyToSubscriptionBody,
  applyToSubscriptionResponse,
  connectResponse,
  payoutsResponse,
  payoutView,
} from './schemas.js';
import { connectCreator } from './connect.js';
import { applyEarningsToSubscription } from './credits.js';
import { withdrawNow } from './runs.js';
import { getMyPayouts } from './summary.js';

export function payoutRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      '/creators/me/connect',
      {
        schema: {
          tags: ['creators'],
          summary: 'Connect a Stripe Express account to be paid: returns a fresh onboarding link',
          security: bearerAuth,
          response: { 200: connectResponse, ...problems(401, 403, 404) },
        },
      },
      async (request) => connectCreator(ctx, requireViewer(request)),
    );

    app.get(
      '/creators/me/payouts',
      {
        schema: {
          tags: ['creators'],
          summary: 'Your payouts, Connect status and whether you can withdraw now',
          security: bearerAuth,
          response: { 200: payoutsResponse, ...problems(401, 404) },
        },
      },
      async (request) => getMyPayouts(ctx, requireViewer(request)),
    );

    app.post(
      '/creators/me/payouts',
      {
        schema: {
          tags: ['creators'],
          summary: 'Withdraw now: pay out the whole available balance (at least the minimum, once a day)',
          security: bearerAuth,
          response: { 201: payoutView, ...problems(401, 404, 409) },
        },
      },
      async (request, reply) => {
        const payout = await withdrawNow(ctx, requireViewer(request), request.log);
        return reply.status(201).send(payout);
      },
    );

    app.post(
      '/creators/me/apply-to-subscription',
      {
        schema: {
          tags: ['creators'],
          summary: 'Turn available earnings into a credit on your own subscription (taken off your next invoices)',
          description: 'Send an `Idempotency-Key` header to make retries safe: a replay returns the first result.',
          security: bearerAuth,
          body: applyToSubscriptionBody,
          response: { 200: applyToSubscriptionResponse, 202: applyToSubscriptionResponse, ...problems(400, 401, 404, 409) },
        },
      },
      async (request, reply) => {
        const header = request.headers['idempotency-key'];
        if (header !== undefined && (typeof header !== 'string' || header.length === 0 || header.length > 255)) {
          throw new BadRequestError('The Idempotency-Key header must be 1 to 255 characters.');
        }
        const result = await applyEarningsToSubscription(
          ctx,
          requireViewer(request),
          { amountCents: request.body?.amount_cents, idempotencyKey: header },
          request.log,
        );
        return reply.status(result.status === 'pending' ? 202 : 200).send(result);
      },
    );
  };
}
