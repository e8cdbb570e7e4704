import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { AppContext } from '../../context.js';
import { inTransaction } from '../../db/client.js';
import { bearerAuth, problems } from '../../http/schemas.js';
import { requireViewer } from '../../http/viewer.js';
import { createdTokenResponse, createTokenBody, tokenIdParams, tokenListResponse } from './schemas.js';
import { createToken, listTokens, revokeToken } from './service.js';

/**
 * Personal access tokens (SPEC §16). None of these routes declares a `tokenScope`, so only a login session may call
 * them: a token cannot mint, list or revoke tokens (the viewer hook answers 403).
 */
export function tokenRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      '/tokens',
      {
        // Minting credentials, like logging in: per client address.
        config: { rateLimit: { max: ctx.config.rateLimits.authPerMinute, timeWindow: 60_000 } },
        schema: {
          tags: ['agents'],
          summary: 'Create a personal access token for an agent or script (the secret is shown once)',
          description:
            'Use it as `Authorization: Bearer ftp_…` on the REST API within its scopes, or in an MCP client for `/mcp`. Scopes: `flows:read` (search, read flows, your usage), `flows:copy` (copy flows; counted and paid like the Copy button).',
          security: bearerAuth,
          body: createTokenBody,
          response: { 201: createdTokenResponse, ...problems(400, 401, 403, 429) },
        },
      },
      async (request, reply) => {
        const viewer = requireViewer(request);
        const token = await inTransaction(ctx.db, (tx) => createToken(tx, viewer, request.body));
        request.log.info({ event: 'token.created', token_id: token.id, user_id: viewer.id, scopes: token.scopes }, 'personal access token created');
        return reply.status(201).send(token);
      },
    );

    app.get(
      '/tokens',
      {
        schema: {
          tags: ['agents'],
          summary: 'Your personal access tokens (never their secrets), with when each was last used',
          security: bearerAuth,
          response: { 200: tokenListResponse, ...problems(401, 403) },
        },
      },
      async (request) => listTokens(ctx.db, requireViewer(request)),
    );

    app.delete(
      '/tokens/:id',
      {
        schema: {
          tags: ['agents'],
          summary: 'Revoke a token: refused at once by this server and by the copy everywhere, by every other server within 5 s',
          security: bearerAuth,
          params: tokenIdParams,
          response: { 204: z.null(), ...problems(401, 403, 404) },
        },
      },
      async (request, reply) => {
        const viewer = requireViewer(request);
        await inTransaction(ctx.db, (tx) => revokeToken(tx, viewer, request.params.id));
        ctx.sessions.forget(viewer.id);
        request.log.info({ event: 'token.revoked', token_id: request.params.id, user_id: viewer.id }, 'personal access token revoked');
        return reply.status(204).send(null);
      },
    );
  };
}
