import { createHmac, timingSafeEqual } from 'node:crypto';
import { createExpiringMap } from '../../expiring-map.js';

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
 *
 * A client sends the same token on every request for days, so what was verified is remembered: a known token costs a
 * map look-up and the expiry check, not an HMAC, a JSON parse and two regular expressions (about 20 µs; a tenth of the
 * API process's own CPU on the earnings read, from a CPU profile). The key is the whole token, so a token altered
 * anywhere is another key and is verified in full. Only verified tokens are kept, at most VERIFIED_KEPT, the oldest
 * dropped first. Whether the session is still open is not a property of the token (viewer.ts asks the database).
 */
export function createTokenService(secret: string): TokenService {
  const sign = (input: string) => createHmac('sha256', secret).update(input).digest();
  const encode = (claims: Record<string, unknown>) => {
    const payload = base64url(JSON.stringify({ ...claims, iss: ISSUER, iat: Math.floor(Date.now() / 1000) }));
    return `${HEADER}.${payload}.${sign(`${HEADER}.${payload}`).toString('base64url')}`;
  };
  const verified = createExpiringMap<string, TokenClaims>(VERIFIED_KEPT);

  function verifyInFull(token: string): { claims: TokenClaims; expiresAt: number } | undefined {
    const [header, payload, signature, ...rest] = token.split('.');
    if (header !== HEADER || !payload || !signature || rest.length > 0) return undefined;
    // The signature as written, not as decoded: the last of its 43 characters carries two bits that decoding drops,
    // so decoded bytes matched four spellings of every signature (and one token had four keys in `verified`).
    const expected = Buffer.from(sign(`${header}.${payload}`).toString('base64url'));
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    let claims: { sub?: unknown; sid?: unknown; op?: unknown; iss?: unknown; exp?: unknown };
    try {
      claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as typeof claims;
    } catch {
      return undefined;
    }
    if (claims.iss !== ISSUER || typeof claims.exp !== 'number') return undefined;
    if (claims.op === true) return { claims: { kind: 'operator' }, expiresAt: claims.exp };
    if (typeof claims.sub !== 'string' || typeof claims.sid !== 'string' || !UUID.test(claims.sub) || !UUID.test(claims.sid)) return undefined;
    return { claims: { kind: 'session', userId: claims.sub, sessionId: claims.sid }, expiresAt: claims.exp };
  }

  return {
    issue: ({ userId, sessionId, expiresAt }) => encode({ sub: userId, sid: sessionId, exp: Math.floor(expiresAt.getTime() / 1000) }),
    issueOperator: () => encode({ sub: 'flowtab-cli', op: true, exp: Math.floor(Date.now() / 1000) + OPERATOR_TTL_SECONDS }),
    verify(token) {
      // Remembered until the token expires, on the token's clock (seconds).
      const now = Date.now() / 1000;
      const known = verified.get(token, now);
      if (known) return known;
      const checked = verifyInFull(token);
      if (!checked || checked.expiresAt <= now) return undefined;
      verified.set(token, checked.claims, checked.expiresAt);
      return checked.claims;
    },
  };
}

/** Verified tokens a process remembers (about 250 bytes each with their claims). */
const VERIFIED_KEPT = 20_000;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function base64url(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}
