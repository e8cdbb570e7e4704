import { SignJWT, jwtVerify } from 'jose';
import type { Role } from './viewer.js';

const ISSUER = 'flowtab';
export const TOKEN_TTL_SECONDS = 7 * 24 * 3600;

export type TokenService = {
  issue(subject: { id: string; role: Role }): Promise<string>;
  verify(token: string): Promise<{ id: string; role: Role } | undefined>;
};

export function createTokenService(secret: string): TokenService {
  const key = new TextEncoder().encode(secret);
  return {
    issue: ({ id, role }) =>
      new SignJWT({ role })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(id)
        .setIssuer(ISSUER)
        .setIssuedAt()
        .setExpirationTime(`${TOKEN_TTL_SECONDS}s`)
        .sign(key),
    async verify(token) {
      try {
        const { payload } = await jwtVerify(token, key, { issuer: ISSUER, algorithms: ['HS256'] });
        const role = payload.role === 'admin' ? 'admin' : 'member';
        return typeof payload.sub === 'string' ? { id: payload.sub, role } : undefined;
      } catch {
        return undefined;
      }
    },
  };
}
