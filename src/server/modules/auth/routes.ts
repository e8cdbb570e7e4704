import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { AppContext } from '../../context.js';
import { problems } from '../../http/schemas.js';
import { toUserView } from '../users/service.js';
import { registerBody, registerResponse, tokenBody, tokenResponse } from './schemas.js';
import { authenticate, issueAccessToken, signUpMember, withPasswordHash } from './service.js';

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
        const user = await ctx.db.transaction((tx) => signUpMember(tx, account));
        request.log.info({ event: 'user.registered', user_id: user.id }, 'member registered');
        reply.status(201);
        return { user: toUserView(user, false), ...(await issueAccessToken(ctx.tokens, user)) };
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
        const user = await authenticate(ctx.db, request.body.login, request.body.password);
        return issueAccessToken(ctx.tokens, user);
      },
    );
  };
}
