import type { FastifyInstance, FastifyRequest } from 'fastify';
import { UnauthorizedError } from './errors.js';
import type { TokenService } from './tokens.js';

export type Role = 'member' | 'admin';
/** Who is asking: a member or admin from a verified bearer token, or undefined for a guest. */
export type Viewer = { id: string; role: Role };

declare module 'fastify' {
  interface FastifyRequest {
    viewer: Viewer | undefined;
  }
}

/** Reads the bearer token on every request; a present but invalid token is a 401, never a silent guest. */
export function registerViewer(app: FastifyInstance, tokens: TokenService) {
  app.decorateRequest('viewer', undefined);
  app.addHook('onRequest', async (request) => {
    const header = request.headers.authorization;
    if (!header) return;
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match?.[1]) throw new UnauthorizedError('The Authorization header must be "Bearer <token>".');
    const viewer = await tokens.verify(match[1]);
    if (!viewer) throw new UnauthorizedError('The token is invalid or expired; log in again.');
    request.viewer = viewer;
  });
}

export function requireViewer(request: FastifyRequest): Viewer {
  if (!request.viewer) throw new UnauthorizedError();
  return request.viewer;
}
