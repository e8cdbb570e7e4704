import { and, asc, eq, isNull, lt, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { stripeEvents } from '../../db/schema.js';

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

/** Locks an unprocessed event for this transaction; a concurrent delivery of the same event waits, then finds it done. */
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
    .set({ processedAt: new Date(), attempts: sql`${stripeEvents.attempts} + 1`, lastError: null })
    .where(eq(stripeEvents.id, id));
}

export async function recordEventFailure(db: Db, id: string, error: string) {
  await db
    .update(stripeEvents)
    .set({ attempts: sql`${stripeEvents.attempts} + 1`, lastError: error.slice(0, 2000) })
    .where(eq(stripeEvents.id, id));
}

export async function listUnprocessedEvents(db: Db, receivedBefore: Date, limit: number): Promise<{ id: string }[]> {
  return db
    .select({ id: stripeEvents.id })
    .from(stripeEvents)
    .where(and(isNull(stripeEvents.processedAt), lt(stripeEvents.receivedAt, receivedBefore)))
    .orderBy(asc(stripeEvents.stripeCreatedAt))
    .limit(limit);
}

export async function latestEventTime(db: Db): Promise<Date | undefined> {
  const [row] = await db.select({ latest: sql<string | null>`max(${stripeEvents.stripeCreatedAt})` }).from(stripeEvents);
  return row?.latest ? new Date(row.latest) : undefined;
}
