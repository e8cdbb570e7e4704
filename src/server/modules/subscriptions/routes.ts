import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { AppContext } from '../../context.js';
import { bearerAuth, problems } from '../../http/schemas.js';
import { requireViewer } from '../../http/viewer.js';
import { getPublicConfig } from './public-config-service.js';
import { checkoutResponse, mySubscriptionResponse, portalResponse, publicConfigResponse } from './schemas.js';
import { getMySubscription, openPortal, startCheckout } from './service.js';

export function subscriptionRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      '/subscriptions/checkout',
      {
        schema: {
          tags: ['subscriptions'],
          summary: 'Start a Stripe Checkout for Premium ($10/month); redirect the browser to `url`',
          security: bearerAuth,
          response: { 200: checkoutResponse, ...problems(401, 409, 503) },
        },
      },
      async (request) => {
        const viewer = requireViewer(request);
        const session = await startCheckout(ctx, viewer);
        request.log.info({ event: 'subscription.checkout_started', user_id: viewer.id, session_id: session.session_id }, 'checkout started');
        return session;
      },
    );

    app.post(
      '/subscriptions/portal',
      {
        schema: {
          tags: ['subscriptions'],
          summary: 'A Stripe Customer Portal link: card, invoices, cancel',
          security: bearerAuth,
          response: { 200: portalResponse, ...problems(401, 409) },
        },
      },
      async (request) => openPortal(ctx, requireViewer(request)),
    );

    app.get(
      '/config/public',
      {
        config: { tokenScope: 'flows:read' },
        schema: {
          tags: ['subscriptions'],
          summary: 'The price and the economics the web app shows (never hard-coded there)',
          description: 'Public and cacheable for 5 minutes (30 seconds while the price is unknown).',
          response: { 200: publicConfigResponse },
        },
      },
      async (request, reply) => {
        const view = await getPublicConfig(ctx);
        if (view.price_cents === null && ctx.billing.priceId) request.log.warn({ event: 'config.price_unavailable', price_id: ctx.billing.priceId }, 'price unavailable');
        return reply.header('cache-control', view.price_cents === null ? 'public, max-age=30' : 'public, max-age=300').send(view);
      },
    );

    app.get(
      '/subscriptions/me',
      {
        config: { tokenScope: 'flows:read' },
        schema: {
          tags: ['subscriptions'],
          summary: 'Your subscription and this billing period’s copy counts',
          security: bearerAuth,
          response: { 200: mySubscriptionResponse, ...problems(401) },
        },
      },
      async (request) => getMySubscription(ctx, requireViewer(request)),
    );
  };
}
