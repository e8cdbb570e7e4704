import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { billingPeriods, checkoutSessions, copies, emailOutbox, subscriptions } from '../src/server/db/schema.js';
import { claimCheckoutSession } from '../src/server/modules/subscriptions/repository.js';
import { createFlow, createMember, deliverSignedEvent, flushWebhooks, type Member } from './factories.js';
import { createTestApp, type TestApp } from './support/app.js';
import { expectReconciled } from './support/reconcile.js';
import { waitUntil } from './support/wait.js';

// SPEC §3: at most one live subscription per member, whatever the browser does.
let t: TestApp;
let author: Member;
beforeAll(async () => {
  t = await createTestApp({}, { stripe: true });
  author = await createMember(t);
});
afterAll(() => t?.close());
afterEach(() => expectReconciled(t));

const checkout = (member: Member) => t.request({ method: 'POST', url: '/v1/subscriptions/checkout', token: member.token });
const pay = (sessionId: string) => t.emulator(`/_emulator/checkout/sessions/${sessionId}/pay`, { card: '4242424242424242' });
const customerOf = async (member: Member) => (await t.ctx.stripe.raw.customers.list({ email: member.email })).data[0]!;

/**
 * A second open session for the member, as a stale tab or another device could hold: made at Stripe directly (under
 * `attemptId`'s idempotency key, with URLs of its own).
 */
async function secondSession(member: Member, attemptId: string = randomUUID()) {
  const session = await t.ctx.stripe.createCheckoutSession({
    userId: member.id,
    customerId: (await customerOf(member)).id,
    priceId: t.ctx.billing.priceId!,
    successUrl: 'http://localhost/return',
    cancelUrl: 'http://localhost/cancel',
    attemptId,
  });
  return session.id;
}

async function stripeSubscriptions(member: Member) {
  return (await t.ctx.stripe.raw.subscriptions.list({ customer: (await customerOf(member)).id, status: 'all' })).data;
}

async function expectOneKeptOneRefunded(member: Member) {
  await waitUntil(async () => (await stripeSubscriptions(member)).filter((s) => s.status === 'canceled').length === 1, { message: 'the duplicate to be cancelled' });
  await flushWebhooks(t);
  const all = await stripeSubscriptions(member);
  expect(all.map((s) => s.status).sort()).toEqual(['active', 'canceled']);
  const duplicate = all.find((s) => s.status === 'canceled')!;
  const kept = all.find((s) => s.status === 'active')!;
  // The duplicate's first payment, refunded in full, once.
  const charges = (await t.ctx.stripe.raw.charges.list({ customer: (await customerOf(member)).id })).data;
  expect(charges.map((c) => c.amount_refunded).sort((a, b) => a - b)).toEqual([0, 1000]);
  expect((await t.ctx.stripe.raw.refunds.list({ limit: 100 })).data.filter((r) => r.metadata?.subscription_id === duplicate.id)).toHaveLength(1);
  const [row] = await t.database.db.select().from(subscriptions).where(eq(subscriptions.id, duplicate.id));
  expect(row).toMatchObject({ duplicateOf: kept.id, status: 'canceled', duplicateSettledAt: expect.any(Date) });
  // It never had a period, so no copy was ever counted against it; the member was told once.
  expect(await t.database.db.select().from(billingPeriods).where(eq(billingPeriods.subscriptionId, duplicate.id))).toHaveLength(0);
  const mails = await t.database.db
    .select()
    .from(emailOutbox)
    .where(and(eq(emailOutbox.userId, member.id), eq(emailOutbox.template, 'subscription_duplicate_refunded')));
  expect(mails).toHaveLength(1);
  const me = await t.request({ method: 'GET', url: '/v1/subscriptions/me', token: member.token });
  expect(me.body).toMatchObject({ is_subscriber: true, status: 'active' });
  return { kept, duplicate };
}

describe('one live subscription per member', () => {
  it('four checkouts at once get one and the same session; paying it makes one subscription', async () => {
    const member = await createMember(t);
    const responses = await Promise.all([1, 2, 3, 4].map(() => checkout(member)));
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(new Set(responses.map((r) => r.body.session_id)).size).toBe(1);
    expect(new Set(responses.map((r) => r.body.url)).size).toBe(1);
    expect(await t.database.db.select().from(checkoutSessions).where(eq(checkoutSessions.userId, member.id))).toHaveLength(1);
    await pay(responses[0]!.body.session_id);
    await flushWebhooks(t);
    expect((await stripeSubscriptions(member)).map((s) => s.status)).toEqual(['active']);
    expect((await checkout(member)).status).toBe(409);
  });

  it('checkouts one after another reuse the open session; once it expired, a new one is made', async () => {
    const member = await createMember(t);
    const first = await checkout(member);
    const again = await checkout(member);
    expect(again.body.session_id).toBe(first.body.session_id);
    await t.ctx.stripe.raw.checkout.sessions.expire(first.body.session_id);
    await flushWebhooks(t);
    const fresh = await checkout(member);
    expect(fresh.status).toBe(200);
    expect(fresh.body.session_id).not.toBe(first.body.session_id);
    const rows = await t.database.db.select().from(checkoutSessions).where(eq(checkoutSessions.userId, member.id));
    expect(rows.map((r) => r.status).sort()).toEqual(['expired', 'open']);
  });

  it('a claim whose idempotency key Stripe knows with other parameters is given up for a new one, not refused forever', async () => {
    const member = await createMember(t);
    // An attempt made its session at Stripe under the claim's key and crashed before recording it; PUBLIC_URL has
    // changed since, so the same key now comes with other parameters.
    const claim = await claimCheckoutSession(t.database.db, member.id);
    await t.ctx.stripe.createCustomer({ userId: member.id, email: member.email, username: member.username });
    const lost = await secondSession(member, claim.id);

    const fresh = await checkout(member);
    expect(fresh.status).toBe(200);
    expect(fresh.body.session_id).not.toBe(lost);
    const rows = await t.database.db.select().from(checkoutSessions).where(eq(checkoutSessions.userId, member.id));
    expect(rows.map((r) => [r.id === claim.id, r.status])).toEqual(expect.arrayContaining([[true, 'expired'], [false, 'open']]));
    expect(rows).toHaveLength(2);
    expect(rows.find((r) => r.status === 'open')!.stripeSessionId).toBe(fresh.body.session_id);
    expect((await checkout(member)).body.session_id).toBe(fresh.body.session_id);
  });

  it('two sessions paid (ours first): the second subscription is cancelled and refunded in full, the member mailed', async () => {
    const member = await createMember(t);
    const ours = (await checkout(member)).body.session_id;
    const other = await secondSession(member);
    await pay(ours);
    await flushWebhooks(t);
    await pay(other);
    await flushWebhooks(t);
    const { kept } = await expectOneKeptOneRefunded(member);
    expect((await t.ctx.stripe.raw.checkout.sessions.retrieve(ours)).subscription).toBe(kept.id);
    // Copies count against the kept subscription only.
    const flow = await createFlow(t, author);
    const copy = await t.request({ method: 'POST', url: `/v1/flows/${flow.slug}/copy`, token: member.token });
    expect(copy.body.counted_for_payout).toBe(true);
    const [row] = await t.database.db.select({ periodId: copies.billingPeriodId }).from(copies).where(eq(copies.userId, member.id));
    const [period] = await t.database.db.select().from(billingPeriods).where(eq(billingPeriods.id, row!.periodId!));
    expect(period!.subscriptionId).toBe(kept.id);
  });

  it('two sessions paid at once, the other one first: still exactly one kept and one refunded', async () => {
    const member = await createMember(t);
    const ours = (await checkout(member)).body.session_id;
    const other = await secondSession(member);
    await Promise.all([pay(other), pay(ours)]);
    await flushWebhooks(t);
    await expectOneKeptOneRefunded(member);
  });

  it('duplicated and reordered webhooks change nothing more: one refund, one mail, one kept subscription', async () => {
    const member = await createMember(t);
    const ours = (await checkout(member)).body.session_id;
    const other = await secondSession(member);
    await pay(ours);
    await pay(other);
    await flushWebhooks(t);
    const { kept, duplicate } = await expectOneKeptOneRefunded(member);
    const customer = (await customerOf(member)).id;
    const events = (await t.ctx.stripe.raw.events.list({ limit: 100 })).data.filter((e) => JSON.stringify(e.data.object).includes(customer));
    expect(events.length).toBeGreaterThan(4);
    // Newest first from Stripe: deliver them oldest-last, twice, as fresh deliveries (new ids keep them unprocessed).
    for (const round of [1, 2]) {
      for (const event of events) {
        const replay = { ...event, id: `${event.id}_replay${round}` };
        expect((await deliverSignedEvent(t, replay)).status).toBe(200);
      }
    }
    await flushWebhooks(t);
    const after = await expectOneKeptOneRefunded(member);
    expect(after).toMatchObject({ kept: { id: kept.id }, duplicate: { id: duplicate.id } });
  });
});
