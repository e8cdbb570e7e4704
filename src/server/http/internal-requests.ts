import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';

/**
 * The server's own requests to its API (server rendering reads flows and profiles in-process, as a guest): marked
 * with a header whose value is a secret made per process, so per-client rate limits do not count them (they would
 * all count against 127.0.0.1 and soon refuse every page). Nobody outside can forge the mark.
 */
export type InternalRequests = { headers: Record<string, string>; isInternal: (request: FastifyRequest) => boolean };

const HEADER = 'x-flowtab-internal';

export function createInternalRequests(): InternalRequests {
  const secret = randomBytes(32).toString('hex');
  const expected = Buffer.from(secret);
  return {
    headers: { [HEADER]: secret },
    isInternal: (request) => {
      const value = request.headers[HEADER];
      return typeof value === 'string' && value.length === secret.length && timingSafeEqual(Buffer.from(value), expected);
    },
  };
}
