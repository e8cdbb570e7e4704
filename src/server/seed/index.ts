import { randomBytes } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { recordCopyAtomically } from '../modules/copies/repository.js';
import type { Economics } from '../modules/ledger/money.js';
import type { Db } from './client.js';
import { billingPeriods, flows, invoices, subscriptions, users } from './schema.js';
import { createAccount, withPasswordHash } from '../modules/auth/service.js';
import { insertSession, revokeAllSessions } from '../modules/auth/repository.js';
import { createFlow } from '../modules/flows/service.js';
import { demoCreators, demoFlows, demoSubscriber } from './seed-data.js';

export type SeedResult = { created: boolean; logins: { username: string; password: string; role: string }[] };

const DEMO_READERS = 30;
const DAY_MS = 86_400_000;
// Seeding writes history, not live traffic: no per-minute copy limit (the largest int4).
const UNLIMITED = 2_147_483_647;

/**
 * Demo creators, their flows, a member who can subscribe, and two months of history: readers whose past (paid,
 * now ended) periods copied premium flows, so creators have earnings to see, withdraw and be paid. Does nothing when
 * the database has users.
 */
export async function seedDemoData(db: Db, options: { economics: Economics; force?: boolean }): Promise<SeedResult> {
  const logins = [
    ...demoCreators.map((c) => ({ username: c.username, password: c.password, role: 'creator' })),
    { username: demoSubscriber.username, password: demoSubscriber.password, role: 'member (subscribe to try premium)' },
  ];
  // Hashed before the transaction: argon2 is slow on purpose.
  const accounts = await Promise.all([...demoCreators, demoSubscriber].map((person) => withPasswordHash(person)));
  const readerHash = (await withPasswordHash({ ...demoSubscriber, password: randomBytes(18).toString('base64url') })).passwordHash;
  return db.transaction(async (tx) => {
    // Two processes seeding at once must not both insert: the first takes the lock, the second sees its users.
    await tx.execute(sql`select pg_advisory_xact_lock(7340118)`);
    const [existing] = await tx.select({ count: sql<number>`count(*)::int` }).from(users);
    if ((existing?.count ?? 0) > 0 && !options.force) return { created: false, logins };

    const ids = new Map<string, string>();
    // Demo addresses count as verified (SPEC §13): the demo creators publish and connect without a mail round trip.
    const verifiedAt = new Date();
    for (const account of accounts) {
      const user = await createAccount(tx, { ...account, emailVerifiedAt: verifiedAt });
      ids.set(account.username, user.id);
    }
    // Oldest first, so "new" puts the last ones on top.
    for (const [index, flow] of demoFlows.entries()) {
      const authorId = ids.get(flow.author);
      if (!authorId) throw new Error(`seed flow "${flow.title}" names an unknown author ${flow.author}`);
      // Seeding stands in for an admin: demo flows may be featured.
      const view = await createFlow(tx, { id: authorId, role: 'admin', sessionId: undefined }, { ...flow, status: 'published' });
      const createdAt = new Date(Date.now() - (demoFlows.length - index) * 3_600_000);
      await tx.execute(sql`update flows set created_at = ${createdAt}, updated_at = ${createdAt}, published_at = ${createdAt}
        where id = ${view.id}`);
    }
    await seedCopyHistory(tx, readerHash, options.economics);
    return { created: true, logins };
  });
}

/**
 * Readers who subscribed for two months, ended half a month ago: each period paid, copying premium flows (some
 * more popular than others) through the same `record_copy` as the API. Their holds (period end + 14 days) have passed.
 */
async function seedCopyHistory(db: Db, passwordHash: string, economics: Economics) {
  const premium = await db.select({ id: flows.id }).from(flows).where(eq(flows.isPremium, true)).orderBy(flows.createdAt);
  const now = Date.now();
  const periods = [
    { start: new Date(now - 75 * DAY_MS), end: new Date(now - 45 * DAY_MS) },
    { start: new Date(now - 45 * DAY_MS), end: new Date(now - 15 * DAY_MS) },
  ];
  for (let reader = 1; reader <= DEMO_READERS; reader++) {
    const name = `reader${String(reader).padStart(2, '0')}`;
    const user = await createAccount(db, { email: `${name}@demo.flowtab.pro`, username: `demo_${name}`, passwordHash, emailVerifiedAt: new Date() });
    const subscriptionId = `sub_demo_${name}`;
    // Copies are made in a session, as through the API; it is ended once the history is written.
    const session = await insertSession(db, { userId: user.id, userAgent: 'flowtab seed', expiresAt: new Date(now + DAY_MS) });
    for (const [index, period] of periods.entries()) {
      await db
        .insert(subscriptions)
        .values({
          id: subscriptionId,
          userId: user.id,
          customerId: `cus_demo_${name}`,
          status: 'active',
          currentPeriodStart: period.start,
          currentPeriodEnd: period.end,
          planAmountCents: 1000,
        })
        .onConflictDoUpdate({ target: subscriptions.id, set: { currentPeriodStart: period.start, currentPeriodEnd: period.end } });
      const [billingPeriod] = await db
        .insert(billingPeriods)
        .values({
          subscriptionId,
          userId: user.id,
          periodStart: period.start,
          periodEnd: period.end,
          status: 'paid',
          basisCents: 1000,
          amountPaidCents: 1000,
          paidAt: period.start,
          invoiceId: `in_demo_${name}_${index + 1}`,
        })
        .returning({ id: billingPeriods.id });
      await db.insert(invoices).values({
        id: `in_demo_${name}_${index + 1}`,
        subscriptionId,
        customerId: `cus_demo_${name}`,
        billingPeriodId: billingPeriod!.id,
        status: 'paid',
        subtotalCents: 1000,
        totalCents: 1000,
        amountDueCents: 1000,
        amountPaidCents: 1000,
        collectedCents: 1000,
        paidAt: period.start,
      });
      for (const [flowIndex, flow] of premium.entries()) {
        // Some flows are popular, some are not: a fixed share of readers (25% to 100%) copies each one.
        const popularity = 0.25 + (0.75 * ((flowIndex * 37 + index * 11) % 100)) / 100;
        if (reader > DEMO_READERS * popularity) continue;
        await recordCopyAtomically(db, { userId: user.id, sessionId: session.id, flowRef: flow.id, economics, copiesPerMinute: UNLIMITED });
      }
      await db.execute(sql`update copies set copied_at = ${period.start}::timestamptz + random() * interval '28 days'
        where billing_period_id = ${billingPeriod!.id}`);
    }
    await revokeAllSessions(db, user.id);
    await db
      .update(subscriptions)
      .set({ status: 'canceled', canceledAt: periods[1]!.end })
      .where(eq(subscriptions.id, subscriptionId));
  }
}
