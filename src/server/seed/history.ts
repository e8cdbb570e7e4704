import type { Tx } from '../db/client.js';
import { endAllSessions, openSession } from '../modules/auth/service.js';
import { createAccount } from '../modules/auth/service.js';
import { CopyLimitError } from '../modules/copies/errors.js';
import { createCopyRecorder } from '../modules/copies/recorder.js';
import { backdateCopiesOfPeriod, recordCopy } from '../modules/copies/service.js';
import type { Economics } from '../modules/ledger/money.js';
import { releaseHeldEarnings } from '../modules/ledger/service.js';
import { claimPayout, linkConnectAccount, lockPayableCreators, reservePayouts, setPayoutsEnabledByAccount } from '../modules/payouts/repository.js';
import { runKeyFor } from '../modules/payouts/rules.js';
import { settleFailedPayout, settlePaidPayout } from '../modules/payouts/sending.js';
import { cancelDemoSubscription, type DemoSubscription, recordDemoPaidPeriod } from '../modules/subscriptions/demo.js';
import { dateCopyHistory, dateUndatedHistory, disconnectDemoAccounts } from './dating.js';

// The demo's money history: readers who subscribed over half a year (a growing audience, some leaving each month),
// copying premium flows through the same `record_copy` as the API, and the monthly payout runs that paid creators
// from it (one of them failed). All of it through the modules' own steps; only the dates are set afterwards
// (dating.ts), so the console's monthly figures have a past.

const DAY_MS = 86_400_000;
const DEMO_READERS = 30;
/** Monthly periods (30 days): slot 6 is the current one (began 15 days ago), slot 0 began 195 days ago. */
const SLOTS = 7;
const SLOT_DAYS = 30;
// Seeding writes history, not live traffic: no per-minute copy limit (the largest int4).
const UNLIMITED = 2_147_483_647;

export type PayoutSettings = { holdDays: number; minPayoutCents: number };

function slotPeriod(slot: number, now: number): { start: Date; end: Date } {
  const start = now - (15 + SLOT_DAYS * (SLOTS - 1 - slot)) * DAY_MS;
  return { start: new Date(start), end: new Date(start + SLOT_DAYS * DAY_MS) };
}

/**
 * Reader `index` (0-based) subscribes in slot ⌊index/5⌋ for 1 to 3 periods (a few are still subscribed now): five
 * new subscribers a month, a growing number active, some leaving each month.
 */
function readerSlots(index: number): { first: number; count: number } {
  const first = Math.floor((index * (SLOTS - 1)) / DEMO_READERS);
  return { first, count: Math.min(SLOTS - first, 1 + ((index * 7) % 3)) };
}

/** A still-subscribed reader's current invoice, paid by a demo payment (`pi_demo_*`) that a demo charge can name. */
export type CurrentInvoice = { userId: string; username: string; customerId: string; invoiceId: string; paymentIntentId: string; amountCents: number };

/** The readers (their ids by username), their copy history, and the current invoices of those still subscribed. */
export async function seedReadersAndCopies(
  tx: Tx,
  premiumFlowIds: string[],
  passwordHash: string,
  economics: Economics,
): Promise<{ readers: Map<string, string>; currentInvoices: CurrentInvoice[] }> {
  const now = Date.now();
  const readers = new Map<string, string>();
  const currentInvoices: CurrentInvoice[] = [];
  for (let index = 0; index < DEMO_READERS; index++) {
    const name = `reader${String(index + 1).padStart(2, '0')}`;
    const user = await createAccount(tx, { email: `${name}@demo.flowtab.pro`, username: `demo_${name}`, passwordHash, emailVerifiedAt: new Date() });
    readers.set(user.username, user.id);
    const subscription: DemoSubscription = { id: `sub_demo_${name}`, userId: user.id, customerId: `cus_demo_${name}`, planAmountCents: 1000 };
    // Copies are made in a session, as through the API; it is ended once the history is written.
    const session = await openSession(tx, user.id, 'flowtab seed', new Date(now + DAY_MS));
    const { first, count } = readerSlots(index);
    let last = slotPeriod(first, now);
    for (let slot = first; slot < first + count; slot++) {
      const period = slotPeriod(slot, now);
      last = period;
      const invoiceId = `in_demo_${name}_${slot + 1}`;
      const isCurrent = period.end.getTime() > now;
      const paymentIntentId = isCurrent ? `pi_demo_${name}_${slot + 1}` : undefined;
      const billingPeriod = await recordDemoPaidPeriod(tx, subscription, period, invoiceId, paymentIntentId);
      if (paymentIntentId) {
        const { customerId, planAmountCents: amountCents } = subscription;
        currentInvoices.push({ userId: user.id, username: user.username, customerId, invoiceId, paymentIntentId, amountCents });
      }
      for (const [flowIndex, flowId] of premiumFlowIds.entries()) {
        // Some flows are popular, some are not: a fixed share of readers (25% to 100%) copies each one.
        const popularity = 0.25 + (0.75 * ((flowIndex * 37 + slot * 11) % 100)) / 100;
        if (index + 1 > DEMO_READERS * popularity) continue;
        await copyForHistory(tx, { userId: user.id, sessionId: session.id }, flowId, economics);
      }
      // The current period's copies were made in its first half (before now).
      const days = Math.min(28, Math.floor((now - period.start.getTime()) / DAY_MS) - 1);
      await backdateCopiesOfPeriod(tx, billingPeriod.id, period.start, days);
    }
    await endAllSessions(tx, user.id);
    // Readers whose last period has ended left then; the others are still subscribed.
    if (last.end.getTime() <= now) await cancelDemoSubscription(tx, subscription, last, last.end);
  }
  await dateCopyHistory(tx);
  return { readers, currentInvoices };
}

/** A reader's copy, as the API records it; past the period's copy limit (a small COPY_LIMIT_PER_PERIOD) it is left out. */
async function copyForHistory(tx: Tx, session: { userId: string; sessionId: string }, flowId: string, economics: Economics) {
  try {
    await recordCopy(createCopyRecorder(tx, { economics, copiesPerMinute: UNLIMITED }), session, flowId);
  } catch (error) {
    if (!(error instanceof CopyLimitError)) throw error;
  }
}

/**
 * The monthly payout runs of the past (the 1st of each month, 06:00 UTC, as PAYOUT_CRON): each releases what its hold
 * let go and pays every creator whose available balance reached the minimum, through the payout module's own steps
 * (reserve, claim, settle) with a demo transfer id instead of a Stripe call. The first payout of `failingCreator`
 * failed (its money went back to available, and the next run paid it). The demo creators' connected accounts exist only for these runs: they
 * are disconnected afterwards, so each demo login can try Connect onboarding on the emulator.
 */
export async function seedPayoutHistory(tx: Tx, creators: Map<string, string>, settings: PayoutSettings, failingCreator: string) {
  const now = new Date();
  for (const [username, id] of creators) {
    await linkConnectAccount(tx, id, `acct_demo_${username}`);
    await setPayoutsEnabledByAccount(tx, `acct_demo_${username}`, true);
  }
  const creatorIds = [...creators.values()];
  const runs: Date[] = [];
  const start = slotPeriod(0, now.getTime()).start;
  for (let month = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1, 6)); month < now; ) {
    runs.push(month);
    month = new Date(Date.UTC(month.getUTCFullYear(), month.getUTCMonth() + 1, 1, 6));
  }
  const failingId = creators.get(failingCreator);
  let hasFailed = false;
  for (const runAt of runs) {
    await releaseHeldEarnings(tx, { asOf: runAt, holdDays: settings.holdDays, batchSize: 10_000 });
    const locked = await lockPayableCreators(tx, creatorIds, { skipLocked: false });
    const reserved = await reservePayouts(tx, { creatorIds: locked, runKey: runKeyFor(runAt), kind: 'scheduled', minCents: settings.minPayoutCents });
    for (const payout of reserved) {
      const claimed = (await claimPayout(tx, payout.id, 0))!;
      if (payout.creatorId === failingId && !hasFailed) {
        // The failing creator's first payout: its money is available again, and the next run pays it.
        hasFailed = true;
        await settleFailedPayout(tx, claimed, 'The connected account’s bank rejected the transfer (account_closed)');
      } else {
        await settlePaidPayout(tx, payout.id, `tr_demo_${payout.id.slice(0, 8)}`);
      }
    }
    await dateUndatedHistory(tx, runAt);
  }
  // And what the release job (every ten minutes) let go since the last run: the demo starts as a running product
  // stands. Otherwise the job's first tick after a start made money available under a creator's eyes.
  await releaseHeldEarnings(tx, { asOf: now, holdDays: settings.holdDays, batchSize: 10_000 });
  await disconnectDemoAccounts(tx);
}
