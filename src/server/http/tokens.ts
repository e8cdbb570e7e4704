import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Role } from './viewer.js';

const ISSUER = 'flowtab';
export const TOKEN_TTL_SECONDS = 7 * 24 * 3600;
const HEADER = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));

export type TokenService = {
  issue(subject: { id: string; role: Role }): Promise<string>;
  verify(token: string): Promise<{ id: string; role: Role } | undefined>;
};

/**
 * HS256 JWTs (RFC 7519) signed and checked with node:crypto. Every authenticated request verifies one, so this is
 * on the copy endpoint's hot path: a synchronous HMAC is several times cheaper than WebCrypto's asynchronous one.
 * Only our own header is accepted (no `alg` negotiation), the signature is compared in constant time, and the
 * issuer and expiry are checked.
 */
export function createTokenService(secret: string): TokenService {
  const sign = (input: string) => createHmac('sha256', secret).update(input).digest();
  return {
    async issue({ id, role }) {
      const now = Math.floor(Date.now() / 1000);
      const payload = base64url(JSON.stringify({ role, sub: id, iss: ISSUER, iat: now, exp: now + TOKEN_TTL_SECONDS }));
      return `${HEADER}.${payload}.${sign(`${HEADER}.${payload}`).toString('base64url')}`;
    },
    async verify(token) {
      const [header, payload, signature, ...rest] = token.split('.');
      if (header !== HEADER || !payload || !signature || rest.length > 0) return undefined;
      const expected = sign(`${header}.${payload}`);
      const given = Buffer.from(signature, 'base64url');
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
      let claims: { sub?: unknown; role?: unknown; iss?: unknown; exp?: unknown };
      try {
        claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
      } catch {
        return undefined;
      }
      if (claims.iss !== ISSUER || typeof claims.exp !== 'number' || claims.exp <= Date.now() / 1000) return undefined;
      if (typeof claims.sub !== 'string') return undefined;
      return { id: claims.sub, role: claims.role === 'admin' ? 'admin' : 'member' };
    },
  };
}

function base64url(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}
