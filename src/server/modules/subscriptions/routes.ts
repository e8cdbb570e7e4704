import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { AppContext } from '../../context.js';
import { bearerAuth, problems } from '../../http/schemas.js';
import { requireViewer } from '../../http/viewer.js';
import { checkoutResponse, mySubscriptionResponse, portalResponse } from './schemas.js';
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
