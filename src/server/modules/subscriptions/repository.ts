import { and, desc, eq, inArray } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { subscriptions } from '../../db/schema.js';
import { GOOD_STANDING_STATUSES } from './standing.js';

export type SubscriptionRow = typeof subscriptions.$inferSelect;

export async function findGoodStandingSubscription(db: Db, userId: string): Promise<SubscriptionRow | undefined> {
  const [row] = await db
    .select()
    .from(subscriptions)
    .where(and(eq(subscriptions.userId, userId), inArray(subscriptions.status, GOOD_STANDING_STATUSES)))
    .orderBy(desc(subscriptions.currentPeriodEnd))
    .limit(1);
  return row;
}
