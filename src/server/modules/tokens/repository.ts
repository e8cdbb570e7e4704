import { and, desc, eq, isNull, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { rowsOf } from '../../db/rows.js';
import { sessions } from '../../db/schema.js';
import { TOKEN_SCOPES, type TokenScope } from './personal-tokens.js';

const tokenColumns = {
  id: sessions.id,
  name: sessions.name,
  scopes: sessions.scopes,
  createdAt: sessions.createdAt,
  expiresAt: sessions.expiresAt,
  lastUsedAt: sessions.lastUsedAt,
};

export type TokenRow = { id: string; name: string | null; scopes: string[] | null; createdAt: Date; expiresAt: Date; lastUsedAt: Date | null };

/** A personal access token is a session of kind `token`: only its hash is stored; ending the session revokes it. */
export async function insertTokenSession(
  db: Db,
  values: { userId: string; name: string; scopes: readonly TokenScope[]; tokenHash: string; expiresInDays: number },
): Promise<TokenRow> {
  const [row] = await db
    .insert(sessions)
    .values({
      userId: values.userId,
      kind: 'token',
      name: values.name,
      scopes: [...values.scopes],
      tokenHash: values.tokenHash,
      // The database's clock, as record_copy and the lookups judge expiry by it.
      expiresAt: sql`now() + ${values.expiresInDays}::integer * interval '1 day'`,
    })
    .returning(tokenColumns);
  return row!;
}

/** The member's tokens that are not revoked (expired ones too, so they can be seen and removed), newest first. */
export async function listTokenSessions(db: Db, userId: string): Promise<(TokenRow & { isExpired: boolean })[]> {
  return db
    .select({ ...tokenColumns, isExpired: sql<boolean>`${sessions.expiresAt} <= now()` })
    .from(sessions)
    .where(and(eq(sessions.userId, userId), eq(sessions.kind, 'token'), isNull(sessions.revokedAt)))
    .orderBy(desc(sessions.createdAt), desc(sessions.id));
}

/** Ends the token's session; undefined when it is not the member's, not a token, or already revoked. */
export async function revokeTokenSession(db: Db, userId: string, id: string): Promise<{ id: string } | undefined> {
  const [row] = await db
    .update(sessions)
    .set({ revokedAt: sql`now()` })
    .where(and(eq(sessions.id, id), eq(sessions.userId, userId), eq(sessions.kind, 'token'), isNull(sessions.revokedAt)))
    .returning({ id: sessions.id });
  return row;
}

/**
 * The open token session with this hash and its account, in one statement that also records the use: `last_used_at`
 * is written only when it is older than a minute, so a busy token costs a write at most once a minute (and the
 * lookup itself runs at most once per 4 s per process, behind the viewer's cache).
 */
export async function findTokenSessionAndTouch(db: Db, tokenHash: string) {
  const result = await db.execute(sql`
    with token as (
      select s.id, s.user_id, s.scopes, u.role, u.status
        from sessions s join users u on u.id = s.user_id
       where s.token_hash = ${tokenHash} and s.kind = 'token' and s.revoked_at is null and s.expires_at > now()
    ), touched as (
      update sessions set last_used_at = now()
       where id = (select id from token)
         and (last_used_at is null or last_used_at < now() - interval '1 minute')
      returning id
    )
    select token.id, token.user_id, token.scopes, token.role, token.status from token`);
  const [row] = rowsOf<{ id: string; user_id: string; scopes: string[] | string; role: 'member' | 'admin'; status: 'active' | 'suspended' }>(result);
  if (!row) return undefined;
  return { sessionId: row.id, userId: row.user_id, scopes: parseScopes(row.scopes), role: row.role, status: row.status };
}

/** A text[] from db.execute: an array on node-postgres, possibly the literal `{a,b}` on other drivers. */
function parseScopes(value: string[] | string): TokenScope[] {
  const scopes = Array.isArray(value) ? value : value.replace(/^\{|\}$/g, '').split(',');
  return TOKEN_SCOPES.filter((scope) => scopes.includes(scope));
}
