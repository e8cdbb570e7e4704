import { randomBytes } from 'node:crypto';
import { type Db, inTransaction, type Tx } from '../db/client.js';
import { createAccount, endAllSessions, openSession, withPasswordHash } from '../modules/auth/service.js';
import { CopyLimitError } from '../modules/copies/errors.js';
import { backdateCopiesOfPeriod, recordCopy } from '../modules/copies/service.js';
import { backdateFlow, createFlow } from '../modules/flows/service.js';
import type { Economics } from '../modules/ledger/money.js';
import { cancelDemoSubscription, recordDemoPaidPeriod } from '../modules/subscriptions/demo.js';
import { hasNoAccountsForSeeding } from '../modules/users/service.js';
import { demoCreators, demoFlows, demoSubscriber } from './data.js';

// The demo data, made through the same services as the API and the webhooks (accounts, flows, sessions, copies
// through record_copy, subscriptions), never by writing other modules' tables: what the seed makes is what the
// product would have made.

export type SeedResult = { created: boolean; logins: { username: string; password: string; role: string }[] };

const DEMO_READERS = 30;
const DAY_MS = 86_400_000;
// Seeding writes history, not live traffic: no per-minute copy limit (the largest int4).
const UNLIMITED = 2_147_483_647;

/**
 * Demo creators, their flows, a member who can subscribe, and two months of history: readers whose past (paid,
 * now ended) periods copied premium flows, so creators have earnings to see, withdraw and be paid. Does nothing when
 * the database has users. One unit of work: the seed opens its transaction (`flowtab seed` and `flowtab start` call it).
 */
export async function seedDemoData(db: Db, options: { economics: Economics; force?: boolean }): Promise<SeedResult> {
  const logins = [
    ...demoCreators.map((c) => ({ username: c.username, password: c.password, role: 'creator' })),
    { username: demoSubscriber.username, password: demoSubscriber.password, role: 'member (subscribe to try premium)' },
  ];
  // Hashed before the transaction: argon2 is slow on purpose.
  const accounts = await Promise.all([...demoCreators, demoSubscriber].map((person) => withPasswordHash(person)));
  const readerHash = (await withPasswordHash({ ...demoSubscriber, password: randomBytes(18).toString('base64url') })).passwordHash;
  return inTransaction(db, async (tx) => {
    // Two processes seeding at once must not both insert: the first takes the lock, the second sees its users.
    if (!(await hasNoAccountsForSeeding(tx)) && !options.force) return { created: false, logins };

    const ids = new Map<string, string>();
    // Demo addresses count as verified (SPEC §13): the demo creators publish and connect without a mail round trip.
    const verifiedAt = new Date();
    for (const account of accounts) {
      const user = await createAccount(tx, { ...account, emailVerifiedAt: verifiedAt });
      ids.set(account.username, user.id);
    }
    // Oldest first, so "new" puts the last ones on top.
    const premiumFlowIds: string[] = [];
    for (const [index, flow] of demoFlows.entries()) {
      const authorId = ids.get(flow.author);
      if (!authorId) throw new Error(`seed flow "${flow.title}" names an unknown author ${flow.author}`);
      // Seeding stands in for an admin: demo flows may be featured.
      const view = await createFlow(tx, { id: authorId, role: 'admin', sessionId: undefined }, { ...flow, status: 'published' });
      await backdateFlow(tx, view.id, new Date(Date.now() - (demoFlows.length - index) * 3_600_000));
      if (view.is_premium) premiumFlowIds.push(view.id);
    }
    await seedCopyHistory(tx, premiumFlowIds, readerHash, options.economics);
    return { created: true, logins };
  });
}

/**
 * Readers who subscribed for two months, ended half a month ago: each period paid, copying premium flows (some
 * more popular than others) through the same `record_copy` as the API. Their holds (period end + 14 days) have passed.
 */
async function seedCopyHistory(tx: Tx, premiumFlowIds: string[], passwordHash: string, economics: Economics) {
  const now = Date.now();
  const periods = [
    { start: new Date(now - 75 * DAY_MS), end: new Date(now - 45 * DAY_MS) },
    { start: new Date(now - 45 * DAY_MS), end: new Date(now - 15 * DAY_MS) },
  ];
  for (let reader = 1; reader <= DEMO_READERS; reader++) {
    const name = `reader${String(reader).padStart(2, '0')}`;
    const user = await createAccount(tx, { email: `${name}@demo.flowtab.pro`, username: `demo_${name}`, passwordHash, emailVerifiedAt: new Date() });
    const subscription = { id: `sub_demo_${name}`, userId: user.id, customerId: `cus_demo_${name}`, planAmountCents: 1000 };
    // Copies are made in a session, as through the API; it is ended once the history is written.
    const session = await openSession(tx, user.id, 'flowtab seed', new Date(now + DAY_MS));
    for (const [index, period] of periods.entries()) {
      const billingPeriod = await recordDemoPaidPeriod(tx, subscription, period, `in_demo_${name}_${index + 1}`);
      for (const [flowIndex, flowId] of premiumFlowIds.entries()) {
        // Some flows are popular, some are not: a fixed share of readers (25% to 100%) copies each one.
        const popularity = 0.25 + (0.75 * ((flowIndex * 37 + index * 11) % 100)) / 100;
        if (reader > DEMO_READERS * popularity) continue;
        await copyForHistory(tx, { userId: user.id, sessionId: session.id }, flowId, economics);
      }
      await backdateCopiesOfPeriod(tx, billingPeriod.id, period.start, 28);
    }
    await endAllSessions(tx, user.id);
    await cancelDemoSubscription(tx, subscription, periods[1]!, periods[1]!.end);
  }
}

/** A reader's copy, as the API records it; past the period's copy limit (a small COPY_LIMIT_PER_PERIOD) it is left out. */
async function copyForHistory(tx: Tx, session: { userId: string; sessionId: string }, flowId: string, economics: Economics) {
  try {
    await recordCopy(tx, session, flowId, { economics, copiesPerMinute: UNLIMITED });
  } catch (error) {
    if (!(error instanceof CopyLimitError)) throw error;
  }
}
