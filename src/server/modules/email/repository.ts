import { and, desc, eq, inArray, lte, min, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { rowsOf } from '../../db/rows.js';
import { emailOutbox, users } from '../../db/schema.js';

export type OutboxRow = typeof emailOutbox.$inferSelect;

/** The channel a committed outbox insert notifies (NOTIFY is delivered at commit, and dropped on rollback). */
export const OUTBOX_CHANNEL = 'email_outbox';

/** Queues one mail; returns its id, or undefined when a mail for this cause is already queued (or sent). */
export async function insertOutboxEmail(
  db: Db,
  values: Pick<typeof emailOutbox.$inferInsert, 'causeKey' | 'userId' | 'toAddress' | 'template' | 'data' | 'subject'>,
): Promise<string | undefined> {
  // A member's mail is queued only while the account exists: FOR SHARE waits for a deletion in progress (it holds the
  // row FOR UPDATE) and then sees it, so a mail read with the old address just before the erasure is dropped, not
  // queued after the deletion redacted the outbox.
  const rows = await db.execute(sql`
    insert into email_outbox (cause_key, user_id, to_address, template, data, subject)
    select ${values.causeKey}, ${values.userId ?? null}::uuid, ${values.toAddress}, ${values.template}, ${JSON.stringify(values.data ?? {})}::jsonb, ${values.subject ?? null}
    where ${values.userId ?? null}::uuid is null
       or exists (select 1 from users where id = ${values.userId ?? null}::uuid and deleted_at is null for share)
    on conflict (cause_key) do nothing
    returning id`);
  return rowsOf<{ id: string }>(rows)[0]?.id;
}

/** Wakes the senders once the caller's transaction commits. An empty payload, so PostgreSQL folds many into one. */
export async function notifyOutbox(db: Db) {
  await db.execute(sql`select pg_notify(${OUTBOX_CHANNEL}, '')`);
}

// Written out, not a parameter: a prepared statement's generic plan can use the index of pending mail (WHERE status =
// 'pending') only if it says which status it wants; with a parameter, the due claim was planned again on every call
// (test/prepared-statements.test.ts).
const isPending = sql`${emailOutbox.status} = 'pending'`;

/**
 * Claims up to `limit` due mails for one sending attempt: counts the attempt and leases the row (next_attempt_at moves
 * past the lease) in one statement, skipping rows another sender holds, so two processes never send the same row at
 * once. Status stays 'pending': a sender that dies mid-send leaves the row to be retried when the lease ends.
 */
export async function claimDueEmails(db: Db, input: { limit: number; leaseMs: number }): Promise<OutboxRow[]> {
  const due = db
    .select({ id: emailOutbox.id })
    .from(emailOutbox)
    .where(and(isPending, lte(emailOutbox.nextAttemptAt, sql`now()`)))
    .orderBy(emailOutbox.nextAttemptAt)
    .limit(input.limit)
    .for('update', { skipLocked: true });
  return db
    .update(emailOutbox)
    .set({ attempts: sql`${emailOutbox.attempts} + 1`, nextAttemptAt: sql`now() + ${input.leaseMs} * interval '1 millisecond'` })
    .where(inArray(emailOutbox.id, due))
    .returning();
}

// The three outcomes of an attempt. Each is fenced on the attempt count it claimed: if the lease ran out and another
// sender claimed the row again, the stale sender's update changes nothing.

export async function markEmailSent(db: Db, claimed: Pick<OutboxRow, 'id' | 'attempts'>): Promise<boolean> {
  const rows = await db
    .update(emailOutbox)
    .set({ status: 'sent', sentAt: sql`now()`, lastError: null })
    .where(and(eq(emailOutbox.id, claimed.id), eq(emailOutbox.status, 'pending'), eq(emailOutbox.attempts, claimed.attempts)))
    .returning({ id: emailOutbox.id });
  return rows.length > 0;
}

export async function scheduleEmailRetry(db: Db, claimed: Pick<OutboxRow, 'id' | 'attempts'>, delayMs: number, error: string) {
  await db
    .update(emailOutbox)
    .set({ nextAttemptAt: sql`now() + ${delayMs} * interval '1 millisecond'`, lastError: error })
    .where(and(eq(emailOutbox.id, claimed.id), eq(emailOutbox.status, 'pending'), eq(emailOutbox.attempts, claimed.attempts)));
}

export async function markEmailFailed(db: Db, claimed: Pick<OutboxRow, 'id' | 'attempts'>, error: string) {
  await db
    .update(emailOutbox)
    .set({ status: 'failed', lastError: error })
    .where(and(eq(emailOutbox.id, claimed.id), eq(emailOutbox.status, 'pending'), eq(emailOutbox.attempts, claimed.attempts)));
}

/** When the next pending mail falls due (a retry's backoff, or a lease running out). */
export async function findNextDueAt(db: Db): Promise<Date | undefined> {
  const [row] = await db.select({ at: min(emailOutbox.nextAttemptAt) }).from(emailOutbox).where(isPending);
  return row?.at ?? undefined;
}

export async function listOutboxEmails(db: Db, limit: number): Promise<OutboxRow[]> {
  return db.select().from(emailOutbox).orderBy(desc(emailOutbox.createdAt), desc(emailOutbox.id)).limit(limit);
}

export async function findOutboxEmail(db: Db, id: string): Promise<OutboxRow | undefined> {
  const [row] = await db.select().from(emailOutbox).where(eq(emailOutbox.id, id));
  return row;
}

export async function setWantsSummaryEmails(db: Db, userId: string, wants: boolean): Promise<boolean> {
  const rows = await db.update(users).set({ wantsSummaryEmails: wants, updatedAt: new Date() }).where(eq(users.id, userId)).returning({ id: users.id });
  return rows.length > 0;
}

export type SummaryRecipient = {
  userId: string;
  email: string;
  username: string;
  copies: number;
  countedCopies: number;
  earnedCents: number;
};

/**
 * Creators with any activity in [start, end) — copies of their flows by other members, or ledger entries of theirs
 * (earnings moving, payouts) — who want the summary and have not been queued one for `month` yet.
 */
export async function findSummaryRecipients(db: Db, input: { start: Date; end: Date; month: string; limit: number }): Promise<SummaryRecipient[]> {
  const result = await db.execute(sql`
    with month_copies as (
      select creator_id,
             count(*)::int as copies,
             (count(*) filter (where is_counted))::int as counted_copies,
             coalesce(sum(payout_cents), 0)::bigint as earned_cents
        from copies
       where copied_at >= ${input.start} and copied_at < ${input.end} and user_id <> creator_id
       group by creator_id
    ),
    active as (
      select creator_id from month_copies
      union
      select creator_id from ledger_entries
       where creator_id is not null and created_at >= ${input.start} and created_at < ${input.end}
    )
    select u.id as user_id, u.email, u.username,
           coalesce(mc.copies, 0) as copies, coalesce(mc.counted_copies, 0) as counted_copies, coalesce(mc.earned_cents, 0) as earned_cents
      from active a
      join users u on u.id = a.creator_id
      left join month_copies mc on mc.creator_id = a.creator_id
     where u.wants_summary_emails and u.status = 'active'
       and not exists (select 1 from email_outbox o where o.cause_key = 'summary:' || u.id::text || ':' || ${input.month})
     order by u.id
     limit ${input.limit}`);
  return rowsOf<{ user_id: string; email: string; username: string; copies: number; counted_copies: number; earned_cents: string | number }>(result).map(
    (row) => ({
      userId: row.user_id,
      email: row.email,
      username: row.username,
      copies: Number(row.copies),
      countedCopies: Number(row.counted_copies),
      earnedCents: Number(row.earned_cents),
    }),
  );
}
