import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { AppContext } from '../../context.js';
import { bearerAuth, problems } from '../../http/schemas.js';
import { requireViewer } from '../../http/viewer.js';
import { userSchema } from './schemas.js';
import { getCurrentUser } from './service.js';

export function userRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/users/me',
      {
        schema: {
          tags: ['accounts'],
          summary: 'The logged-in member',
          security: bearerAuth,
          response: { 200: userSchema, ...problems(401, 404) },
        },
      },
      async (request) => getCurrentUser(ctx.db, requireViewer(request)),
    );
  };
}
