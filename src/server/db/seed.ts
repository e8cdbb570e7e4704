import { sql } from 'drizzle-orm';
import type { Db } from './client.js';
import { users } from './schema.js';
import { createAccount, withPasswordHash } from '../modules/auth/service.js';
import { createFlow } from '../modules/flows/service.js';
import { demoCreators, demoFlows, demoSubscriber } from './seed-data.js';

export type SeedResult = { created: boolean; logins: { username: string; password: string; role: string }[] };

/** Demo creators, their flows and a member who can subscribe. Does nothing when the database has users. */
export async function seedDemoData(db: Db, options: { force?: boolean } = {}): Promise<SeedResult> {
  const logins = [
    ...demoCreators.map((c) => ({ username: c.username, password: c.password, role: 'creator' })),
    { username: demoSubscriber.username, password: demoSubscriber.password, role: 'member (subscribe to try premium)' },
  ];
  // Hashed before the transaction: argon2 is slow on purpose.
  const accounts = await Promise.all([...demoCreators, demoSubscriber].map((person) => withPasswordHash(person)));
  return db.transaction(async (tx) => {
    // Two processes seeding at once must not both insert: the first takes the lock, the second sees its users.
    await tx.execute(sql`select pg_advisory_xact_lock(7340118)`);
    const [existing] = await tx.select({ count: sql<number>`count(*)::int` }).from(users);
    if ((existing?.count ?? 0) > 0 && !options.force) return { created: false, logins };

    const ids = new Map<string, string>();
    for (const account of accounts) {
      const user = await createAccount(tx, account);
      ids.set(account.username, user.id);
    }
    // Oldest first, so "new" puts the last ones on top.
    for (const [index, flow] of demoFlows.entries()) {
      const authorId = ids.get(flow.author);
      if (!authorId) throw new Error(`seed flow "${flow.title}" names an unknown author ${flow.author}`);
      // Seeding stands in for an admin: demo flows may be featured.
      const view = await createFlow(tx, { id: authorId, role: 'admin' }, { ...flow, status: 'published' });
      const createdAt = new Date(Date.now() - (demoFlows.length - index) * 3_600_000);
      await tx.execute(sql`update flows set created_at = ${createdAt}, updated_at = ${createdAt}, published_at = ${createdAt}
        where id = ${view.id}`);
    }
    return { created: true, logins };
  });
}
