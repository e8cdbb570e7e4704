import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AccountSuspendedError, ForbiddenError, SessionEndedError, UnauthorizedError } from '../errors.js';
import { createExpiringMap } from '../expiring-map.js';
import {
  hashPersonalToken,
  isPersonalTokenBearer,
  isWellFormedPersonalToken,
  LoginRequiredError,
  PersonalTokenInvalidError,
  requireScope,
  TokenRateLimitError,
  type TokenScope,
  type TokenScopeRule,
} from '../modules/tokens/personal-tokens.js';
import type { TokenService } from '../modules/auth/session-tokens.js';

export type { Role, SessionClaims, Viewer } from '../modules/auth/viewer.js';
import type { Role, SessionClaims, Viewer } from '../modules/auth/viewer.js';

/** The account behind an open, unexpired session; undefined when the session was ended or has expired. */
export type SessionLookup = (claims: SessionClaims) => Promise<{ role: Role; status: 'active' | 'suspended' } | undefined>;
/** The open, unexpired token session with this hash and its account; undefined when unknown, revoked or expired. */
export type TokenLookup = (
  tokenHash: string,
) => Promise<{ userId: string; sessionId: string; scopes: readonly TokenScope[]; role: Role; status: 'active' | 'suspended' } | undefined>;

declare module 'fastify' {
  // eslint-disable-next-line @typescript-eslint/consistent-type-definitions -- augmenting Fastify's interface: only an interface merges
  interface FastifyRequest {
    viewer: Viewer | undefined;
    /** The verified token's claims; on routes that check the session in their own statement, the only identity. */
    sessionClaims: SessionClaims | undefined;
  }
  // eslint-disable-next-line @typescript-eslint/consistent-type-definitions -- augmenting Fastify's interface: only an interface merges
  interface FastifyContextConfig {
    /** The route's own database statement checks the session (the copy: one round trip), so the hook does not. */
    checksSessionInStatement?: boolean;
    /** The one route `flowtab` commands call on a running development server (an operator token). */
    acceptsOperatorToken?: boolean;
    /** What a personal access token needs to call the route; without it, tokens are refused (403). */
    tokenScope?: TokenScopeRule;
  }
}

// Logout elsewhere, suspension and role changes reach every process within 5 seconds (SPEC §13): at most this long
// a process keeps what it read about a session.
const SESSION_CACHE_MS = 4_000;
const SESSION_CACHE_MAX = 50_000;

export type SessionResolver = {
  resolve(claims: SessionClaims): Promise<Viewer | 'ended' | 'suspended'>;
  /** A personal access token by its hash: the same ≤ 4 s memory as logins, so a revoked token stops within 5 s. */
  resolveToken(tokenHash: string): Promise<Viewer | 'ended' | 'suspended'>;
  /** Drops what this process remembers of a member's sessions it just ended, so the end is immediate here. */
  forget(userId: string): void;
};

export function createSessionResolver(lookup: SessionLookup, lookupToken: TokenLookup): SessionResolver {
  const cache = createExpiringMap<string, Viewer>(SESSION_CACHE_MAX);
  const tokenCache = createExpiringMap<string, Viewer>(SESSION_CACHE_MAX);
  return {
    async resolveToken(tokenHash) {
      const now = Date.now();
      const cached = tokenCache.get(tokenHash, now);
      if (cached) return cached;
      const token = await lookupToken(tokenHash);
      if (!token) return 'ended';
      if (token.status === 'suspended') return 'suspended';
      const viewer: Viewer = { id: token.userId, role: token.role, sessionId: token.sessionId, scopes: token.scopes };
      tokenCache.set(tokenHash, viewer, now + SESSION_CACHE_MS);
      return viewer;
    },
    async resolve(claims) {
      const now = Date.now();
      const cached = cache.get(claims.sessionId, now);
      if (cached?.id === claims.userId) return cached;
      const account = await lookup(claims);
      if (!account) return 'ended';
      if (account.status === 'suspended') return 'suspended';
      const viewer: Viewer = { id: claims.userId, role: account.role, sessionId: claims.sessionId };
      cache.set(claims.sessionId, viewer, now + SESSION_CACHE_MS);
      return viewer;
    },
    forget(userId) {
      cache.deleteWhere((viewer) => viewer.id === userId);
      tokenCache.deleteWhere((viewer) => viewer.id === userId);
    },
  };
}

export type ViewerOptions = {
  tokens: TokenService;
  sessions: SessionResolver;
  /** Only a development server on the embedded database, which the CLI cannot open while it runs, accepts them. */
  acceptsOperatorTokens: boolean;
  /** Requests per minute per personal access token, counted by `count` (the shared rate_limits store). */
  tokenRequests: { perMinute: number; count(key: string, windowMs: number): Promise<{ hits: number; resetInMs: number }> };
};

/** Reads the bearer token on every request; a present but invalid or ended one is a 401, never a silent guest. */
export function registerViewer(app: FastifyInstance, { tokens, sessions, acceptsOperatorTokens, tokenRequests }: ViewerOptions) {
  app.decorateRequest('viewer', undefined);
  app.decorateRequest('sessionClaims', undefined);
  app.addHook('onRequest', async (request) => {
    const header = request.headers.authorization;
    if (!header) return;
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match?.[1]) throw new UnauthorizedError('The Authorization header must be "Bearer <token>".');
    if (isPersonalTokenBearer(match[1])) return acceptPersonalToken(request, match[1]);
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

  /**
   * A personal access token: its session from the hash (cached ≤ 4 s, like a login's), then the route's scope rule
   * (the one place tokens are checked against routes), then its own per-minute budget. The copy route is the
   * exception to the budget: record_copy counts the member's copies per minute in the copy's own statement, and
   * checks the token's session there too, so a cached token costs the copy no extra round trip.
   */
  async function acceptPersonalToken(request: FastifyRequest, bearer: string): Promise<void> {
    const config = request.routeOptions.config;
    // No route: the 404 says so, whoever asks.
    if (request.routeOptions.url === undefined) return;
    if (!isWellFormedPersonalToken(bearer)) throw new PersonalTokenInvalidError();
    const viewer = await sessions.resolveToken(hashPersonalToken(bearer));
    if (viewer === 'ended') throw new PersonalTokenInvalidError();
    if (viewer === 'suspended') throw new AccountSuspendedError();
    const rule = config?.tokenScope;
    if (!rule) throw new LoginRequiredError(request.method, request.routeOptions.url);
    if (rule !== 'per-operation') requireScope(viewer, rule);
    if (!config?.checksSessionInStatement) {
      const hit = await tokenRequests.count(`token:${viewer.sessionId}`, 60_000);
      if (hit.hits > tokenRequests.perMinute) throw new TokenRateLimitError(hit.resetInMs, tokenRequests.perMinute);
    }
    request.viewer = viewer;
    request.sessionClaims = { userId: viewer.id, sessionId: viewer.sessionId! };
  }
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

/** For the operator console (SPEC §14): guests 401, members 403. */
export function requireAdmin(request: FastifyRequest): Viewer {
  const viewer = requireViewer(request);
  if (viewer.role !== 'admin') throw new ForbiddenError('Only admins can do this.', 'admin-only', 'Admins only');
  return viewer;
}
