import { and, eq, or, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { flows, users } from '../../db/schema.js';

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
