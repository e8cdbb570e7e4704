import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { AppContext } from '../../context.js';
import { bearerAuth, problems } from '../../http/schemas.js';
import { requireViewer } from '../../http/viewer.js';
import { creatorFlowsResponse, earningsResponse } from './schemas.js';
import { getCreatorFlows, getEarnings } from './service.js';

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
  };
}
