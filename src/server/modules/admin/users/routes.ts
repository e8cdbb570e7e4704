import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { AppContext } from '../../../context.js';

// Placeholder until this area's routes land (issue 14): registered under /v1/admin behind the admin guard.
export function adminUsersRoutes(_ctx: AppContext): FastifyPluginAsyncZod {
  return async () => {};
}
