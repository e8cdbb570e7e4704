import { randomBytes } from 'node:crypto';
import { type Db, inTransaction } from '../db/client.js';
import { createAccount, withPasswordHash } from '../modules/auth/service.js';
import { backdateFlow, createFlow } from '../modules/flows/service.js';
import type { Economics } from '../modules/ledger/money.js';
import { hasNoAccountsForSeeding } from '../modules/users/service.js';
import { seedConsoleHistory } from './console.js';
import { demoAdmin, demoCreators, demoFlows, demoSubscriber } from './data.js';
import { dateLedgerEntries } from './dating.js';
import { type PayoutSettings, seedPayoutHistory, seedReadersAndCopies } from './history.js';

// The demo data, made through the same services as the API, the webhooks and the console (accounts, flows, sessions,
// copies through record_copy, subscriptions, payout runs, reports and moderation), never by writing other modules'
// tables: what the seed makes is what the product would have made. Only the dates of the history are set afterwards
// (dating.ts), so that it has a past.

export type SeedResult = { created: boolean; logins: { username: string; password: string; role: string }[] };

/** Defaults of HOLD_DAYS and MIN_PAYOUT_CENTS, for callers that do not pass the configured ones. */
const DEFAULT_PAYOUTS: PayoutSettings = { holdDays: 14, minPayoutCents: 1000 };
/** Whose first payout failed in the history (the console's failed payouts have one to show). */
const FAILING_PAYOUT_CREATOR = 'priya_growth';

/**
 * Demo creators, their flows, a member who can subscribe, an admin, and half a year of history: readers whose paid
 * periods copied premium flows (a few are still subscribed), the monthly payout runs that paid creators (one payout
 * failed), members' reports and the admin's console actions. Does nothing when the database has users. One unit of
 * work: the seed opens its transaction (`flowtab seed` and `flowtab start` call it).
 */
export async function seedDemoData(
  db: Db,
  options: { economics: Economics; payouts?: PayoutSettings; force?: boolean },
): Promise<SeedResult> {
  const logins = [
    ...demoCreators.map((c) => ({ username: c.username, password: c.password, role: 'creator' })),
    { username: demoSubscriber.username, password: demoSubscriber.password, role: 'member (subscribe to try premium)' },
    { username: demoAdmin.username, password: demoAdmin.password, role: 'admin (the operator console at /admin)' },
  ];
  // Every start but the first finds users: say so before hashing passwords (argon2 is slow on purpose, ~0.5 s here).
  if (!options.force && !(await inTransaction(db, hasNoAccountsForSeeding))) return { created: false, logins };
  // Hashed before the transaction: argon2 is slow on purpose.
  const accounts = await Promise.all([...demoCreators, demoSubscriber, demoAdmin].map((person) => withPasswordHash(person)));
  const readerHash = (await withPasswordHash({ ...demoSubscriber, password: randomBytes(18).toString('base64url') })).passwordHash;
  return inTransaction(db, async (tx) => {
    // Two processes seeding at once must not both insert: the first takes the lock, the second sees its users.
    if (!(await hasNoAccountsForSeeding(tx)) && !options.force) return { created: false, logins };

    const ids = new Map<string, string>();
    // Demo addresses count as verified (SPEC §13): the demo creators publish and connect without a mail round trip.
    const verifiedAt = new Date();
    for (const account of accounts) {
      const role = account.username === demoAdmin.username ? 'admin' : 'member';
      const user = await createAccount(tx, { ...account, role, emailVerifiedAt: verifiedAt });
      ids.set(account.username, user.id);
    }
    // Oldest first, so "new" puts the last ones on top.
    const premiumFlowIds: string[] = [];
    const flowIds = new Map<string, string>();
    for (const [index, flow] of demoFlows.entries()) {
      const authorId = ids.get(flow.author);
      if (!authorId) throw new Error(`seed flow "${flow.title}" names an unknown author ${flow.author}`);
      // Seeding stands in for an admin: demo flows may be featured.
      const view = await createFlow(tx, { id: authorId, role: 'admin', sessionId: undefined }, { ...flow, status: 'published' });
      await backdateFlow(tx, view.id, new Date(Date.now() - (demoFlows.length - index) * 3_600_000));
      flowIds.set(flow.title, view.id);
      if (view.is_premium) premiumFlowIds.push(view.id);
    }
    const { readers, currentInvoices } = await seedReadersAndCopies(tx, premiumFlowIds, readerHash, options.economics);
    const creators = new Map(demoCreators.map((c) => [c.username, ids.get(c.username)!]));
    await seedPayoutHistory(tx, creators, options.payouts ?? DEFAULT_PAYOUTS, FAILING_PAYOUT_CREATOR);
    await dateLedgerEntries(tx);
    await seedConsoleHistory(tx, {
      adminId: ids.get(demoAdmin.username)!,
      userIds: new Map([...ids, ...readers]),
      flowIds,
      // The longest-standing subscriber of those still subscribed (one whose current period has copies to reverse).
      refundable: currentInvoices[0],
      sharePercent: options.economics.creatorSharePercent,
    });
    return { created: true, logins };
  });
}
