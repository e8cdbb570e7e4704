import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { AppContext } from '../../../context.js';
import { inTransaction } from '../../../db/client.js';
import { bearerAuth, problems } from '../../../http/schemas.js';
import { requireAdmin } from '../../../http/viewer.js';
import { userDetailResponse, userIdParams, userPatchBody, userPatchResponse, userSearchQuery, userSearchResponse } from './schemas.js';
import { changeAccountSwitches, getAdminUserDetail, searchAdminUsers } from './service.js';

/** Users in the operator console (SPEC §14), under /v1/admin behind the admin guard. */
export function adminUsersRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/users',
      {
        schema: {
          tags: ['admin'],
          summary: 'Find members by email, username or id (theirs, or a Stripe customer, subscription or Connect account id)',
          security: bearerAuth,
          querystring: userSearchQuery,
          response: { 200: userSearchResponse, ...problems(400, 401, 403) },
        },
      },
      async (request) => searchAdminUsers(ctx.db, request.query),
    );

    app.get(
      '/users/:id',
      {
        schema: {
          tags: ['admin'],
          summary: 'One member: account, subscription and period usage, invoices, balances, payouts, Connect, Stripe ids, refunds, audit',
          security: bearerAuth,
          params: userIdParams,
          response: { 200: userDetailResponse, ...problems(400, 401, 403, 404) },
        },
      },
      async (request) => getAdminUserDetail(ctx.db, ctx.config.economics, request.params.id),
    );

    app.patch(
      '/users/:id',
      {
        schema: {
          tags: ['admin'],
          summary: 'Suspend or reinstate a member, change their role, pause or resume their payouts (audited, with a reason)',
          description:
            'Each switch that changes writes one audit entry in the same transaction. Suspension and role changes reach every ' +
            'process within 5 seconds. 409 `own-account` for your own account, 409 `account-deleted` for a deleted one.',
          security: bearerAuth,
          params: userIdParams,
          body: userPatchBody,
          response: { 200: userPatchResponse, ...problems(400, 401, 403, 404, 409) },
        },
      },
      async (request) => {
        const actor = requireAdmin(request);
        const { id } = request.params;
        const result = await inTransaction(ctx.db, (tx) => changeAccountSwitches(tx, actor, id, request.body));
        // This process forgets the member's sessions at once; the others within SESSION_CACHE_MS.
        if (result.audit.length > 0) ctx.sessions.forget(id);
        for (const entry of result.audit) {
          request.log.info({ event: `admin.${entry.action}`, actor_id: actor.id, user_id: id, audit_id: entry.id }, 'account changed by an admin');
        }
        return result;
      },
    );
  };
}
