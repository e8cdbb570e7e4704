import { and, asc, desc, eq, inArray, isNotNull, isNull, lt, or, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { stripeEvents, webhookWatermarks } from '../../db/schema.js';

export type StoredEvent = typeof stripeEvents.$inferSelect;

/** Stores the event once; returns false when it was already in the inbox. */
export async function storeEvent(
  db: Db,
  event: { id: string; type: string; created: number; data: { object: unknown } },
): Promise<boolean> {
  const rows = await db
    .insert(stripeEvents)
    .values({
      id: event.id,
      type: event.type,
      objectId: (event.data.object as { id?: string }).id ?? null,
      payload: event,
      stripeCreatedAt: new Date(event.created * 1000),
    })
    .onConflictDoNothing({ target: stripeEvents.id })
    .returning({ id: stripeEvents.id });
  return rows.length > 0;
}

export async function findEvent(db: Db, id: string): Promise<StoredEvent | undefined> {
  const [row] = await db.select().from(stripeEvents).where(eq(stripeEvents.id, id));
  return row;
}

/**
 * Locks an unprocessed event (dead letters included: the caller decides) for this transaction; a concurrent delivery
 * of the same event waits, then finds it done.
 */
export async function lockUnprocessedEvent(db: Db, id: string): Promise<StoredEvent | undefined> {
  const [row] = await db
    .select()
    .from(stripeEvents)
    .where(and(eq(stripeEvents.id, id), isNull(stripeEvents.processedAt)))
    .for('update');
  return row;
}

export async function markEventProcessed(db: Db, id: string) {
  await db
    .update(stripeEvents)
    .set({ processedAt: new Date(), attempts: sql`${stripeEvents.attempts} + 1`, lastError: null, deadAt: null })
    .where(eq(stripeEvents.id, id));
}

/**
 * Counts a failed attempt. The event becomes a dead letter when this attempt reaches `maxAttempts` and `mayDie`
 * (the failure was the event's, not Stripe being unavailable); otherwise it is left for the sweep to retry.
 */
export async function recordEventFailure(
  db: Db,
  id: string,
  failure: { error: string; maxAttempts: number; mayDie: boolean },
): Promise<{ attempts: number; isDead: boolean }> {
  const [row] = await db
    .update(stripeEvents)
    .set({
      attempts: sql`${stripeEvents.attempts} + 1`,
      lastError: failure.error.slice(0, 2000),
      deadAt: failure.mayDie ? sql`case when ${stripeEvents.attempts} + 1 >= ${failure.maxAttempts} then now() end` : null,
    })
    .where(eq(stripeEvents.id, id))
    .returning({ attempts: stripeEvents.attempts, deadAt: stripeEvents.deadAt });
  return { attempts: row?.attempts ?? 0, isDead: Boolean(row?.deadAt) };
}

/**
 * What the sweep retries, oldest Stripe time first: unprocessed events received before `receivedBefore` (younger
 * ones are probably still being processed by their delivery) plus `alsoIds`, never dead letters.
 */
export async function listUnprocessedEvents(
  db: Db,
  options: { receivedBefore: Date; alsoIds?: string[]; limit: number },
): Promise<{ id: string }[]> {
  const due = lt(stripeEvents.receivedAt, options.receivedBefore);
  return db
    .select({ id: stripeEvents.id })
    .from(stripeEvents)
    .where(
      and(
        isNull(stripeEvents.processedAt),
        isNull(stripeEvents.deadAt),
        options.alsoIds?.length ? or(due, inArray(stripeEvents.id, options.alsoIds)) : due,
      ),
    )
    .orderBy(asc(stripeEvents.stripeCreatedAt))
    .limit(options.limit);
}

const isDeadLetter = and(isNotNull(stripeEvents.deadAt), isNull(stripeEvents.processedAt));

export type DeadEvent = Pick<StoredEvent, 'id' | 'type' | 'objectId' | 'attempts' | 'lastError' | 'deadAt' | 'stripeCreatedAt'>;

export async function listDeadEvents(db: Db, limit: number): Promise<DeadEvent[]> {
  return db
    .select({
      id: stripeEvents.id,
      type: stripeEvents.type,
      objectId: stripeEvents.objectId,
      attempts: stripeEvents.attempts,
      lastError: stripeEvents.lastError,
      deadAt: stripeEvents.deadAt,
      stripeCreatedAt: stripeEvents.stripeCreatedAt,
    })
    .from(stripeEvents)
    .where(isDeadLetter)
    .orderBy(desc(stripeEvents.deadAt), asc(stripeEvents.id))
    .limit(limit);
}

export async function countDeadEvents(db: Db): Promise<number> {
  const [row] = await db.select({ count: sql<number>`count(*)::int` }).from(stripeEvents).where(isDeadLetter);
  return row?.count ?? 0;
}

export async function readWatermark(db: Db, source: string): Promise<Date | undefined> {
  const [row] = await db.select({ readUntil: webhookWatermarks.readUntil }).from(webhookWatermarks).where(eq(webhookWatermarks.source, source));
  return row?.readUntil;
}

/**
 * Moves the watermark forward to `readUntil`, never backwards, in one statement: two sweeps finishing together
 * leave the later of their points.
 */
export async function advanceWatermark(db: Db, source: string, readUntil: Date): Promise<Date> {
  const [row] = await db
    .insert(webhookWatermarks)
    .values({ source, readUntil })
    .onConflictDoUpdate({
      target: webhookWatermarks.source,
      set: { readUntil: sql`greatest(${webhookWatermarks.readUntil}, excluded.read_until)`, updatedAt: sql`now()` },
    })
    .returning({ readUntil: webhookWatermarks.readUntil });
  return row!.readUntil;
}
