import { asc, eq } from 'drizzle-orm';
import type Stripe from 'stripe';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { billingPeriods, copies, ledgerEntries, periodEarnings } from '../src/server/db/schema.js';
import { creatorBalances } from '../src/server/modules/ledger/repository.js';
import { CARDS, createFlow, createMember, DAY, deliverSignedEvent, flushWebhooks, type Member, subscribeThroughCheckout } from './factories.js';
import { createTestApp, type TestApp } from './support/app.js';
import { expectReconciled } from './support/reconcile.js';

// Renewals as Stripe does them (SPEC §4, §7), through the emulator and its webhooks: at the period end the period
// advances and a draft invoice is made; an hour later it is finalized and charged. A failed charge makes the member
// past_due and is retried 1, 3 and 5 days later; the renewal's earnings wait pending, become held if a retry pays,
// and are voided when Stripe gives up (invoice uncollectible, subscription canceled).

const HOUR = 3600;

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({}, { stripe: true });
});
afterAll(() => t?.close());
afterEach(() => expectReconciled(t));

type Creator = Member & { premium: string[]; free: string[] };

async function createCreator(): Promise<Creator> {
  const member = await createMember(t);
  const premium = [];
  for (let i = 0; i < 4; i++) premium.push((await createFlow(t, member)).slug);
  const free = [];
  for (let i = 0; i < 2; i++) free.push((await createFlow(t, member, { is_premium: false })).slug);
  return { ...member, premium, free };
}

const copy = (member: Member, slug: string) => t.request({ method: 'POST', url: `/v1/flows/${slug}/copy`, token: member.token });
const me = async (member: Member) => (await t.request({ method: 'GET', url: '/v1/subscriptions/me', token: member.token })).body;
const periodsOf = (member: Member) =>
  t.database.db.select().from(billingPeriods).where(eq(billingPeriods.userId, member.id)).orderBy(asc(billingPeriods.periodStart));
const earningsOf = (periodId: string) =>
  t.database.db.select({ state: periodEarnings.state, netCents: periodEarnings.netCents }).from(periodEarnings).where(eq(periodEarnings.billingPeriodId, periodId));
const balancesOf = (creator: Member) => creatorBalances(t.database.db, creator.id);

/** Moves the emulator's clock to `at` (renewals, finalizations, retries happen in order) and waits for the webhooks. */
async function advanceTo(at: number) {
  await t.emulator('/_emulator/advance', { to: String(at) });
  await flushWebhooks(t);
}

/** Subscribes through Checkout with `card`; the Stripe subscription and when its first period ends. */
async function subscriber(card: string = CARDS.pays) {
  const member = await createMember(t);
  await subscribeThroughCheckout(t, member, card);
  const customer = (await t.ctx.stripe.raw.customers.list({ email: member.email })).data[0]!;
  const subscription = (await t.ctx.stripe.raw.subscriptions.list({ customer: customer.id })).data[0]!;
  const periodEnd = subscription.items.data[0]!.current_period_end;
  return { member, customerId: customer.id, subscriptionId: subscription.id, periodEnd, firstAttempt: periodEnd + HOUR };
}

const remote = {
  subscription: (id: string) => t.ctx.stripe.raw.subscriptions.retrieve(id),
  latestInvoice: async (subscriptionId: string) => t.ctx.stripe.raw.invoices.retrieve((await remote.subscription(subscriptionId)).latest_invoice as string),
};

/** Every event of the customer on the emulator, oldest first. */
async function eventsOfCustomer(customerId: string): Promise<Stripe.Event[]> {
  const events = await t.ctx.stripe.raw.events.list({ limit: 100 }).autoPagingToArray({ limit: 10_000 });
  return events.filter((e) => JSON.stringify(e.data.object).includes(customerId)).reverse();
}

describe('a renewal paid at finalization', () => {
  it('draft for an hour, then open and paid: copies made meanwhile count in the new period, pending, then held', async () => {
    const creator = await createCreator();
    const { member, subscriptionId, periodEnd } = await subscriber();

    await advanceTo(periodEnd + 60);
    const draft = await remote.latestInvoice(subscriptionId);
    expect(draft).toMatchObject({ status: 'draft', billing_reason: 'subscription_cycle', period_start: periodEnd });
    expect(await me(member)).toMatchObject({ is_subscriber: true, status: 'active', current_period_start: new Date(periodEnd * 1000).toISOString() });
    let periods = await periodsOf(member);
    expect(periods.map((p) => p.status)).toEqual(['paid', 'open']);
    const renewal = periods[1]!;
    expect(renewal).toMatchObject({ invoiceId: draft.id, amountPaidCents: 0 });

    for (const slug of creator.premium.slice(0, 2)) expect((await copy(member, slug)).body).toMatchObject({ counted_for_payout: true, payout_earned: 7 });
    expect((await copy(member, creator.free[0]!)).body).toMatchObject({ counted_for_payout: false, payout_earned: 0 });
    const made = await t.database.db.select().from(copies).where(eq(copies.userId, member.id));
    expect(made.map((c) => c.billingPeriodId)).toEqual([renewal.id, renewal.id, renewal.id]);
    expect(await earningsOf(renewal.id)).toEqual([{ state: 'pending', netCents: 14 }]);
    expect(await balancesOf(creator)).toEqual({ creator_pending: 14 });

    await advanceTo(periodEnd + HOUR);
    expect(await remote.latestInvoice(subscriptionId)).toMatchObject({ id: draft.id, status: 'paid', amount_paid: 1000, attempt_count: 1 });
    periods = await periodsOf(member);
    expect(periods.map((p) => p.status)).toEqual(['paid', 'paid']);
    expect(periods[1]).toMatchObject({ id: renewal.id, amountPaidCents: 1000 });
    expect(await earningsOf(renewal.id)).toEqual([{ state: 'held', netCents: 14 }]);
    expect(await balancesOf(creator)).toEqual({ creator_pending: 0, creator_held: 14 });
  });
});

describe('a renewal whose charge fails', () => {
  it('past_due after the failed attempt, retried 1, 3 and 5 days later, then canceled and uncollectible: its pending earnings are voided', async () => {
    const creator = await createCreator();
    const { member, customerId, subscriptionId, periodEnd, firstAttempt } = await subscriber(CARDS.failsLater);

    // The draft hour: still active, copies count in the new period, pending.
    await advanceTo(periodEnd + 60);
    for (const slug of creator.premium.slice(0, 3)) expect((await copy(member, slug)).body.payout_earned).toBe(7);
    expect((await copy(member, creator.free[0]!)).status).toBe(200);
    const renewal = (await periodsOf(member))[1]!;
    expect(await balancesOf(creator)).toEqual({ creator_pending: 21 });

    // The charge fails: past_due, premium closed (free flows still copy, unpaid), earnings still pending.
    await advanceTo(firstAttempt);
    const invoice = await remote.latestInvoice(subscriptionId);
    expect(invoice).toMatchObject({ status: 'open', attempt_count: 1, amount_paid: 0, next_payment_attempt: firstAttempt + DAY });
    expect(await me(member)).toMatchObject({ is_subscriber: false, status: 'past_due' });
    const refused = await copy(member, creator.premium[3]!);
    expect(refused.status).toBe(403);
    expect(refused.body.type).toContain('subscription-past-due');
    expect((await copy(member, creator.free[1]!)).body).toMatchObject({ counted_for_payout: false, payout_earned: 0 });
    expect((await periodsOf(member)).map((p) => p.status)).toEqual(['paid', 'open']);
    expect(await earningsOf(renewal.id)).toEqual([{ state: 'pending', netCents: 21 }]);

    // Two retries fail; still past_due and pending.
    await advanceTo(firstAttempt + DAY);
    expect(await remote.latestInvoice(subscriptionId)).toMatchObject({ attempt_count: 2, next_payment_attempt: firstAttempt + 3 * DAY });
    await advanceTo(firstAttempt + 3 * DAY);
    expect(await remote.latestInvoice(subscriptionId)).toMatchObject({ attempt_count: 3, next_payment_attempt: firstAttempt + 5 * DAY });
    expect(await me(member)).toMatchObject({ status: 'past_due' });
    expect(await earningsOf(renewal.id)).toEqual([{ state: 'pending', netCents: 21 }]);

    // The last one fails: Stripe gives up.
    await advanceTo(firstAttempt + 5 * DAY);
    expect(await remote.latestInvoice(subscriptionId)).toMatchObject({ id: invoice.id, status: 'uncollectible', attempt_count: 4, amount_paid: 0 });
    expect(await remote.subscription(subscriptionId)).toMatchObject({ status: 'canceled', cancellation_details: { reason: 'payment_failed' } });
    expect(await me(member)).toMatchObject({ is_subscriber: false, status: 'canceled' });
    expect((await periodsOf(member)).map((p) => p.status)).toEqual(['paid', 'void']);
    expect(await earningsOf(renewal.id)).toEqual([{ state: 'void', netCents: 0 }]);
    expect(await balancesOf(creator)).toEqual({ creator_pending: 0 });
    const pendingEntries = (await t.database.db.select().from(ledgerEntries).where(eq(ledgerEntries.billingPeriodId, renewal.id)))
      .filter((e) => e.account === 'creator_pending')
      .map((e) => e.amountCents);
    expect(pendingEntries.reduce((a, b) => a + b, 0)).toBe(0);
    expect(pendingEntries.filter((c) => c < 0)).toEqual([-21]);

    const failures = (await eventsOfCustomer(customerId)).filter((e) => e.type === 'invoice.payment_failed');
    expect(failures.map((e) => e.created - firstAttempt)).toEqual([0, DAY, 3 * DAY, 5 * DAY]);
  });

  it('the member sets a working card; the next scheduled retry pays it: earnings held, premium again', async () => {
    const creator = await createCreator();
    const { member, subscriptionId, periodEnd, firstAttempt } = await subscriber(CARDS.failsLater);
    await advanceTo(periodEnd + 60);
    for (const slug of creator.premium.slice(0, 2)) expect((await copy(member, slug)).body.payout_earned).toBe(7);
    await advanceTo(firstAttempt);
    expect(await me(member)).toMatchObject({ status: 'past_due' });

    // A new card on the subscription does not pay by itself: the retry a day later uses it.
    await t.ctx.stripe.raw.subscriptions.update(subscriptionId, { default_payment_method: 'pm_card_visa' });
    await flushWebhooks(t);
    expect(await me(member)).toMatchObject({ status: 'past_due' });
    const renewal = (await periodsOf(member))[1]!;
    expect(await earningsOf(renewal.id)).toEqual([{ state: 'pending', netCents: 14 }]);

    await advanceTo(firstAttempt + DAY);
    const invoice = await remote.latestInvoice(subscriptionId);
    expect(invoice).toMatchObject({ status: 'paid', attempt_count: 2, amount_paid: 1000 });
    expect(await me(member)).toMatchObject({ is_subscriber: true, status: 'active', current_period_start: new Date(periodEnd * 1000).toISOString() });
    const periods = await periodsOf(member);
    expect(periods.map((p) => p.status)).toEqual(['paid', 'paid']);
    expect(periods[1]!.paidAt?.getTime()).toBe(invoice.status_transitions.paid_at! * 1000);
    expect(await earningsOf(renewal.id)).toEqual([{ state: 'held', netCents: 14 }]);
    // Premium again, counted in the same (now paid) period, held at once.
    expect((await copy(member, creator.premium[2]!)).body).toMatchObject({ counted_for_payout: true, payout_earned: 7 });
    expect(await balancesOf(creator)).toEqual({ creator_pending: 0, creator_held: 21 });
  });

  it('updating the card in the billing portal pays the open renewal at once', async () => {
    const creator = await createCreator();
    const { member, subscriptionId, periodEnd, firstAttempt } = await subscriber(CARDS.failsLater);
    await advanceTo(periodEnd + 60);
    expect((await copy(member, creator.premium[0]!)).body.payout_earned).toBe(7);
    // Two failed attempts: the first at finalization, the retry a day after it (a minute of slack for real time
    // passing between the two advances).
    await advanceTo(firstAttempt);
    await advanceTo(firstAttempt + DAY + 60);
    expect(await remote.latestInvoice(subscriptionId)).toMatchObject({ status: 'open', attempt_count: 2 });

    const portal = await t.request({ method: 'POST', url: '/v1/subscriptions/portal', token: member.token });
    const response = await fetch(`${portal.body.url}/card`, { method: 'POST', body: new URLSearchParams({ card: CARDS.pays }), redirect: 'manual' });
    expect(response.status).toBe(303);
    await flushWebhooks(t);
    expect(await remote.latestInvoice(subscriptionId)).toMatchObject({ status: 'paid', attempt_count: 3 });
    expect(await me(member)).toMatchObject({ is_subscriber: true, status: 'active' });
    expect(await earningsOf((await periodsOf(member))[1]!.id)).toEqual([{ state: 'held', netCents: 7 }]);
    // No retry is left to charge it again.
    await advanceTo(firstAttempt + 6 * DAY);
    expect((await t.ctx.stripe.raw.charges.list({ customer: (await remote.subscription(subscriptionId)).customer as string })).data.filter((c) => c.paid)).toHaveLength(2);
  });
});

describe('duplicated, reordered and replayed webhooks', () => {
  it('converge on the same periods and earnings, and add nothing when every event is delivered again in reverse', async () => {
    const creator = await createCreator();
    const recovered = await subscriber(CARDS.failsLater);
    const lost = await subscriber(CARDS.failsLater);
    const periodEnd = Math.max(recovered.periodEnd, lost.periodEnd);
    const firstAttempt = periodEnd + HOUR;
    await t.emulator('/_emulator/faults', undefined, { json: { webhooks: { duplicate_rate: 0.5, reorder: true }, seed: 11 } });
    try {
      await advanceTo(periodEnd + 60);
      for (const { member } of [recovered, lost]) {
        for (const slug of creator.premium.slice(0, 2)) expect((await copy(member, slug)).body.payout_earned).toBe(7);
      }
      await advanceTo(firstAttempt + DAY);
      await t.ctx.stripe.raw.subscriptions.update(recovered.subscriptionId, { default_payment_method: 'pm_card_visa' });
      await advanceTo(firstAttempt + 6 * DAY);
    } finally {
      await t.emulator('/_emulator/faults', undefined, { json: {} });
    }
    const deliveries = (await t.emulator('/_emulator/webhooks/deliveries')).data as Array<{ event_id: string; outcome: string }>;
    const delivered = deliveries.filter((d) => d.outcome === 'delivered').map((d) => d.event_id);
    expect(new Set(delivered).size).toBeLessThan(delivered.length); // some events did arrive twice

    const expectConverged = async () => {
      expect(await me(recovered.member)).toMatchObject({ is_subscriber: true, status: 'active' });
      expect(await me(lost.member)).toMatchObject({ is_subscriber: false, status: 'canceled' });
      const [recoveredPeriods, lostPeriods] = [await periodsOf(recovered.member), await periodsOf(lost.member)];
      expect(recoveredPeriods.map((p) => p.status)).toEqual(['paid', 'paid']);
      expect(lostPeriods.map((p) => p.status)).toEqual(['paid', 'void']);
      expect(await earningsOf(recoveredPeriods[1]!.id)).toEqual([{ state: 'held', netCents: 14 }]);
      expect(await earningsOf(lostPeriods[1]!.id)).toEqual([{ state: 'void', netCents: 0 }]);
      expect(await balancesOf(creator)).toEqual({ creator_pending: 0, creator_held: 14 });
    };
    await expectConverged();
    const entriesBefore = (await t.database.db.select().from(ledgerEntries)).length;

    // Every event of both members once more, newest first, each under a new id so the inbox processes it again.
    for (const customerId of [recovered.customerId, lost.customerId]) {
      for (const event of (await eventsOfCustomer(customerId)).reverse()) {
        const replay = await deliverSignedEvent(t, { ...event, id: `${event.id}_replay` });
        expect(replay.status).toBe(200);
      }
    }
    await expectConverged();
    expect((await t.database.db.select().from(ledgerEntries)).length).toBe(entriesBefore);
  });
});
