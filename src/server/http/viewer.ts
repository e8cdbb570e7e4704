import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AccountSuspendedError, SessionEndedError, UnauthorizedError } from './errors.js';
import type { TokenService } from './tokens.js';

export type Role = 'member' | 'admin';
/** Who is asking: a member or admin with an open session, or undefined for a guest. */
export type Viewer = { id: string; role: Role; sessionId: string | undefined };
export type SessionClaims = { userId: string; sessionId: string };

/** The account behind an open, unexpired session; undefined when the session was ended or has expired. */
export type SessionLookup = (claims: SessionClaims) => Promise<{ role: Role; status: 'active' | 'suspended' } | undefined>;

declare module 'fastify' {
  interface FastifyRequest {
    viewer: Viewer | undefined;
    /** The verified token's claims; on routes that check the session in their own statement, the only identity. */
    sessionClaims: SessionClaims | undefined;
  }
  interface FastifyContextConfig {
    /** The route's own database statement checks the session (the copy: one round trip), so the hook does not. */
    checksSessionInStatement?: boolean;
    /** The one route `flowtab` commands call on a running development server (an operator token). */
    acceptsOperatorToken?: boolean;
  }
}

// Logout elsewhere, suspension and role changes reach every process within 5 seconds (SPEC §13): at most this long
// a process keeps what it read about a session.
const SESSION_CACHE_MS = 4_000;
const SESSION_CACHE_MAX = 50_000;

export type SessionResolver = {
  resolve(claims: SessionClaims): Promise<Viewer | 'ended' | 'suspended'>;
  /** Drops what this process remembers of a member's sessions it just ended, so the end is immediate here. */
  forget(userId: string): void;
};

export function createSessionResolver(lookup: SessionLookup): SessionResolver {
  const cache = new Map<string, { viewer: Viewer; until: number }>();
  return {
    async resolve(claims) {
      const now = Date.now();
      const cached = cache.get(claims.sessionId);
      if (cached && cached.until > now && cached.viewer.id === claims.userId) return cached.viewer;
      const account = await lookup(claims);
      if (!account) return 'ended';
      if (account.status === 'suspended') return 'suspended';
      const viewer: Viewer = { id: claims.userId, role: account.role, sessionId: claims.sessionId };
      if (cache.size >= SESSION_CACHE_MAX) cache.delete(cache.keys().next().value!);
      cache.set(claims.sessionId, { viewer, until: now + SESSION_CACHE_MS });
      return viewer;
    },
    forget(userId) {
      for (const [sessionId, entry] of cache) if (entry.viewer.id === userId) cache.delete(sessionId);
    },
  };
}

export type ViewerOptions = {
  tokens: TokenService;
  sessions: SessionResolver;
  /** Only a development server on the embedded database, which the CLI cannot open while it runs, accepts them. */
  acceptsOperatorTokens: boolean;
};

/** Reads the bearer token on every request; a present but invalid or ended one is a 401, never a silent guest. */
export function registerViewer(app: FastifyInstance, { tokens, sessions, acceptsOperatorTokens }: ViewerOptions) {
  app.decorateRequest('viewer', undefined);
  app.decorateRequest('sessionClaims', undefined);
  app.addHook('onRequest', async (request) => {
    const header = request.headers.authorization;
    if (!header) return;
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match?.[1]) throw new UnauthorizedError('The Authorization header must be "Bearer <token>".');
    const claims = tokens.verify(match[1]);
    if (!claims) throw new UnauthorizedError('The token is invalid or expired; log in again.');
    if (claims.kind === 'operator') {
      if (!acceptsOperatorTokens || !request.routeOptions.config?.acceptsOperatorToken) {
        throw new UnauthorizedError('The token is invalid or expired; log in again.');
      }
      request.viewer = { id: 'flowtab-cli', role: 'admin', sessionId: undefined };
      return;
    }
    request.sessionClaims = { userId: claims.userId, sessionId: claims.sessionId };
    if (request.routeOptions.config?.checksSessionInStatement) return;
    const viewer = await sessions.resolve(request.sessionClaims);
    if (viewer === 'ended') throw new SessionEndedError();
    if (viewer === 'suspended') throw new AccountSuspendedError();
    request.viewer = viewer;
  });
}

export function requireViewer(request: FastifyRequest): Viewer {
  if (!request.viewer) throw new UnauthorizedError();
  return request.viewer;
}

/** For routes whose own statement checks the session (`checksSessionInStatement`). */
export function requireSessionClaims(request: FastifyRequest): SessionClaims {
  if (!request.sessionClaims) throw new UnauthorizedError();
  return request.sessionClaims;
}
