import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { AppContext } from '../../context.js';
import { BadRequestError } from '../../errors.js';
import { problems } from '../../http/schemas.js';
import { WebhookSignatureError } from '../../integrations/stripe/client.js';
import { settleDuplicateSubscriptions } from '../subscriptions/service.js';
import { EventNotProcessedError, NotAnEventError } from './errors.js';
import { stripeEventShape, webhookReceivedSchema } from './schemas.js';
import { receiveEvent } from './service.js';

export function webhookRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    // The signature covers the exact bytes: keep the raw body for this route only (replacing the app's JSON parser).
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

    app.post(
      '/webhooks/stripe',
      {
        schema: {
          tags: ['webhooks'],
          summary: 'Stripe webhook receiver (signature verified on the raw body)',
          response: { 200: webhookReceivedSchema, ...problems(400, 500) },
        },
      },
      async (request) => {
        if (!Buffer.isBuffer(request.body)) throw new BadRequestError('Expected a JSON body.');
        let event;
        try {
          event = ctx.stripe.constructEvent(request.body, request.headers['stripe-signature'] as string | undefined);
        } catch (error) {
          if (error instanceof WebhookSignatureError) throw new BadRequestError(`Webhook signature verification failed: ${error.message}`);
          throw error;
        }
        // Signed by Stripe's secret but not an event (no id, type, created or data.object): nothing to store or retry.
        const shape = stripeEventShape.safeParse(event);
        if (!shape.success) {
          const issues = shape.error.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`);
          request.log.warn({ event: 'stripe.webhook.not_an_event', issues }, 'signed webhook body is not a Stripe event');
          throw new NotAnEventError(issues);
        }
        const result = await receiveEvent(ctx, event);
        const log = { event: 'stripe.webhook.received', stripe_event_id: event.id, type: event.type, outcome: result.outcome };
        if (result.outcome === 'failed') {
          request.log.warn({ ...log, err: result.error }, 'webhook left for retry');
          throw new EventNotProcessedError();
        }
        if (result.outcome === 'dead') request.log.warn(log, 'dead letter delivered again: acknowledged, retried only by hand');
        else request.log.info(log, 'webhook');
        // A duplicate subscription this event revealed (checkout, subscription or invoice events sync the
        // subscription) is cancelled and refunded now, after the commit; a job finishes it if this fails.
        if (result.outcome === 'processed') {
          await settleDuplicateSubscriptions(ctx, request.log).catch((error: unknown) =>
            request.log.warn({ event: 'subscription.duplicate_settle_failed', err: error }, 'duplicate subscription left for the job'),
          );
        }
        return { received: true as const, outcome: result.outcome };
      },
    );
  };
}
