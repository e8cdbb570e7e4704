import { createHmac, timingSafeEqual } from 'node:crypto';

const ISSUER = 'flowtab';
export const TOKEN_TTL_SECONDS = 7 * 24 * 3600;
const OPERATOR_TTL_SECONDS = 60;
const HEADER = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));

/**
 * What a verified token says: the member and the session it names. Nothing else is trusted from a token: whether
 * the session is still open, the member's role and status are read from the database on each request.
 * An operator token is the CLI asking the process that holds the embedded database to run an admin job.
 */
export type TokenClaims = { kind: 'session'; userId: string; sessionId: string } | { kind: 'operator' };

export type TokenService = {
  issue(session: { userId: string; sessionId: string; expiresAt: Date }): string;
  /** A one-minute token for `flowtab` commands talking to the local development server (embedded database only). */
  issueOperator(): string;
  verify(token: string): TokenClaims | undefined;
};

/**
 * HS256 JWTs (RFC 7519) signed and checked with node:crypto. Every authenticated request verifies one, so this is
 * on the copy endpoint's hot path: a synchronous HMAC is several times cheaper than WebCrypto's asynchronous one.
 * Only our own header is accepted (no `alg` negotiation), the signature is compared in constant time, and the
 * issuer and expiry are checked.
 */
export function createTokenService(secret: string): TokenService {
  const sign = (input: string) => createHmac('sha256', secret).update(input).digest();
  const encode = (claims: Record<string, unknown>) => {
    const payload = base64url(JSON.stringify({ ...claims, iss: ISSUER, iat: Math.floor(Date.now() / 1000) }));
    return `${HEADER}.${payload}.${sign(`${HEADER}.${payload}`).toString('base64url')}`;
  };
  return {
    issue: ({ userId, sessionId, expiresAt }) => encode({ sub: userId, sid: sessionId, exp: Math.floor(expiresAt.getTime() / 1000) }),
    issueOperator: () => encode({ sub: 'flowtab-cli', op: true, exp: Math.floor(Date.now() / 1000) + OPERATOR_TTL_SECONDS }),
    verify(token) {
      const [header, payload, signature, ...rest] = token.split('.');
      if (header !== HEADER || !payload || !signature || rest.length > 0) return undefined;
      const expected = sign(`${header}.${payload}`);
      const given = Buffer.from(signature, 'base64url');
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
      let claims: { sub?: unknown; sid?: unknown; op?: unknown; iss?: unknown; exp?: unknown };
      try {
        claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as typeof claims;
      } catch {
        return undefined;
      }
      if (claims.iss !== ISSUER || typeof claims.exp !== 'number' || claims.exp <= Date.now() / 1000) return undefined;
      if (claims.op === true) return { kind: 'operator' };
      if (typeof claims.sub !== 'string' || typeof claims.sid !== 'string' || !UUID.test(claims.sub) || !UUID.test(claims.sid)) return undefined;
      return { kind: 'session', userId: claims.sub, sessionId: claims.sid };
    },
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function base64url(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}
