import { createHash, randomBytes } from 'node:crypto';
import { ForbiddenError, TooManyRequestsError, UnauthorizedError } from '../../errors.js';

/**
 * Personal access tokens (SPEC §16): `ftp_` and 32 random bytes in base64url. Only their SHA-256 is stored (a token is
 * a session of kind `token`), so a database leak gives no usable token, and a lookup by hash needs no slow hashing:
 * the token carries 256 bits of entropy, nothing to guess.
 */
export const PERSONAL_TOKEN_PREFIX = 'ftp_';
const TOKEN_BYTES = 32;
const PERSONAL_TOKEN = /^ftp_[A-Za-z0-9_-]{43}$/;

/** What a token may do; a login may do everything its account may. */
export const TOKEN_SCOPES = ['flows:read', 'flows:copy'] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];

/**
 * A route's rule for tokens (route config `tokenScope`): the scope a token needs, or `per-operation` for a route that
 * checks each operation itself with `requireScope` (/mcp: a search needs flows:read, a copy flows:copy). A route
 * without one cannot be called with a token at all: accounts, tokens, creators, payouts, admin.
 */
export type TokenScopeRule = TokenScope | 'per-operation';

export function generatePersonalToken(): string {
  return `${PERSONAL_TOKEN_PREFIX}${randomBytes(TOKEN_BYTES).toString('base64url')}`;
}

/** Looks like one of ours (the prefix alone sends a bearer down the token path; a malformed one is a 401 there). */
export function isPersonalTokenBearer(bearer: string): boolean {
  return bearer.startsWith(PERSONAL_TOKEN_PREFIX);
}

export function isWellFormedPersonalToken(bearer: string): boolean {
  return PERSONAL_TOKEN.test(bearer);
}

/** SHA-256, hex: what `sessions.token_hash` holds. */
export function hashPersonalToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** The caller as far as scopes go: `scopes` is set only for a personal access token. */
type ScopedCaller = { scopes?: readonly TokenScope[] };

/**
 * The one scope check: the hook applies it to a route's `tokenScope`, /mcp to each tool and prompt. A login session
 * (no scopes) passes; a token must hold the scope.
 */
export function requireScope(caller: ScopedCaller, scope: TokenScope): void {
  if (caller.scopes && !caller.scopes.includes(scope)) throw new MissingScopeError(scope, caller.scopes);
}

export class MissingScopeError extends ForbiddenError {
  readonly scope: TokenScope;

  constructor(scope: TokenScope, held: readonly TokenScope[]) {
    const what = scope === 'flows:copy' ? 'copy flows' : 'read flows and your usage';
    super(
      `This API token lacks the ${scope} scope, which is needed to ${what}. Create a token with ${scope} on your account page (or POST /v1/tokens).`,
      'insufficient-scope',
      'Token scope missing',
      { required_scope: scope, token_scopes: held },
    );
    this.scope = scope;
    // RFC 6750 §3.1: what the client would need.
    this.headers = { 'www-authenticate': `Bearer error="insufficient_scope", scope="${scope}"` };
  }
}

/** A route no token may call, whatever its scopes: it needs the member's login. */
export class LoginRequiredError extends ForbiddenError {
  constructor(method: string, route: string) {
    super(
      `API tokens cannot call ${method} ${route}: it needs a login session. Tokens may only read flows (scope flows:read) and copy them (scope flows:copy).`,
      'login-required',
      'Not available to API tokens',
      { required: 'login', allowed_scopes: TOKEN_SCOPES },
    );
  }
}

export class PersonalTokenInvalidError extends UnauthorizedError {
  constructor() {
    super('This API token is unknown, revoked or expired. Create a new one on your account page (/account) or with POST /v1/tokens.');
  }
}

export class TokenRateLimitError extends TooManyRequestsError {
  constructor(retryInMs: number, perMinute: number) {
    const seconds = Math.max(1, Math.ceil(retryInMs / 1000));
    super('rate-limited', 'Too many requests', `This API token made more than ${perMinute} requests in a minute; try again in ${seconds} s.`, {
      retry_after_seconds: seconds,
    });
    this.headers = { 'retry-after': String(seconds) };
  }
}
