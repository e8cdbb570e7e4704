import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { AppContext } from '../../context.js';
import { inTransaction } from '../../db/client.js';
import { bearerAuth, problems } from '../../http/schemas.js';
import { requireViewer } from '../../http/viewer.js';
import { flowInput, flowListQuery, flowListResponse, flowPatch, flowRefParams, flowSchema, likeResponse, tagsResponse } from './schemas.js';
import { archiveFlow, createFlow, editFlow, getFlow, getTags, likeFlow, listFlows, unlikeFlow } from './service.js';

export function flowRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/flows',
      {
        schema: {
          tags: ['flows'],
          summary: 'Browse and search the library',
          querystring: flowListQuery,
          response: { 200: flowListResponse, ...problems(400, 401, 429) },
        },
        // Per client address, counted in the database: search is the cheapest way to make the database work.
        config: { rateLimit: { max: ctx.config.rateLimits.listPerMinute, timeWindow: 60_000 }, tokenScope: 'flows:read' },
      },
      async (request) => listFlows(ctx.db, request.query, request.viewer),
    );

    app.get(
      '/flows/:ref',
      {
        config: { tokenScope: 'flows:read' },
        schema: {
          tags: ['flows'],
          summary: 'One flow by slug or id (premium bodies are previews unless you subscribe)',
          params: flowRefParams,
          response: { 200: flowSchema, ...problems(401, 404) },
        },
      },
      async (request) => getFlow(ctx.db, request.params.ref, request.viewer),
    );

    app.post(
      '/flows',
      {
        schema: {
          tags: ['flows'],
          summary: 'Publish a flow (or save a draft)',
          security: bearerAuth,
          body: flowInput,
          response: { 201: flowSchema, ...problems(400, 401, 403) },
        },
      },
      async (request, reply) => {
        const viewer = requireViewer(request);
        const flow = await inTransaction(ctx.db, (tx) => createFlow(tx, viewer, request.body));
        request.log.info({ event: 'flow.created', flow_id: flow.id, author_id: viewer.id }, 'flow created');
        return reply.status(201).send(flow);
      },
    );

    app.patch(
      '/flows/:ref',
      {
        schema: {
          tags: ['flows'],
          summary: 'Edit a flow (author or admin)',
          security: bearerAuth,
          params: flowRefParams,
          body: flowPatch,
          description: 'Publishing a flow an operator took down (`taken_down`) is 409 `flow-taken-down`.',
          response: { 200: flowSchema, ...problems(400, 401, 403, 404, 409) },
        },
      },
      async (request) => {
        const viewer = requireViewer(request);
        return inTransaction(ctx.db, (tx) => editFlow(tx, viewer, request.params.ref, request.body));
      },
    );

    app.delete(
      '/flows/:ref',
      {
        schema: {
          tags: ['flows'],
          summary: 'Archive a flow (its copies and earnings are kept)',
          security: bearerAuth,
          params: flowRefParams,
          response: { 200: flowSchema, ...problems(401, 403, 404) },
        },
      },
      async (request) => {
        const viewer = requireViewer(request);
        const flow = await inTransaction(ctx.db, (tx) => archiveFlow(tx, viewer, request.params.ref));
        request.log.info({ event: 'flow.archived', flow_id: flow.id }, 'flow archived');
        return flow;
      },
    );

    // Likes (SPEC §15) are a member's own act: a login session only. Personal access tokens (flows:read, flows:copy)
    // are refused with 403 `login-required`, as on every route without a token scope.
    const likeDescription =
      'Members only (a login session; personal access tokens are refused). Published flows only: any other reference is 404. Idempotent; answers the flow’s like count and your like after the change.';
    app.put(
      '/flows/:ref/like',
      {
        schema: {
          tags: ['flows'],
          summary: 'Like a flow',
          description: likeDescription,
          security: bearerAuth,
          params: flowRefParams,
          response: { 200: likeResponse, ...problems(401, 403, 404) },
        },
      },
      async (request) => {
        const viewer = requireViewer(request);
        return inTransaction(ctx.db, (tx) => likeFlow(tx, viewer, request.params.ref));
      },
    );

    app.delete(
      '/flows/:ref/like',
      {
        schema: {
          tags: ['flows'],
          summary: 'Take back your like',
          description: likeDescription,
          security: bearerAuth,
          params: flowRefParams,
          response: { 200: likeResponse, ...problems(401, 403, 404) },
        },
      },
      async (request) => {
        const viewer = requireViewer(request);
        return inTransaction(ctx.db, (tx) => unlikeFlow(tx, viewer, request.params.ref));
      },
    );

    app.get(
      '/tags',
      {
        config: { tokenScope: 'flows:read' },
        schema: { tags: ['flows'], summary: 'Tags of published flows, most used first', response: { 200: tagsResponse } },
      },
      async () => getTags(ctx.db),
    );
  };
}
