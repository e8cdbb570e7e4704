import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { AppContext } from '../../context.js';
import { bearerAuth, problems } from '../../http/schemas.js';
import { requireSessionClaims, requireViewer } from '../../http/viewer.js';
import { flowRefParams } from '../flows/schemas.js';
import { copyResponse, myCopiesResponse } from './schemas.js';
import { listMyCopies, recordCopy } from './service.js';

export function copyRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      '/flows/:ref/copy',
      {
        // The session and the per-minute limit are checked by the copy's own statement: one round trip per copy.
        config: { checksSessionInStatement: true, tokenScope: 'flows:copy' },
        schema: {
          tags: ['copies'],
          summary: 'Copy a flow: returns its text and, for premium flows, what the creator earned',
          security: bearerAuth,
          params: flowRefParams,
          response: { 200: copyResponse, ...problems(401, 403, 404, 409, 429) },
        },
      },
      async (request) => {
        const session = requireSessionClaims(request);
        // One statement, atomic on its own (maybe shared with other copies): no transaction to open around it.
        const copy = await recordCopy(ctx.copyRecorder, session, request.params.ref);
        request.log.info(
          { event: 'copy.recorded', copy_id: copy.id, flow_id: copy.flow_id, user_id: session.userId, counted: copy.counted_for_payout },
          'copy recorded',
        );
        return copy;
      },
    );

    app.get(
      '/copies/me',
      {
        config: { tokenScope: 'flows:read' },
        schema: {
          tags: ['copies'],
          summary: 'Your copies in the current billing period',
          security: bearerAuth,
          response: { 200: myCopiesResponse, ...problems(401) },
        },
      },
      async (request) => listMyCopies(ctx.db, requireViewer(request)),
    );
  };
}
