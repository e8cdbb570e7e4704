import type { Db, Tx } from '../../db/client.js';
import { generatePersonalToken, hashPersonalToken, TOKEN_SCOPES } from './personal-tokens.js';
import type { Viewer } from '../auth/viewer.js';
import { TokenNotFoundError } from './errors.js';
import { insertTokenSession, listTokenSessions, revokeTokenSession, type TokenRow } from './repository.js';
import type { CreatedTokenView, CreateTokenInput, TokenView } from './schemas.js';

/**
 * POST /v1/tokens: a new personal access token. The secret exists only in this answer; the database keeps its
 * SHA-256 in a session of kind `token`, so everything that ends sessions (revoke, log out everywhere, password
 * change, suspension, deletion) ends tokens too, and record_copy checks it like any session.
 */
export async function createToken(tx: Tx, viewer: Viewer, input: CreateTokenInput): Promise<CreatedTokenView> {
  const token = generatePersonalToken();
  const row = await insertTokenSession(tx, {
    userId: viewer.id,
    name: input.name,
    scopes: input.scopes,
    tokenHash: hashPersonalToken(token),
    expiresInDays: input.expires_in_days,
  });
  const { last_used_at: _lastUsedAt, is_expired: _isExpired, ...view } = toTokenView(row, false);
  return { ...view, token };
}

export async function listTokens(db: Db, viewer: Viewer): Promise<{ items: TokenView[] }> {
  const rows = await listTokenSessions(db, viewer.id);
  return { items: rows.map((row) => toTokenView(row, row.isExpired)) };
}

/** Ends the token's session; the caller then drops what its process remembers (the viewer's cache). */
export async function revokeToken(tx: Tx, viewer: Viewer, id: string): Promise<void> {
  const revoked = await revokeTokenSession(tx, viewer.id, id);
  if (!revoked) throw new TokenNotFoundError();
}

function toTokenView(row: TokenRow, isExpired: boolean): TokenView {
  return {
    id: row.id,
    name: row.name ?? '',
    scopes: TOKEN_SCOPES.filter((scope) => row.scopes?.includes(scope)),
    created_at: row.createdAt.toISOString(),
    expires_at: row.expiresAt.toISOString(),
    last_used_at: row.lastUsedAt?.toISOString() ?? null,
    is_expired: isExpired,
  };
}
