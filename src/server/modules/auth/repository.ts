import { and, desc, eq, gt, isNull, ne, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { accountTokens, sessions, users } from '../../db/schema.js';
import { rowsOf } from '../../db/rows.js';
import { OUTBOX_CHANNEL } from '../email/repository.js';

export type SessionRow = typeof sessions.$inferSelect;

export async function insertSession(db: Db, values: { userId: string; userAgent: string | undefined; expiresAt: Date }): Promise<SessionRow> {
  const [row] = await db.insert(sessions).values(values).returning();
  return row!;
}

/** The account behind a session that is neither ended nor expired. */
export async function findSessionAccount(db: Db, sessionId: string, userId: string) {
  const [row] = await db
    .select({ role: users.role, status: users.status })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(and(eq(sessions.id, sessionId), eq(sessions.userId, userId), isNull(sessions.revokedAt), gt(sessions.expiresAt, sql`now()`)));
  return row;
}

export async function revokeSession(db: Db, sessionId: string, userId: string): Promise<void> {
  await db
    .update(sessions)
    .set({ revokedAt: sql`now()` })
    .where(and(eq(sessions.id, sessionId), eq(sessions.userId, userId), isNull(sessions.revokedAt)));
}

/** Ends every open session of the member; returns how many were open. */
export async function revokeAllSessions(db: Db, userId: string): Promise<number> {
  const rows = await db
    .update(sessions)
    .set({ revokedAt: sql`now()` })
    .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt)))
    .returning({ id: sessions.id });
  return rows.length;
}

/** Ends every open session of the member but `keepSessionId` (a password change keeps the session that made it). */
export async function revokeOtherSessions(db: Db, userId: string, keepSessionId: string | undefined): Promise<number> {
  const rows = await db
    .update(sessions)
    .set({ revokedAt: sql`now()` })
    .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt), keepSessionId ? ne(sessions.id, keepSessionId) : undefined))
    .returning({ id: sessions.id });
  return rows.length;
}

/** The member's sessions, newest first, without any secret (the export). */
export async function listSessionsOf(db: Db, userId: string) {
  return db
    .select({
      id: sessions.id,
      kind: sessions.kind,
      name: sessions.name,
      userAgent: sessions.userAgent,
      scopes: sessions.scopes,
      createdAt: sessions.createdAt,
      expiresAt: sessions.expiresAt,
      revokedAt: sessions.revokedAt,
      lastUsedAt: sessions.lastUsedAt,
    })
    .from(sessions)
    .where(eq(sessions.userId, userId))
    .orderBy(desc(sessions.createdAt));
}

// ---------------------------------------------------------------------------------------------------------------
// Account tokens: single-use links mailed to a member, stored as the SHA-256 of the token.

export type AccountTokenRow = typeof accountTokens.$inferSelect;
export type AccountTokenPurpose = AccountTokenRow['purpose'];

export async function insertAccountToken(
  db: Db,
  values: { userId: string; purpose: AccountTokenPurpose; tokenHash: string; newEmail?: string | null; expiresInMs: number },
): Promise<AccountTokenRow> {
  const [row] = await db
    .insert(accountTokens)
    .values({
      userId: values.userId,
      purpose: values.purpose,
      tokenHash: values.tokenHash,
      newEmail: values.newEmail ?? null,
      // The database's clock decides expiry, as it decides use (consumeAccountToken): one clock for both.
      expiresAt: sql`now() + ${values.expiresInMs}::integer * interval '1 millisecond'`,
    })
    .returning();
  return row!;
}

/**
 * The caller's transaction commits without waiting for the disk. For the password reset: a transaction that wrote
 * rows (a known address) would otherwise wait for its WAL flush at commit, and one that wrote none (an unknown
 * address; the rate-limit counter is an unlogged table) would not — a disk flush of difference in the answer's
 * time. The price: a crash in the next fraction of a second can lose the request, and the person asks again.
 */
export async function commitWithoutWaitingForDisk(db: Db): Promise<void> {
  await db.execute(sql`set local synchronous_commit = off`);
}

/**
 * A password reset for an address, in ONE statement that runs the same whether an account has the address or not:
 * it finds the account, stores the token, queues the mail in the outbox (the recipient's address and name filled in
 * here; cause `password-reset:<token id>`) and notifies the senders — each step a no-op for an unknown address. One
 * round trip either way, so the answer takes the same time (SPEC §13). Returns the account's id when a mail was queued.
 */
export async function insertPasswordReset(
  db: Db,
  input: { email: string; tokenHash: string; expiresInMs: number; mail: { template: string; subject: string; data: Record<string, unknown> } },
): Promise<string | undefined> {
  const result = await db.execute(sql`
    with account as (
      select id, email, username from users where lower(email) = lower(${input.email}) and deleted_at is null and status = 'active'
    ), token as (
      insert into account_tokens (user_id, purpose, token_hash, expires_at)
      select id, 'reset_password', ${input.tokenHash}, now() + ${input.expiresInMs}::integer * interval '1 millisecond' from account
      returning id, user_id
    ), mail as (
      insert into email_outbox (cause_key, user_id, to_address, template, data, subject)
      select 'password-reset:' || token.id::text, account.id, account.email, ${input.mail.template},
             ${JSON.stringify(input.mail.data)}::jsonb || jsonb_build_object('username', account.username), ${input.mail.subject}
        from token join account on account.id = token.user_id
      on conflict (cause_key) do nothing
      returning user_id
    )
    select mail.user_id, pg_notify(${OUTBOX_CHANNEL}, '') from mail`);
  return rowsOf<{ user_id: string }>(result)[0]?.user_id;
}

/**
 * Uses a token once: one conditional UPDATE, so of two requests with the same link exactly one gets the row. Returns
 * undefined when the token is unknown, of another purpose, used or expired (findAccountToken tells which).
 */
export async function consumeAccountToken(db: Db, tokenHash: string, purposes: AccountTokenPurpose[]): Promise<AccountTokenRow | undefined> {
  const [row] = await db
    .update(accountTokens)
    .set({ usedAt: sql`now()` })
    .where(
      and(
        eq(accountTokens.tokenHash, tokenHash),
        sql`${accountTokens.purpose} in (${sql.join(purposes.map((purpose) => sql`${purpose}`), sql`, `)})`,
        isNull(accountTokens.usedAt),
        gt(accountTokens.expiresAt, sql`now()`),
      ),
    )
    .returning();
  return row;
}

/** A token as stored, and whether it has expired by the database's clock (to say why it cannot be used). */
export async function findAccountToken(db: Db, tokenHash: string): Promise<(AccountTokenRow & { isExpired: boolean }) | undefined> {
  const [row] = await db
    .select({ token: accountTokens, isExpired: sql<boolean>`${accountTokens.expiresAt} <= now()` })
    .from(accountTokens)
    .where(eq(accountTokens.tokenHash, tokenHash));
  return row ? { ...row.token, isExpired: row.isExpired } : undefined;
}

/** Retires the member's other unused links of these purposes (a newer one replaces them, or the account changed). */
export async function retireAccountTokens(db: Db, userId: string, purposes: AccountTokenPurpose[], exceptId?: string): Promise<number> {
  const rows = await db
    .update(accountTokens)
    .set({ usedAt: sql`now()` })
    .where(
      and(
        eq(accountTokens.userId, userId),
        sql`${accountTokens.purpose} in (${sql.join(purposes.map((purpose) => sql`${purpose}`), sql`, `)})`,
        isNull(accountTokens.usedAt),
        exceptId ? ne(accountTokens.id, exceptId) : undefined,
      ),
    )
    .returning({ id: accountTokens.id });
  return rows.length;
}

/** The new address waiting for its confirmation, if any (the latest change-email link still usable). */
export async function findPendingEmailChange(db: Db, userId: string): Promise<{ newEmail: string; expiresAt: Date } | undefined> {
  const [row] = await db
    .select({ newEmail: accountTokens.newEmail, expiresAt: accountTokens.expiresAt })
    .from(accountTokens)
    .where(
      and(eq(accountTokens.userId, userId), eq(accountTokens.purpose, 'change_email'), isNull(accountTokens.usedAt), gt(accountTokens.expiresAt, sql`now()`)),
    )
    .orderBy(desc(accountTokens.createdAt))
    .limit(1);
  return row?.newEmail ? { newEmail: row.newEmail, expiresAt: row.expiresAt } : undefined;
}

/** The member's mailed links, without their hashes (the export). */
export async function listAccountTokensOf(db: Db, userId: string) {
  return db
    .select({
      id: accountTokens.id,
      purpose: accountTokens.purpose,
      newEmail: accountTokens.newEmail,
      createdAt: accountTokens.createdAt,
      expiresAt: accountTokens.expiresAt,
      usedAt: accountTokens.usedAt,
    })
    .from(accountTokens)
    .where(eq(accountTokens.userId, userId))
    .orderBy(desc(accountTokens.createdAt));
}
