import { and, eq, sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { inTransaction } from '../src/server/db/client.js';
import { billingPeriods, copies, ledgerEntries, periodEarnings, subscriptions } from '../src/server/db/schema.js';
import { reconcileLedger } from '../src/server/modules/ledger/reconcile.js';
import { creatorBalances } from '../src/server/modules/ledger/repository.js';
import { releaseHeldEarnings, voidPeriodEarnings } from '../src/server/modules/ledger/service.js';
import { transitionBillingPeriod } from '../src/server/modules/periods/repository.js';
import { buildApp } from '../src/server/app.js';
import { createContext } from '../src/server/context.js';
import { RECONCILE_CHECKS } from '../src/server/reconcile-checks.js';
import { createFlow, createMember, giveSubscription, type Member } from './factories.js';
import { expectReconciled } from './support/reconcile.js';
import { createTestApp, type TestApp } from './support/app.js';

// Small numbers keep the scenarios short: 3 paid copies per period, 429 at the 5th copy.
const ENV = { PAID_COPIES_PER_PERIOD: '3', COPY_LIMIT_PER_PERIOD: '5' };

let t: TestApp;
let author: Member;
beforeAll(async () => {
  t = await createTestApp(ENV);
  author = await createMember(t);
});
afterAll(() => t.close());
afterEach(() => expectReconciled(t));

const copy = (member: Member, ref: string) => t.request({ method: 'POST', url: `/v1/flows/${ref}/copy`, token: member.token });

async function subscriber(options?: Parameters<typeof giveSubscription>[3]) {
  const member = await createMember(t);
  const { periodId } = await giveSubscription(t, member, 'active', options);
  return { member, periodId };
}

describe('POST /v1/flows/{id or slug}/copy', () => {
  it('200: returns the text and the counts, pays the creator 7¢, by slug or by id', async () => {
    const flow = await createFlow(t, author);
    const other = await createFlow(t, author);
    const { member } = await subscriber({ isPaid: true });
    const first = await copy(member, flow.slug);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      flow_id: flow.id,
      copies_this_month: 1,
      copies_remaining: 2,
      payout_earned: 7,
      counted_for_payout: true,
      text: flow.body,
      period_end: expect.any(String),
    });
    const second = await copy(member, other.id);
    expect(second.body).toMatchObject({ copies_this_month: 2, copies_remaining: 1, payout_earned: 7 });
    expect(await creatorBalances(t.database.db, author.id)).toMatchObject({ creator_held: expect.any(Number) });
  });

  it('404 for a missing, draft or archived flow', async () => {
    const { member } = await subscriber();
    expect((await copy(member, 'no-such-flow')).status).toBe(404);
    const draft = await createFlow(t, author, { status: 'draft' });
    expect((await copy(member, draft.slug)).status).toBe(404);
    const archived = await createFlow(t, author);
    await t.request({ method: 'DELETE', url: `/v1/flows/${archived.id}`, token: author.token });
    expect((await copy(member, archived.slug)).status).toBe(404);
  });

  it('401 for guests; 403 "Premium subscription required" for members without one, and past_due members', async () => {
    const flow = await createFlow(t, author);
    expect((await t.request({ method: 'POST', url: `/v1/flows/${flow.slug}/copy` })).status).toBe(401);
    const member = await createMember(t);
    const denied = await copy(member, flow.slug);
    expect(denied.status).toBe(403);
    expect(denied.body).toMatchObject({ title: 'Premium subscription required', type: expect.stringContaining('subscription-required') });
    const lapsed = await createMember(t);
    await giveSubscription(t, lapsed, 'past_due');
    const pastDue = await copy(lapsed, flow.slug);
    expect(pastDue.status).toBe(403);
    expect(pastDue.body.type).toContain('subscription-past-due');
    expect(await t.database.db.select().from(copies).where(eq(copies.userId, lapsed.id))).toHaveLength(0);
  });

  it('409 for a second copy of the same flow in the period, with the counts and the text, counted once', async () => {
    const flow = await createFlow(t, author);
    const { member, periodId } = await subscriber();
    expect((await copy(member, flow.slug)).status).toBe(200);
    const again = await copy(member, flow.id);
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ title: 'Already copied this period', copies_this_month: 1, copies_remaining: 2, text: flow.body });
    const [period] = await t.database.db.select().from(billingPeriods).where(eq(billingPeriods.id, periodId));
    expect(period).toMatchObject({ copiesCount: 1, countedCopies: 1, earnedCents: 7 });
  });

  it('copies past the paid cap are free and recorded; 429 at the fair-use limit changes nothing', async () => {
    const { member, periodId } = await subscriber();
    const flows = await Promise.all(Array.from({ length: 6 }, () => createFlow(t, author)));
    const results = [];
    for (const flow of flows) results.push(await copy(member, flow.slug));
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 429]);
    expect(results.map((r) => r.body.payout_earned)).toEqual([7, 7, 7, 0, 0, undefined]);
    expect(results[3]!.body).toMatchObject({ counted_for_payout: false, copies_remaining: 0, copies_this_month: 4 });
    expect(results[5]!.body).toMatchObject({ title: 'Copy limit reached', copies_this_month: 5, copies_remaining: 0 });
    const recorded = await t.database.db.select().from(copies).where(eq(copies.billingPeriodId, periodId));
    expect(recorded).toHaveLength(5);
    expect(recorded.filter((c) => c.isCounted)).toHaveLength(3);
  });

  it('never counts self-copies or free flows', async () => {
    const { member: creator } = await subscriber();
    const own = await createFlow(t, creator);
    const free = await createFlow(t, author, { is_premium: false });
    const self = await copy(creator, own.slug);
    expect(self.body).toMatchObject({ counted_for_payout: false, payout_earned: 0, copies_this_month: 1, copies_remaining: 3 });
    const freeCopy = await copy(creator, free.slug);
    expect(freeCopy.body).toMatchObject({ counted_for_payout: false, payout_earned: 0, copies_this_month: 2 });
  });

  it('members without a subscription may copy free flows, unpaid and uncounted', async () => {
    const free = await createFlow(t, author, { is_premium: false });
    const member = await createMember(t);
    const first = await copy(member, free.slug);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ counted_for_payout: false, payout_earned: 0, copies_remaining: 0, period_end: null, text: free.body });
  });

  it('free copies are deduplicated too: 30 copies of one free flow (some at once) make one copy and move copy_count by one', async () => {
    const free = await createFlow(t, author, { is_premium: false });
    const member = await createMember(t);
    const first = await copy(member, free.slug);
    expect(first.status).toBe(200);
    const repeats = [...(await Promise.all(Array.from({ length: 10 }, () => copy(member, free.slug))))];
    for (let i = 0; i < 19; i++) repeats.push(await copy(member, free.slug));
    for (const repeat of repeats) {
      expect(repeat.status).toBe(409);
      expect(repeat.body).toMatchObject({ type: expect.stringMatching(/already-copied$/), text: free.body, flow_id: free.id });
    }
    const rows = await t.database.db.select().from(copies).where(and(eq(copies.flowId, free.id), eq(copies.userId, member.id)));
    expect(rows).toHaveLength(1);
    expect((await t.request({ method: 'GET', url: `/v1/flows/${free.slug}` })).body.copy_count).toBe(1);
  });

  it('the per-minute copy limit is per member and shared by every process: 429 with Retry-After, nothing recorded', async () => {
    const limited = await createTestApp({ RATE_LIMIT_COPY_PER_MINUTE: '3' });
    const second = await buildApp(await createContext(limited.config, { database: limited.database, stripe: limited.stripeSetup }));
    try {
      const creator = await createMember(limited);
      const free = [];
      for (let i = 0; i < 5; i++) free.push(await createFlow(limited, creator, { is_premium: false }));
      const member = await createMember(limited);
      const statuses = [];
      for (const [i, flow] of free.entries()) {
        // Alternate between the two processes: the count lives in the database, not in either of them.
        const response =
          i % 2 === 0
            ? await limited.request({ method: 'POST', url: `/v1/flows/${flow.slug}/copy`, token: member.token })
            : await second.inject({ method: 'POST', url: `/v1/flows/${flow.slug}/copy`, headers: { authorization: `Bearer ${member.token}` } });
        const status = 'status' in response ? response.status : response.statusCode;
        statuses.push(status);
        if (status === 429) {
          const headers = response.headers as Record<string, unknown>;
          expect(Number(headers['retry-after'])).toBeGreaterThan(0);
          expect(String(headers['content-type'])).toContain('application/problem+json');
        }
      }
      expect(statuses).toEqual([200, 200, 200, 429, 429]);
      expect(await limited.database.db.select().from(copies).where(eq(copies.userId, member.id))).toHaveLength(3);
      // Another member has a budget of their own.
      const other = await createMember(limited);
      expect((await limited.request({ method: 'POST', url: `/v1/flows/${free[4]!.slug}/copy`, token: other.token })).status).toBe(200);
    } finally {
      await second.close();
      await limited.close();
    }
  });

  it('a copy made after the period ended, before the renewal’s webhooks arrive, counts in the new period (pending)', async () => {
    const member = await createMember(t);
    const { subscriptionId, periodId } = await giveSubscription(t, member, 'active', { isPaid: true });
    // Our mirror still shows a period that ended an hour ago: Stripe has renewed, its webhooks are late.
    const end = new Date(Date.now() - 3_600_000);
    const start = new Date(end.getTime() - 30 * 86_400_000);
    await t.database.db.update(subscriptions).set({ currentPeriodStart: start, currentPeriodEnd: end }).where(eq(subscriptions.id, subscriptionId));
    await t.database.db.update(billingPeriods).set({ periodStart: start, periodEnd: end }).where(eq(billingPeriods.id, periodId));
    const response = await copy(member, (await createFlow(t, author)).slug);
    expect(response.body).toMatchObject({ counted_for_payout: true, copies_this_month: 1 });
    const periods = await t.database.db.select().from(billingPeriods).where(eq(billingPeriods.subscriptionId, subscriptionId));
    const next = periods.find((p) => p.id !== periodId)!;
    expect(next).toMatchObject({ periodStart: end, status: 'open', copiesCount: 1, countedCopies: 1 });
    expect(periods.find((p) => p.id === periodId)).toMatchObject({ copiesCount: 0 });
    const [earning] = await t.database.db.select().from(periodEarnings).where(eq(periodEarnings.billingPeriodId, next.id));
    expect(earning).toMatchObject({ state: 'pending' });
  });

  it('stops paying when the period’s pool is used up (a coupon halves it)', async () => {
    const pricey = await createTestApp({ RATE_PER_COPY_CENTS: '100', PAID_COPIES_PER_PERIOD: '100' });
    try {
      const creator = await createMember(pricey);
      const member = await createMember(pricey);
      // Half price: the pool is floor(70% × 500¢) = 350¢, so three copies at 100¢ are paid and the fourth is free.
      await giveSubscription(pricey, member, 'active', { basisCents: 500, isPaid: true });
      const flows = await Promise.all(Array.from({ length: 4 }, () => createFlow(pricey, creator)));
      const earned = [];
      for (const flow of flows) earned.push((await pricey.request({ method: 'POST', url: `/v1/flows/${flow.slug}/copy`, token: member.token })).body.payout_earned);
      expect(earned).toEqual([100, 100, 100, 0]);
      await expectReconciled(pricey);
    } finally {
      await pricey.close();
    }
  });
});

describe('the earnings lifecycle', () => {
  it('pending while the invoice is unpaid, voided if it never is', async () => {
    const { member, periodId } = await subscriber({ isPaid: false });
    const creator = await createMember(t);
    await copy(member, (await createFlow(t, creator)).slug);
    expect(await creatorBalances(t.database.db, creator.id)).toEqual({ creator_pending: 7 });
    await inTransaction(t.database.db, async (tx) => {
      expect(await transitionBillingPeriod(tx, periodId, 'void')).toBe(true);
      await voidPeriodEarnings(tx, periodId);
      await voidPeriodEarnings(tx, periodId); // twice: nothing more
    });
    expect(await creatorBalances(t.database.db, creator.id)).toEqual({ creator_pending: 0 });
  });

  it('held after payment, available once the hold has passed, released once', async () => {
    const { member, periodId } = await subscriber({ isPaid: true });
    const creator = await createMember(t);
    await copy(member, (await createFlow(t, creator)).slug);
    await copy(member, (await createFlow(t, creator)).slug);
    expect(await creatorBalances(t.database.db, creator.id)).toEqual({ creator_held: 14 });
    const [period] = await t.database.db.select().from(billingPeriods).where(eq(billingPeriods.id, periodId));
    const holdEnds = new Date(period!.periodEnd.getTime() + t.config.holdDays * 86_400_000);

    await inTransaction(t.database.db, (tx) => releaseHeldEarnings(tx, { asOf: new Date(holdEnds.getTime() - 1000), holdDays: t.config.holdDays }));
    expect(await creatorBalances(t.database.db, creator.id)).toEqual({ creator_held: 14 });
    const [first, second] = await Promise.all([
      inTransaction(t.database.db, (tx) => releaseHeldEarnings(tx, { asOf: holdEnds, holdDays: t.config.holdDays })),
      inTransaction(t.database.db, (tx) => releaseHeldEarnings(tx, { asOf: holdEnds, holdDays: t.config.holdDays })),
    ]);
    expect(first + second).toBeGreaterThanOrEqual(1);
    expect(await creatorBalances(t.database.db, creator.id)).toEqual({ creator_held: 0, creator_available: 14 });
    const [row] = await t.database.db.select().from(periodEarnings).where(and(eq(periodEarnings.creatorId, creator.id)));
    expect(row?.state).toBe('available');
  });

  it('ledger entries are immutable and every transaction balances', async () => {
    const { member } = await subscriber({ isPaid: true });
    await copy(member, (await createFlow(t, author)).slug);
    await expect(t.database.db.execute(sql`update ledger_entries set amount_cents = amount_cents + 1`)).rejects.toThrow();
    await expect(t.database.db.execute(sql`delete from ledger_entries`)).rejects.toThrow();
    const unbalanced = t.database.db.transaction(async (tx) => {
      const [entry] = await tx.select().from(ledgerEntries).limit(1);
      await tx.insert(ledgerEntries).values({ transactionId: entry!.transactionId, account: 'platform_creator_expense', amountCents: 1 });
    });
    await expect(unbalanced).rejects.toThrow();
  });

  it('reconcile finds a counted copy by its ledger transaction’s key, and reports one that has none', async () => {
    const { member, periodId } = await subscriber({ isPaid: true });
    const flow = await createFlow(t, author);
    await copy(member, flow.slug);
    const checks = RECONCILE_CHECKS.filter((check) => check.name === 'every counted copy has its ledger entries');
    const input = { sharePercent: t.config.economics.creatorSharePercent, paidCap: t.config.economics.paidCopiesPerPeriod };
    expect((await reconcileLedger(t.database.db, input, checks)).failures).toEqual([]);
    // A counted copy written around record_copy, with no ledger transaction: found, in a transaction rolled back.
    const uncopied = await createFlow(t, author);
    const found = t.database.db.transaction(async (tx) => {
      const [orphan] = await tx
        .insert(copies)
        .values({ userId: member.id, flowId: uncopied.id, creatorId: author.id, billingPeriodId: periodId, isCounted: true, payoutCents: 7 })
        .returning({ id: copies.id });
      expect((await reconcileLedger(tx, input, checks)).failures).toEqual([
        { check: 'every counted copy has its ledger entries', detail: `counted copy ${orphan!.id} has no ledger transaction` },
      ]);
      tx.rollback();
    });
    await expect(found).rejects.toThrow('Rollback');
  });
});

describe('GET /v1/copies/me and the creator read endpoints', () => {
  it('lists this period’s copies and the creator’s earnings, per flow and by month — only the caller’s own', async () => {
    const creator = await createMember(t);
    const flow = await createFlow(t, creator);
    const { member } = await subscriber({ isPaid: true });
    await copy(member, flow.slug);
    const mine = await t.request({ method: 'GET', url: '/v1/copies/me', token: member.token });
    expect(mine.body.items).toHaveLength(1);
    expect(mine.body.items[0]).toMatchObject({ counted_for_payout: true, payout_earned: 7, flow: { id: flow.id, slug: flow.slug } });

    const earnings = await t.request({ method: 'GET', url: '/v1/creators/me/earnings', token: creator.token });
    expect(earnings.body).toMatchObject({
      pending_cents: 0,
      held_cents: 7,
      available_cents: 0,
      paid_cents: 0,
      total_earnings_cents: 7,
      balance_cents: 0,
      connect: { status: 'not_connected', account_id: null },
      payouts: [],
      can_withdraw: false,
      min_payout_cents: 1000,
    });
    expect(earnings.body.monthly_earnings).toEqual([{ month: new Date().toISOString().slice(0, 7), copy_count: 1, amount_cents: 7, status: 'held' }]);
    const perFlow = await t.request({ method: 'GET', url: '/v1/creators/me/flows', token: creator.token });
    expect(perFlow.body.items).toEqual([
      expect.objectContaining({ flow_id: flow.id, copy_count: 1, counted_copies: 1, earnings_cents: 7 }),
    ]);
    const stranger = await t.request({ method: 'GET', url: '/v1/creators/me/earnings', token: member.token });
    expect(stranger.body.total_earnings_cents).toBe(0);
    expect((await t.request({ method: 'GET', url: '/v1/creators/me/earnings' })).status).toBe(401);
    const view = await t.request({ method: 'GET', url: `/v1/flows/${flow.slug}` });
    expect(view.body.copy_count).toBe(1);
  });
});
