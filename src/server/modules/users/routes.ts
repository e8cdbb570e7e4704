import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { AppContext } from '../../context.js';
import { inTransaction } from '../../db/client.js';
import { bearerAuth, problems } from '../../http/schemas.js';
import { requireViewer } from '../../http/viewer.js';
import { changePassword, confirmPassword, preparePasswordChange, requestEmailChange } from '../auth/service.js';
import {
  accountExport,
  deleteAccountBody,
  emailChangeBody,
  emailChangeResponse,
  passwordChangeBody,
  profilePatch,
  publicProfileSchema,
  usernameParams,
  userSchema,
} from './schemas.js';
import { deleteAccount, exportAccount, getCurrentUser, getPublicProfile, prepareAccountDeletion, updateMyProfile } from './service.js';

export function userRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  // Routes that check a password or send mail: per client address, like logging in.
  const rateLimit = { max: ctx.config.rateLimits.authPerMinute, timeWindow: 60_000 };
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

    // Registered after /users/me: Fastify prefers the static route, so "me" is never looked up as a username.
    app.get(
      '/users/:username',
      {
        config: { tokenScope: 'flows:read' },
        schema: {
          tags: ['accounts'],
          summary: 'A member’s public profile, with the totals of their published flows',
          description:
            'Public. The username matches in any case. Unknown, deleted and suspended accounts are 404 alike. Their flows: GET /v1/flows?author={username}.',
          params: usernameParams,
          response: { 200: publicProfileSchema, ...problems(404) },
        },
      },
      async (request) => getPublicProfile(ctx.db, request.params.username),
    );

    app.patch(
      '/users/me',
      {
        schema: {
          tags: ['accounts'],
          summary: 'Edit your public profile: display name, bio, links and avatar (https URLs only); null removes a field',
          security: bearerAuth,
          body: profilePatch,
          response: { 200: userSchema, ...problems(400, 401, 404) },
        },
      },
      async (request) => {
        const viewer = requireViewer(request);
        const user = await inTransaction(ctx.db, (tx) => updateMyProfile(tx, viewer, request.body));
        request.log.info({ event: 'account.profile_updated', user_id: viewer.id }, 'profile updated');
        return user;
      },
    );

    app.post(
      '/users/me/password',
      {
        config: { rateLimit },
        schema: {
          tags: ['accounts'],
          summary: 'Change your password: every other session of yours ends, this one goes on',
          description: 'A wrong current password is 401 `invalid-credentials` (the session stays); a weak new one is 400 `weak-password`.',
          security: bearerAuth,
          body: passwordChangeBody,
          response: { 204: z.null(), ...problems(400, 401, 429) },
        },
      },
      async (request, reply) => {
        const viewer = requireViewer(request);
        const change = await preparePasswordChange(ctx.db, viewer.id, {
          currentPassword: request.body.current_password,
          newPassword: request.body.new_password,
        });
        const ended = await inTransaction(ctx.db, (tx) => changePassword(tx, change.user, { ...change, keepSessionId: viewer.sessionId }));
        ctx.sessions.forget(viewer.id);
        request.log.info({ event: 'account.password_changed', user_id: viewer.id, sessions_ended: ended }, 'password changed');
        return reply.status(204).send(null);
      },
    );

    app.post(
      '/users/me/email',
      {
        config: { rateLimit },
        schema: {
          tags: ['accounts'],
          summary: 'Change your email address: a link goes to the new one, and the change applies when it is used',
          description:
            'The confirmation link (`PUBLIC_URL/verify-email?token=…`, 24 hours) is used with POST /v1/auth/verify-email; then the old address is told. An address another account has is 409, whether or not it is verified.',
          security: bearerAuth,
          body: emailChangeBody,
          response: { 202: emailChangeResponse, ...problems(400, 401, 409, 429) },
        },
      },
      async (request, reply) => {
        const viewer = requireViewer(request);
        const user = await confirmPassword(ctx.db, viewer.id, request.body.password);
        const pending = await inTransaction(ctx.db, (tx) => requestEmailChange(tx, user, { newEmail: request.body.new_email, secret: ctx.config.jwtSecret }));
        request.log.info({ event: 'account.email_change_requested', user_id: viewer.id }, 'email change requested');
        return reply.status(202).send({ pending_email: pending.newEmail, expires_at: pending.expiresAt.toISOString() });
      },
    );

    app.get(
      '/users/me/export',
      {
        config: { rateLimit },
        schema: {
          tags: ['accounts'],
          summary: 'Download everything stored about you, as one JSON document',
          description: 'Account, sessions, mailed links, subscription history, invoices, copies, flows, earnings, payouts and the mails sent to you. No password hash and no token.',
          security: bearerAuth,
          response: { 200: accountExport, ...problems(401, 404, 429) },
        },
      },
      async (request, reply) => {
        const document = await exportAccount(ctx.db, requireViewer(request));
        const day = document.exported_at.slice(0, 10);
        return reply
          .header('content-disposition', `attachment; filename="flowtab-${document.account.username}-${day}.json"`)
          .header('cache-control', 'no-store')
          .send(document);
      },
    );

    app.delete(
      '/users/me',
      {
        config: { rateLimit },
        schema: {
          tags: ['accounts'],
          summary: 'Delete your account: subscription cancelled, flows archived, sessions ended, personal data erased',
          description:
            'Copies, earnings and payouts are kept for accounting, without your name or address. 409 while a payout is in flight or at least MIN_PAYOUT_CENTS of earnings are available (withdraw first). 503 if Stripe cannot cancel the subscription (nothing is deleted).',
          security: bearerAuth,
          body: deleteAccountBody,
          response: { 204: z.null(), ...problems(400, 401, 404, 409, 429, 503) },
        },
      },
      async (request, reply) => {
        const viewer = requireViewer(request);
        const plan = await prepareAccountDeletion(ctx, viewer, request.body.password);
        const deleted = await inTransaction(ctx.db, (tx) => deleteAccount(tx, plan));
        ctx.sessions.forget(viewer.id);
        request.log.info({ event: 'account.deleted', user_id: viewer.id, flows_archived: deleted.archivedFlows, sessions_ended: deleted.endedSessions }, 'account deleted');
        return reply.status(204).send(null);
      },
    );
  };
}
