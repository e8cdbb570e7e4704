import { eq } from 'drizzle-orm';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { billingPeriods, stripeEvents, subscriptions } from '../src/server/db/schema.js';
import { sweepEvents } from '../src/server/modules/webhooks/service.js';
import {
  advanceEmulator,
  CARDS,
  createFlow,
  deliverSignedEvent,
  createMember,
  DAY,
  flushWebhooks,
  type Member,
  subscribeThroughCheckout,
} from './factories.js';
import { createTestApp, type TestApp } from './support/app.js';

let t: TestApp;
let author: Member;
let premiumSlug: string;
beforeAll(async () => {
  t = await createTestApp({}, { stripe: true });
  author = await createMember(t);
  premiumSlug = (await createFlow(t, author)).slug;
});
afterAll(() => t?.close());

const periodsOf = (userId: string) => t.database.db.select().from(billingPeriods).where(eq(billingPeriods.userId, userId));

describe('checkout → pay → webhook → subscribed', () => {
  it('subscribes a member through Checkout with one Stripe customer and a paid billing period', async () => {
    const member = await createMember(t);
    const before = await t.request({ method: 'GET', url: '/v1/subscriptions/me', token: member.token });
    expect(before.body).toMatchObject({ is_subscriber: false, status: null, copies_this_month: 0 });

    const { me } = await subscribeThroughCheckout(t, member);
    expect(me).toMatchObject({ is_subscriber: true, status: 'active', cancel_at_period_end: false, copies_remaining: 100 });
    const periodDays = (Date.parse(me.current_period_end) - Date.parse(me.current_period_start)) / 86_400_000;
    expect(periodDays).toBeGreaterThanOrEqual(28);

    const periods = await periodsOf(member.id);
    expect(periods).toHaveLength(1);
    expect(periods[0]).toMatchObject({ status: 'paid', basisCents: 1000, amountPaidCents: 1000 });
    const customers = await t.ctx.stripe.raw.customers.list({ email: member.email });
    expect(customers.data).toHaveLength(1);
    expect(customers.data[0]!.metadata.user_id).toBe(member.id);

    const flow = await t.request({ method: 'GET', url: `/v1/flows/${premiumSlug}`, token: member.token });
    expect(flow.body.locked).toBe(false);
  });

  it('refuses a second checkout with 409', async () => {
    const member = await createMember(t);
    await subscribeThroughCheckout(t, member);
    const again = await t.request({ method: 'POST', url: '/v1/subscriptions/checkout', token: member.token });
    expect(again.status).toBe(409);
    expect(again.body.type).toContain('already-subscribed');
  });

  it('a declined card leaves the member unsubscribed', async () => {
    const member = await createMember(t);
    const checkout = await t.request({ method: 'POST', url: '/v1/subscriptions/checkout', token: member.token });
    await expect(t.emulator(`/_emulator/checkout/sessions/${checkout.body.session_id}/pay`, { card: CARDS.declined })).rejects.toThrow(/402|declin/i);
    await flushWebhooks(t);
    const me = await t.request({ method: 'GET', url: '/v1/subscriptions/me', token: member.token });
    expect(me.body.is_subscriber).toBe(false);
  });

  it('a checkout Stripe refuses is a 502 without Stripe\'s message, and one Stripe cannot answer a 503 to retry; the next checkout works', async () => {
    const member = await createMember(t);
    const priceId = t.ctx.billing.priceId;
    t.ctx.billing.priceId = 'price_gone';
    try {
      const refused = await t.request({ method: 'POST', url: '/v1/subscriptions/checkout', token: member.token });
      expect(refused.status).toBe(502);
      expect(refused.headers['content-type']).toContain('application/problem+json');
      expect(refused.body.type).toBe('https://flowtab.pro/problems/payment-provider-refused');
      expect(JSON.stringify(refused.body)).not.toMatch(/price_gone|No such|sk_test/);
    } finally {
      t.ctx.billing.priceId = priceId;
    }

    await t.emulator('/_emulator/faults', undefined, { json: { paths: { 'POST /v1/checkout/sessions': { error_rate: 1 } } } });
    try {
      const unavailable = await t.request({ method: 'POST', url: '/v1/subscriptions/checkout', token: member.token });
      expect(unavailable.status).toBe(503);
      expect(unavailable.headers['retry-after']).toBe('30');
      expect(unavailable.body.type).toBe('https://flowtab.pro/problems/payment-provider-unavailable');
    } finally {
      await t.emulator('/_emulator/faults', undefined, { json: {} });
    }

    const checkout = await t.request({ method: 'POST', url: '/v1/subscriptions/checkout', token: member.token });
    expect(checkout.status).toBe(200);
    expect(checkout.body.url).toMatch(/^http/);
  });

  it('needs a login, and the portal needs a billing account', async () => {
    expect((await t.request({ method: 'POST', url: '/v1/subscriptions/checkout' })).status).toBe(401);
    expect((await t.request({ method: 'GET', url: '/v1/subscriptions/me' })).status).toBe(401);
    const member = await createMember(t);
    const portal = await t.request({ method: 'POST', url: '/v1/subscriptions/portal', token: member.token });
    expect(portal.status).toBe(409);
  });
});

describe('the webhook inbox', () => {

  it('rejects missing and bad signatures with 400 and stores nothing', async () => {
    const before = (await t.database.db.select().from(stripeEvents)).length;
    const payload = JSON.stringify({ id: 'evt_forged', object: 'event', type: 'invoice.paid', created: 1, data: { object: { id: 'in_x' } } });
    const missing = await t.request({ method: 'POST', url: '/v1/webhooks/stripe', payload, headers: { 'content-type': 'application/json' } });
    expect(missing.status).toBe(400);
    const forged = Stripe.webhooks.generateTestHeaderString({ payload, secret: 'whsec_not_the_secret' });
    const bad = await t.request({
      method: 'POST',
      url: '/v1/webhooks/stripe',
      payload,
      headers: { 'content-type': 'application/json', 'stripe-signature': forged },
    });
    expect(bad.status).toBe(400);
    expect(bad.headers['content-type']).toContain('application/problem+json');
    expect((await t.database.db.select().from(stripeEvents)).length).toBe(before);
  });

  it('processes each event once when it is delivered ten times', async () => {
    const member = await createMember(t);
    await subscribeThroughCheckout(t, member);
    const [subscription] = await t.database.db.select().from(subscriptions).where(eq(subscriptions.userId, member.id));
    const events = await t.ctx.stripe.raw.events.list({ limit: 100 });
    const ours = events.data.filter((e) => JSON.stringify(e.data.object).includes(subscription!.customerId));
    expect(ours.length).toBeGreaterThan(3);
    for (const event of ours) {
      const payload = JSON.stringify(event);
      const results = await Promise.all(Array.from({ length: 10 }, () => deliverSignedEvent(t, payload)));
      expect(results.every((r) => r.status === 200)).toBe(true);
      expect(results.filter((r) => r.body.outcome === 'processed')).toHaveLength(0);
    }
    const stored = await t.database.db.select().from(stripeEvents);
    for (const event of ours) {
      const rows = stored.filter((row) => row.id === event.id);
      expect(rows).toHaveLength(1);
      expect(rows[0]!.attempts).toBe(1);
    }
    expect(await periodsOf(member.id)).toHaveLength(1);
  });

  it('succeeds on retry once the member of an unknown customer exists', async () => {
    // A customer made directly on Stripe, naming a member id that does not exist yet.
    const futureId = crypto.randomUUID();
    const customer = await t.ctx.stripe.raw.customers.create({ email: 'later@example.com', metadata: { user_id: futureId } });
    await t.ctx.stripe.raw.paymentMethods.attach?.('pm_card_visa', { customer: customer.id }).catch(() => undefined);
    const subscription = await t.ctx.stripe.raw.subscriptions
      .create({ customer: customer.id, items: [{ price: t.ctx.billing.priceId! }], metadata: { user_id: futureId } })
      .catch(() => undefined);
    if (!subscription) return expect.fail('the emulator must create a subscription for a customer');
    await flushWebhooks(t);
    const pending = await t.database.db.select().from(stripeEvents).where(eq(stripeEvents.objectId, subscription.id));
    expect(pending.some((row) => row.processedAt === null && row.lastError?.includes('no member'))).toBe(true);

    const { users } = await import('../src/server/db/schema.js');
    await t.database.db.insert(users).values({ id: futureId, email: 'later@example.com', username: `later_${Date.now()}`, passwordHash: 'x' });
    const swept = await sweepEvents(t.ctx);
    expect(swept.failed).toBe(0);
    const [row] = await t.database.db.select().from(subscriptions).where(eq(subscriptions.id, subscription.id));
    expect(row?.userId).toBe(futureId);
  });
});

describe('renewals and dunning over emulator time', () => {
  it('a month later the renewal opens a new paid period', async () => {
    const member = await createMember(t);
    const { me } = await subscribeThroughCheckout(t, member);
    await advanceEmulator(t, 32 * DAY); // past the period end and the renewal draft's hour, in any month
    const after = await t.request({ method: 'GET', url: '/v1/subscriptions/me', token: member.token });
    expect(after.body.is_subscriber).toBe(true);
    expect(Date.parse(after.body.current_period_start)).toBeGreaterThan(Date.parse(me.current_period_start));
    const periods = (await periodsOf(member.id)).sort((a, b) => a.periodStart.getTime() - b.periodStart.getTime());
    expect(periods.map((p) => p.status)).toEqual(['paid', 'paid']);
    expect(periods[1]!.periodStart.toISOString()).toBe(after.body.current_period_start);
  });

  it('card 0341: renewal fails → past_due → premium 403 pointing to the portal → canceled after retries', async () => {
    const member = await createMember(t);
    await subscribeThroughCheckout(t, member, CARDS.failsLater);
    await advanceEmulator(t, 32 * DAY); // the renewal is charged an hour after the period end, and fails
    const pastDue = await t.request({ method: 'GET', url: '/v1/subscriptions/me', token: member.token });
    expect(pastDue.body).toMatchObject({ is_subscriber: false, status: 'past_due' });
    const copy = await t.request({ method: 'POST', url: `/v1/flows/${premiumSlug}/copy`, token: member.token });
    expect(copy.status).toBe(403);
    expect(copy.body.type).toContain('subscription-past-due');
    expect(copy.body.detail).toContain('portal');
    expect((await t.request({ method: 'GET', url: `/v1/flows/${premiumSlug}`, token: member.token })).body.locked).toBe(true);

    await advanceEmulator(t, 20 * DAY);
    const canceled = await t.request({ method: 'GET', url: '/v1/subscriptions/me', token: member.token });
    expect(canceled.body.status).toBe('canceled');
    const periods = (await periodsOf(member.id)).sort((a, b) => a.periodStart.getTime() - b.periodStart.getTime());
    expect(periods.map((p) => p.status)).toEqual(['paid', 'void']);
  });

  it('cancel at period end through the portal keeps access until the period ends', async () => {
    const member = await createMember(t);
    await subscribeThroughCheckout(t, member);
    const portal = await t.request({ method: 'POST', url: '/v1/subscriptions/portal', token: member.token });
    expect(portal.status).toBe(200);
    const subId = (await t.database.db.select().from(subscriptions).where(eq(subscriptions.userId, member.id)))[0]!.id;
    const response = await fetch(`${portal.body.url}/subscriptions/${subId}/cancel`, { method: 'POST', redirect: 'manual' });
    expect(response.status).toBeLessThan(400);
    await flushWebhooks(t);
    const me = await t.request({ method: 'GET', url: '/v1/subscriptions/me', token: member.token });
    expect(me.body).toMatchObject({ is_subscriber: true, cancel_at_period_end: true });
    await advanceEmulator(t, 31 * DAY);
    const ended = await t.request({ method: 'GET', url: '/v1/subscriptions/me', token: member.token });
    expect(ended.body).toMatchObject({ is_subscriber: false, status: 'canceled' });
  });
});

describe('lost and reordered webhooks converge on Stripe’s state', () => {
  it('events delivered in reverse order converge', async () => {
    const member = await createMember(t);
    await t.emulator('/_emulator/faults', undefined, { json: { webhooks: { drop_rate: 1 }, seed: 7 } });
    const started = Math.floor(Date.now() / 1000) - 5;
    try {
      const checkout = await t.request({ method: 'POST', url: '/v1/subscriptions/checkout', token: member.token });
      await t.emulator(`/_emulator/checkout/sessions/${checkout.body.session_id}/pay`, { card: CARDS.pays });
      const [remote] = (await t.ctx.stripe.raw.subscriptions.list({ limit: 100 })).data.filter((s) => s.metadata.user_id === member.id);
      await t.ctx.stripe.raw.subscriptions.update(remote!.id, { cancel_at_period_end: true });
      await advanceEmulator(t, 2 * DAY);
    } finally {
      await t.emulator('/_emulator/faults', undefined, { json: {} });
    }
    const before = await t.request({ method: 'GET', url: '/v1/subscriptions/me', token: member.token });
    expect(before.body.is_subscriber).toBe(false);

    const events = (await t.ctx.stripe.raw.events.list({ limit: 100, created: { gte: started } })).data; // newest first
    const customerId = (await t.ctx.stripe.raw.customers.list({ email: member.email })).data[0]!.id;
    const ours = events.filter((e) => JSON.stringify(e.data.object).includes(customerId));
    expect(ours.length).toBeGreaterThan(3);
    for (const event of ours) expect((await deliverSignedEvent(t, event)).status).toBe(200);
    const after = await t.request({ method: 'GET', url: '/v1/subscriptions/me', token: member.token });
    const remote = (await t.ctx.stripe.raw.subscriptions.list({ customer: customerId, status: 'all' })).data[0]!;
    expect(after.body).toMatchObject({ is_subscriber: true, status: remote.status, cancel_at_period_end: true });
    expect(after.body.current_period_end).toBe(new Date(remote.items.data[0]!.current_period_end * 1000).toISOString());
    expect((await periodsOf(member.id)).map((p) => p.status)).toEqual(['paid']);
  });

  it('with 30% of deliveries dropped, the sweep still converges', async () => {
    await t.emulator('/_emulator/faults', undefined, { json: { webhooks: { drop_rate: 0.3 }, seed: 42 } });
    const members: Member[] = [];
    try {
      for (let i = 0; i < 6; i++) {
        const member = await createMember(t);
        members.push(member);
        const checkout = await t.request({ method: 'POST', url: '/v1/subscriptions/checkout', token: member.token });
        await t.emulator(`/_emulator/checkout/sessions/${checkout.body.session_id}/pay`, { card: CARDS.pays });
      }
      await advanceEmulator(t, 32 * DAY);
    } finally {
      await t.emulator('/_emulator/faults', undefined, { json: {} });
    }
    const deliveries = await t.emulator('/_emulator/webhooks/deliveries');
    expect(deliveries.data.some((d: { outcome: string }) => d.outcome === 'dropped')).toBe(true);

    await sweepEvents(t.ctx, { since: new Date(Date.now() - 3600_000) });
    for (const member of members) {
      const me = await t.request({ method: 'GET', url: '/v1/subscriptions/me', token: member.token });
      expect(me.body).toMatchObject({ is_subscriber: true, status: 'active' });
      const periods = await periodsOf(member.id);
      expect(periods.map((p) => p.status).sort()).toEqual(['paid', 'paid']);
    }
  });
});
