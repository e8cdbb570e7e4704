import { and, asc, desc, eq, inArray, or, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { rowsOf } from '../../db/rows.js';
import { exactCopyCount } from '../flows/repository.js';
import {
  billingPeriods,
  copies,
  creditApplications,
  emailOutbox,
  flows,
  invoices,
  ledgerEntries,
  payouts,
  periodEarnings,
  subscriptions,
  users,
} from '../../db/schema.js';

export type UserRow = typeof users.$inferSelect;

export async function insertUser(db: Db, values: typeof users.$inferInsert): Promise<UserRow> {
  const [row] = await db.insert(users).values(values).returning();
  return row!;
}

export async function findUserByLogin(db: Db, login: string): Promise<UserRow | undefined> {
  const [row] = await db
    .select()
    .from(users)
    .where(or(sql`lower(${users.email}) = lower(${login})`, sql`lower(${users.username}) = lower(${login})`))
    .limit(1);
  return row;
}

export async function findUserById(db: Db, id: string): Promise<UserRow | undefined> {
  const [row] = await db.select().from(users).where(eq(users.id, id));
  return row;
}

/**
 * A member's public profile (SPEC §15) by username, in any case, with the totals of their published flows; undefined
 * for an unknown, deleted or suspended account. The copies are the exact sum of the sharded counters, as on a flow.
 */
export async function findPublicProfile(db: Db, username: string) {
  const result = await db.execute(sql`
    select u.username, u.display_name, u.bio, u.links, u.avatar_url, u.created_at,
           coalesce(p.flows_count, 0)::int as flows_count,
           coalesce(p.total_copies, 0)::bigint as total_copies,
           coalesce(p.total_likes, 0)::bigint as total_likes
      from ${users} u
      left join lateral (
        select count(*) as flows_count,
               sum((select coalesce(sum(c.copies), 0) from flow_copy_counters c where c.flow_id = f.id)) as total_copies,
               sum(f.like_count) as total_likes
          from ${flows} f
         where f.author_id = u.id and f.status = 'published'
      ) p on true
     where lower(u.username) = lower(${username}) and u.deleted_at is null and u.status = 'active'`);
  const [row] = rowsOf<{
    username: string;
    display_name: string | null;
    bio: string | null;
    links: string[];
    avatar_url: string | null;
    created_at: Date | string;
    flows_count: number;
    total_copies: number | string;
    total_likes: number | string;
  }>(result);
  if (!row) return undefined;
  return {
    username: row.username,
    displayName: row.display_name,
    bio: row.bio,
    links: row.links,
    avatarUrl: row.avatar_url,
    joinedAt: new Date(row.created_at),
    flowsCount: Number(row.flows_count),
    totalCopies: Number(row.total_copies),
    totalLikes: Number(row.total_likes),
  };
}

export async function hasPublishedFlow(db: Db, userId: string): Promise<boolean> {
  const [row] = await db
    .select({ id: flows.id })
    .from(flows)
    .where(and(eq(flows.authorId, userId), eq(flows.status, 'published')))
    .limit(1);
  return row !== undefined;
}

export async function setStripeCustomerId(db: Db, userId: string, customerId: string): Promise<UserRow | undefined> {
  const [row] = await db
    .update(users)
    .set({ stripeCustomerId: customerId, updatedAt: new Date() })
    .where(and(eq(users.id, userId), sql`${users.stripeCustomerId} is null`))
    .returning();
  return row;
}

export async function updateUserRole(db: Db, login: string, role: UserRow['role']): Promise<UserRow | undefined> {
  const [row] = await db
    .update(users)
    .set({ role, updatedAt: new Date() })
    .where(or(sql`lower(${users.email}) = lower(${login})`, sql`lower(${users.username}) = lower(${login})`))
    .returning();
  return row;
}

export async function findUserByStripeCustomer(db: Db, customerId: string): Promise<UserRow | undefined> {
  const [row] = await db.select().from(users).where(eq(users.stripeCustomerId, customerId));
  return row;
}

export async function findUserByEmail(db: Db, email: string): Promise<UserRow | undefined> {
  const [row] = await db.select().from(users).where(sql`lower(${users.email}) = lower(${email})`).limit(1);
  return row;
}

export async function markEmailVerified(db: Db, userId: string): Promise<UserRow | undefined> {
  const [row] = await db
    .update(users)
    .set({ emailVerifiedAt: sql`coalesce(${users.emailVerifiedAt}, now())`, updatedAt: new Date() })
    .where(eq(users.id, userId))
    .returning();
  return row;
}

/** The account moves to an address it has just proven (a change-email link). */
export async function setEmailVerified(db: Db, userId: string, email: string): Promise<UserRow | undefined> {
  const [row] = await db.update(users).set({ email, emailVerifiedAt: sql`now()`, updatedAt: new Date() }).where(eq(users.id, userId)).returning();
  return row;
}

export async function setPasswordHash(db: Db, userId: string, passwordHash: string): Promise<void> {
  await db.update(users).set({ passwordHash, updatedAt: new Date() }).where(eq(users.id, userId));
}

export type ProfileChanges = Partial<Pick<UserRow, 'displayName' | 'bio' | 'links' | 'avatarUrl'>>;

export async function updateProfile(db: Db, userId: string, changes: ProfileChanges): Promise<UserRow | undefined> {
  const [row] = await db
    .update(users)
    .set({ ...changes, updatedAt: new Date() })
    .where(and(eq(users.id, userId), sql`${users.deletedAt} is null`))
    .returning();
  return row;
}

/** Locks the member's row for a change that must not interleave with another of the same member (deletion). */
/** Any constant will do: it only has to be the same in every process that seeds. */
const SEED_LOCK = 7_340_118;

/**
 * For the demo seed: waits for any other seeding transaction (a transaction-scoped advisory lock), then counts the
 * accounts, so two processes seeding at once do not both insert: the second sees the first one's users.
 */
export async function countUsersUnderSeedLock(db: Db): Promise<number> {
  await db.execute(sql`select pg_advisory_xact_lock(${SEED_LOCK})`);
  const [row] = await db.select({ count: sql<number>`count(*)::int` }).from(users);
  return row?.count ?? 0;
}

export async function lockUser(db: Db, userId: string): Promise<UserRow | undefined> {
  const [row] = await db.select().from(users).where(eq(users.id, userId)).for('update');
  return row;
}

/**
 * Erases what identifies the person (SPEC §13) and marks the account deleted; the row stays, so copies, ledger
 * entries and payouts keep pointing at it (pseudonymous). `passwordHash` is a hash of a secret no one knows.
 */
export async function eraseUser(db: Db, userId: string, erased: { email: string; username: string; passwordHash: string }): Promise<UserRow | undefined> {
  const [row] = await db
    .update(users)
    .set({
      email: erased.email,
      username: erased.username,
      passwordHash: erased.passwordHash,
      displayName: null,
      bio: null,
      links: [],
      avatarUrl: null,
      emailVerifiedAt: null,
      wantsSummaryEmails: false,
      deletedAt: sql`now()`,
      updatedAt: new Date(),
    })
    .where(and(eq(users.id, userId), sql`${users.deletedAt} is null`))
    .returning();
  return row;
}


/**
 * At a deletion: the member's past mails in the outbox no longer carry their address, name or links (the erased
 * values take their place) and mails still waiting are not sent. The deletion notice keeps the address it must reach.
 */
export async function redactMailsOf(db: Db, userId: string, erased: { email: string; username: string }, exceptCauseKey: string): Promise<number> {
  const rows = await db
    .update(emailOutbox)
    .set({
      toAddress: erased.email,
      data: sql`(${emailOutbox.data} - 'token')
        || case when ${emailOutbox.data} ->> 'username' is not null then jsonb_build_object('username', ${erased.username}::text) else '{}'::jsonb end
        || case when ${emailOutbox.data} ->> 'newEmail' is not null then jsonb_build_object('newEmail', ${erased.email}::text) else '{}'::jsonb end`,
      // A mail not sent yet (one a webhook queued a moment before) now has no one to go to.
      status: sql`case when ${emailOutbox.status} = 'pending' then 'failed' else ${emailOutbox.status} end`,
      lastError: sql`case when ${emailOutbox.status} = 'pending' then 'not sent: the account was deleted' else ${emailOutbox.lastError} end`,
    })
    .where(and(eq(emailOutbox.userId, userId), sql`${emailOutbox.causeKey} <> ${exceptCauseKey}`))
    .returning({ id: emailOutbox.id });
  return rows.length;
}

// ---------------------------------------------------------------------------------------------------------------
// The export (SPEC §13): everything stored about one member, read-only, one query per table. It reads other domains'
// tables on purpose: it is the one place that must know every table holding a member's data.

export async function exportSubscriptionsOf(db: Db, userId: string) {
  return db.select().from(subscriptions).where(eq(subscriptions.userId, userId)).orderBy(asc(subscriptions.createdAt));
}

export async function exportBillingPeriodsOf(db: Db, userId: string) {
  return db.select().from(billingPeriods).where(eq(billingPeriods.userId, userId)).orderBy(asc(billingPeriods.periodStart));
}

export async function exportInvoicesOf(db: Db, subscriptionIds: string[]) {
  if (subscriptionIds.length === 0) return [];
  return db.select().from(invoices).where(inArray(invoices.subscriptionId, subscriptionIds)).orderBy(asc(invoices.createdAt));
}

/** The member's copies of any flow, with the flow's slug and title. */
export async function exportCopiesOf(db: Db, userId: string) {
  return db
    .select({ copy: copies, flowSlug: flows.slug, flowTitle: flows.title })
    .from(copies)
    .innerJoin(flows, eq(flows.id, copies.flowId))
    .where(eq(copies.userId, userId))
    .orderBy(asc(copies.copiedAt));
}

/** Flows the member wrote, every status, with their counters. */
export async function exportFlowsOf(db: Db, authorId: string) {
  return db
    .select({
      id: flows.id,
      slug: flows.slug,
      title: flows.title,
      summary: flows.summary,
      body: flows.body,
      steps: flows.steps,
      notes: flows.notes,
      targetSites: flows.targetSites,
      worksWith: flows.worksWith,
      tags: flows.tags,
      isPremium: flows.isPremium,
      featured: flows.featured,
      status: flows.status,
      copyCount: exactCopyCount,
      likeCount: flows.likeCount,
      publishedAt: flows.publishedAt,
      createdAt: flows.createdAt,
      updatedAt: flows.updatedAt,
    })
    .from(flows)
    .where(eq(flows.authorId, authorId))
    .orderBy(asc(flows.createdAt));
}

/** What the member earned as a creator, per subscriber period, and the ledger entries that record it. */
export async function exportEarningsOf(db: Db, creatorId: string) {
  const [periods, entries] = await Promise.all([
    db.select().from(periodEarnings).where(eq(periodEarnings.creatorId, creatorId)).orderBy(asc(periodEarnings.createdAt)),
    db
      .select({
        id: ledgerEntries.id,
        transactionId: ledgerEntries.transactionId,
        account: ledgerEntries.account,
        billingPeriodId: ledgerEntries.billingPeriodId,
        amountCents: ledgerEntries.amountCents,
        createdAt: ledgerEntries.createdAt,
      })
      .from(ledgerEntries)
      .where(eq(ledgerEntries.creatorId, creatorId))
      .orderBy(asc(ledgerEntries.id)),
  ]);
  return { periods, entries };
}

export async function exportPayoutsOf(db: Db, creatorId: string) {
  const [payoutRows, credits] = await Promise.all([
    db.select().from(payouts).where(eq(payouts.creatorId, creatorId)).orderBy(asc(payouts.createdAt)),
    db.select().from(creditApplications).where(eq(creditApplications.creatorId, creatorId)).orderBy(asc(creditApplications.createdAt)),
  ]);
  return { payouts: payoutRows, credits };
}

/** Mails queued for the member: who, what and when (not their data, which holds sealed links). */
export async function exportMailsOf(db: Db, userId: string) {
  return db
    .select({
      id: emailOutbox.id,
      template: emailOutbox.template,
      subject: emailOutbox.subject,
      toAddress: emailOutbox.toAddress,
      status: emailOutbox.status,
      createdAt: emailOutbox.createdAt,
      sentAt: emailOutbox.sentAt,
    })
    .from(emailOutbox)
    .where(eq(emailOutbox.userId, userId))
    .orderBy(desc(emailOutbox.createdAt));
}
