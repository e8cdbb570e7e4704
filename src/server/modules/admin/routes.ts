import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { AppContext } from '../../context.js';
import { requireAdmin } from '../../http/viewer.js';
import { adminAuditRoutes } from './audit/routes.js';
import { adminFinanceRoutes } from './finance/routes.js';
import { adminModerationRoutes } from './moderation/routes.js';
import { adminOperationsRoutes } from './operations/routes.js';
import { adminRefundsRoutes } from './refunds/routes.js';
import { adminUsersRoutes } from './users/routes.js';

/** The console's areas, each its own folder of routes/schemas/service/repository (SPEC §14). */
const ADMIN_AREAS = [adminUsersRoutes, adminModerationRoutes, adminRefundsRoutes, adminOperationsRoutes, adminFinanceRoutes, adminAuditRoutes];

/**
 * The operator console's API under /v1/admin: every route behind one guard (guests 401, members 403), checked before
 * the body is parsed, so a member learns nothing from a validation error.
 */
export function adminRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    await app.register(
      async (admin) => {
        admin.addHook('onRequest', async (request) => {
          requireAdmin(request);
        });
        for (const routes of ADMIN_AREAS) await admin.register(routes(ctx));
      },
      { prefix: '/admin' },
    );
  };
}
