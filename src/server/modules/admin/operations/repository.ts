import { and, count, desc, eq, isNotNull, isNull, type SQL } from 'drizzle-orm';
import type { Db } from '../../../db/client.js';
import { type PayoutStatus, payouts, stripeEvents, users } from '../../../db/schema.js';

// Reads for the console's operations area (SPEC §14): payouts by status and the webhook dead letters, paged.
// Changes go through the payouts and webhooks modules.

export type PayoutWithCreator = typeof payouts.$inferSelect & { creator: { id: string; username: string } };

export async function listPayoutsWithCreator(
  db: Db,
  filter: { status?: PayoutStatus },
  page: { limit: number; offset: number },
): Promise<PayoutWithCreator[]> {
  const rows = await db
    .select({ payout: payouts, creator: { id: users.id, username: users.username } })
    .from(payouts)
    .innerJoin(users, eq(users.id, payouts.creatorId))
    .where(payoutWhere(filter))
    .orderBy(desc(payouts.createdAt), desc(payouts.id))
    .limit(page.limit)
    .offset(page.offset);
  return rows.map((row) => ({ ...row.payout, creator: row.creator }));
}

export async function countPayouts(db: Db, filter: { status?: PayoutStatus }): Promise<number> {
  const [row] = await db.select({ n: count() }).from(payouts).where(payoutWhere(filter));
  return row?.n ?? 0;
}

export async function findPayoutWithCreator(db: Db, payoutId: string): Promise<PayoutWithCreator | undefined> {
  const [row] = await db
    .select({ payout: payouts, creator: { id: users.id, username: users.username } })
    .from(payouts)
    .innerJoin(users, eq(users.id, payouts.creatorId))
    .where(eq(payouts.id, payoutId));
  return row && { ...row.payout, creator: row.creator };
}

function payoutWhere(filter: { status?: PayoutStatus }): SQL | undefined {
  return filter.status ? eq(payouts.status, filter.status) : undefined;
}

const isDeadLetter = and(isNotNull(stripeEvents.deadAt), isNull(stripeEvents.processedAt));

export type DeadLetterRow = {
  id: string;
  type: string;
  objectId: string | null;
  attempts: number;
  lastError: string | null;
  deadAt: Date | null;
  receivedAt: Date;
};

/** Dead letters, most recently dead first (the same order as `flowtab webhooks dead`). */
export async function listDeadLetters(db: Db, page: { limit: number; offset: number }): Promise<DeadLetterRow[]> {
  return db
    .select({
      id: stripeEvents.id,
      type: stripeEvents.type,
      objectId: stripeEvents.objectId,
      attempts: stripeEvents.attempts,
      lastError: stripeEvents.lastError,
      deadAt: stripeEvents.deadAt,
      receivedAt: stripeEvents.receivedAt,
    })
    .from(stripeEvents)
    .where(isDeadLetter)
    .orderBy(desc(stripeEvents.deadAt), stripeEvents.id)
    .limit(page.limit)
    .offset(page.offset);
}
