import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { AppContext } from '../../context.js';
import { bearerAuth, problems } from '../../http/schemas.js';
import { requireViewer } from '../../http/viewer.js';
import { toUserView } from '../users/service.js';
import { registerBody, registerResponse, tokenBody, tokenResponse } from './schemas.js';
import { authenticate, endAllSessions, endSession, signUpMember, startSession, withPasswordHash } from './service.js';

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
        const { user, token } = await ctx.db.transaction(async (tx) => {
          const user = await signUpMember(tx, account);
          return { user, token: await startSession(tx, ctx.tokens, user, request.headers['user-agent']) };
        });
        request.log.info({ event: 'user.registered', user_id: user.id }, 'member registered');
        reply.status(201);
        return { user: toUserView(user, false), ...token };
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
        return startSession(ctx.db, ctx.tokens, user, request.headers['user-agent']);
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
        if (viewer.sessionId) await endSession(ctx.db, { userId: viewer.id, sessionId: viewer.sessionId });
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
        const ended = await endAllSessions(ctx.db, viewer.id);
        ctx.sessions.forget(viewer.id);
        request.log.info({ event: 'session.ended_all', user_id: viewer.id, sessions: ended }, 'every session ended');
        return reply.status(204).send(null);
      },
    );
  };
}
