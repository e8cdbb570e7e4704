import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { AppContext } from '../../context.js';
import { inTransaction } from '../../db/client.js';
import { bearerAuth, problems } from '../../http/schemas.js';
import { requireViewer } from '../../http/viewer.js';
import { toUserView } from '../users/service.js';
import {
  acceptedResponse,
  passwordResetBody,
  passwordResetConfirmBody,
  registerBody,
  registerResponse,
  tokenBody,
  tokenResponse,
  verifyEmailBody,
} from './schemas.js';
import {
  authenticate,
  confirmPasswordReset,
  endAllSessions,
  endSession,
  hashNewPassword,
  requestPasswordReset,
  resendVerification,
  signUpMember,
  startSession,
  verifyEmailToken,
  withPasswordHash,
} from './service.js';

export function authRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  const rateLimit = { max: ctx.config.rateLimits.authPerMinute, timeWindow: 60_000 };
  return async (app) => {
    app.post(
      '/auth/register',
      {
        config: { rateLimit },
        schema: {
          tags: ['accounts'],
          summary: 'Create a member account',
          body: registerBody,
          response: { 201: registerResponse, ...problems(400, 409, 429) },
        },
      },
      async (request, reply) => {
        const account = await withPasswordHash(request.body);
        const { user, token } = await inTransaction(ctx.db, async (tx) => {
          const user = await signUpMember(tx, account, { secret: ctx.config.jwtSecret });
          return { user, token: await startSession(tx, ctx.tokens, user, request.headers['user-agent']) };
        });
        request.log.info({ event: 'user.registered', user_id: user.id }, 'member registered');
        reply.status(201);
        return { user: toUserView(user, false), ...token };
      },
    );

    app.post(
      '/auth/verify-email',
      {
        config: { rateLimit },
        schema: {
          tags: ['accounts'],
          summary: 'Use the link mailed to verify your address, or to confirm a new one (no login needed)',
          description:
            'The token from `PUBLIC_URL/verify-email?token=…`. A sign-up or resend link marks the address verified; a change-email link moves the account to the new address (and tells the old one). 400 names why a link does not work: `reason` is unknown, expired, used, wrong_purpose or stale.',
          body: verifyEmailBody,
          response: { 204: z.null(), ...problems(400, 409, 429) },
        },
      },
      async (request, reply) => {
        const result = await inTransaction(ctx.db, (tx) => verifyEmailToken(tx, request.body.token));
        const event = result.kind === 'changed' ? 'account.email_changed' : 'account.email_verified';
        request.log.info({ event, user_id: result.user.id }, result.kind === 'changed' ? 'email address changed' : 'email address verified');
        return reply.status(204).send(null);
      },
    );

    app.post(
      '/auth/verify-email/resend',
      {
        config: { rateLimit },
        schema: {
          tags: ['accounts'],
          summary: 'Mail a new verification link to your address (a few per 15 minutes)',
          security: bearerAuth,
          response: { 202: acceptedResponse, ...problems(401, 409, 429) },
        },
      },
      async (request, reply) => {
        const viewer = requireViewer(request);
        await inTransaction(ctx.db, (tx) => resendVerification(tx, viewer.id, { secret: ctx.config.jwtSecret }));
        request.log.info({ event: 'account.verification_sent', user_id: viewer.id }, 'verification link sent');
        return reply.status(202).send({ status: 'accepted', detail: 'We mailed a new verification link to your address.' });
      },
    );

    app.post(
      '/auth/password-reset',
      {
        config: { rateLimit },
        schema: {
          tags: ['accounts'],
          summary: 'Mail a password reset link (202 whether or not the address has an account)',
          description: 'The answer and its timing are the same for every address. The link (`PUBLIC_URL/reset-password?token=…`) works once, for 60 minutes.',
          body: passwordResetBody,
          response: { 202: acceptedResponse, ...problems(400, 429) },
        },
      },
      async (request, reply) => {
        const userId = await inTransaction(ctx.db, (tx) => requestPasswordReset(tx, request.body.email, { secret: ctx.config.jwtSecret }));
        if (userId) request.log.info({ event: 'account.password_reset_requested', user_id: userId }, 'password reset link sent');
        return reply.status(202).send({ status: 'accepted', detail: 'If an account uses this address, we mailed it a link to choose a new password.' });
      },
    );

    app.post(
      '/auth/password-reset/confirm',
      {
        config: { rateLimit },
        schema: {
          tags: ['accounts'],
          summary: 'Choose a new password with the mailed link: ends every session of the account',
          description: '400 names why a link does not work: `reason` is unknown, expired, used or wrong_purpose; a weak password is 400 `weak-password`.',
          body: passwordResetConfirmBody,
          response: { 204: z.null(), ...problems(400, 429) },
        },
      },
      async (request, reply) => {
        // Hashed before the transaction (argon2 is slow on purpose); the rest of the rule needs the account.
        const passwordHash = await hashNewPassword(request.body.password);
        const user = await inTransaction(ctx.db, (tx) => confirmPasswordReset(tx, { ...request.body, passwordHash }));
        ctx.sessions.forget(user.id);
        request.log.info({ event: 'account.password_reset', user_id: user.id }, 'password reset; every session ended');
        return reply.status(204).send(null);
      },
    );

    app.post(
      '/auth/token',
      {
        config: { rateLimit },
        schema: {
          tags: ['accounts'],
          summary: 'Log in with email or username and password',
          body: tokenBody,
          response: { 200: tokenResponse, ...problems(400, 401, 403, 429) },
        },
      },
      async (request) => {
        const user = await authenticate(ctx.db, request.body.login, request.body.password, {
          maxFailures: ctx.config.rateLimits.loginFailuresPerAccount,
        });
        return inTransaction(ctx.db, (tx) => startSession(tx, ctx.tokens, user, request.headers['user-agent']));
      },
    );

    app.post(
      '/auth/logout',
      {
        schema: {
          tags: ['accounts'],
          summary: 'End this session: its token stops working on every server within 5 seconds',
          security: bearerAuth,
          response: { 204: z.null(), ...problems(401) },
        },
      },
      async (request, reply) => {
        const viewer = requireViewer(request);
        const { sessionId } = viewer;
        if (sessionId) await inTransaction(ctx.db, (tx) => endSession(tx, { userId: viewer.id, sessionId }));
        ctx.sessions.forget(viewer.id);
        request.log.info({ event: 'session.ended', user_id: viewer.id, session_id: viewer.sessionId }, 'session ended');
        return reply.status(204).send(null);
      },
    );

    app.delete(
      '/auth/sessions',
      {
        schema: {
          tags: ['accounts'],
          summary: 'End every session of yours (log out everywhere), this one included',
          security: bearerAuth,
          response: { 204: z.null(), ...problems(401) },
        },
      },
      async (request, reply) => {
        const viewer = requireViewer(request);
        const ended = await inTransaction(ctx.db, (tx) => endAllSessions(tx, viewer.id));
        ctx.sessions.forget(viewer.id);
        request.log.info({ event: 'session.ended_all', user_id: viewer.id, sessions: ended }, 'every session ended');
        return reply.status(204).send(null);
      },
    );
  };
}
