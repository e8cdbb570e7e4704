import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { createFlow, createMember, deliverSignedEvent, flushWebhooks, type Member, subscribeThroughCheckout } from './factories.js';
import { createTestApp, type TestApp } from './support/app.js';
import { expectReconciled } from './support/reconcile.js';

// What the simulation (npm run sim) found, each pinned as a plain example through the HTTP API once understood.
// The seed that found it is in each test's comment; sim/model/model.ts's header says how the model reads the rule.

let t: TestApp;
beforeAll(async () => {
  // A $2 rate keeps the pool arithmetic visible: a $10 period's pool is 700 ¢, three paid copies at most.
  t = await createTestApp({ RATE_PER_COPY_CENTS: '200' }, { stripe: true });
});
afterAll(() => t?.close());
afterEach(() => expectReconciled(t));

const copy = (member: Member, ref: string) => t.request({ method: 'POST', url: `/v1/flows/${ref}/copy`, token: member.token });
const earnings = async (creator: Member) => (await t.request({ method: 'GET', url: '/v1/creators/me/earnings', token: creator.token })).body;

describe('copies after a partial refund of the same period (SPEC §4, under-specified; found with seed 8)', () => {
  it('count while the period’s gross earnings plus the rate fit in the pool net of the refund', async () => {
    const creators = [await createMember(t), await createMember(t), await createMember(t)];
    const flows = [await createFlow(t, creators[0]!), await createFlow(t, creators[1]!), await createFlow(t, creators[2]!)];
    const member = await createMember(t);
    await subscribeThroughCheckout(t, member);
    const customer = (await t.ctx.stripe.raw.customers.list({ email: member.email })).data[0]!;
    const charge = (await t.ctx.stripe.raw.charges.list({ customer: customer.id })).data[0]!;
    await t.ctx.stripe.raw.refunds.create({ charge: charge.id, amount: 300 });
    await flushWebhooks(t);

    // The pool is now floor(70% × 700 ¢) = 490 ¢. Gross 0 + 200 and 200 + 200 fit; 400 + 200 does not — although
    // the creators' net earnings (200 ¢ each × 70%) are only 280 ¢: the rule compares gross earnings.
    const counted = [];
    for (const flow of flows) counted.push((await copy(member, flow.slug)).body.counted_for_payout);
    expect(counted).toEqual([true, true, false]);
    // What was counted is reversed in the refund's proportion: 200 ¢ × 700 / 1000.
    expect((await Promise.all(creators.map(earnings))).map((e) => e.held_cents)).toEqual([140, 140, 0]);
  });
});

describe('a subscription started after the previous one ended is not a duplicate (SPEC §3; found with seed 100)', () => {
  // Found by the simulation: the webhook that first saw the new subscription live marked it a duplicate from our
  // mirror of the old one, which still said active while its `customer.subscription.deleted` was late, and the new
  // subscription was cancelled and refunded. The duplicate check now asks Stripe whether the kept one is still live.
  it('even when its webhooks arrive before the one that says the previous subscription ended', async () => {
    const member = await createMember(t);
    await subscribeThroughCheckout(t, member);
    const stripe = t.ctx.stripe.raw;
    const customer = (await stripe.customers.list({ email: member.email })).data[0]!;
    const [first] = (await stripe.subscriptions.list({ customer: customer.id })).data;
    const since = Math.floor(Date.now() / 1000) - 5;

    // Stripe's deliveries stall (dropped here): the member cancels, then subscribes again an hour later.
    await t.emulator('/_emulator/faults', undefined, { json: { webhooks: { drop_rate: 1 } } });
    await stripe.subscriptions.cancel(first!.id);
    await t.emulator('/_emulator/advance', { seconds: '3600' });
    const session = await t.ctx.stripe.createCheckoutSession({
      userId: member.id,
      customerId: customer.id,
      priceId: t.ctx.billing.priceId!,
      successUrl: 'http://localhost/return',
      cancelUrl: 'http://localhost/cancel',
      attemptId: randomUUID(),
    });
    await t.emulator(`/_emulator/checkout/sessions/${session.id}/pay`, { card: '4242424242424242' });
    await t.emulator('/_emulator/faults', undefined, { json: {} });

    // The new subscription's events arrive first, then (late) the one that says the first subscription ended.
    const events = (await stripe.events.list({ created: { gte: since }, limit: 100 })).data.reverse();
    const ended = events.filter((e) => e.type === 'customer.subscription.deleted' && (e.data.object as { id: string }).id === first!.id);
    for (const event of events.filter((e) => !ended.includes(e))) await deliverSignedEvent(t, event);
    for (const event of ended) await deliverSignedEvent(t, event);
    await flushWebhooks(t);

    // The second subscription went live after the first had ended at Stripe: it is the member's only live one.
    const all = (await stripe.subscriptions.list({ customer: customer.id, status: 'all' })).data;
    const second = all.find((s) => s.id !== first!.id)!;
    expect(second.status).toBe('active');
    const charges = (await stripe.charges.list({ customer: customer.id })).data;
    expect(charges.map((c) => c.amount_refunded)).toEqual([0, 0]);
    const me = await t.request({ method: 'GET', url: '/v1/subscriptions/me', token: member.token });
    expect(me.body).toMatchObject({ is_subscriber: true, status: 'active' });
  });
});

describe('a subscription our mirror learns of late is still the one kept (SPEC §3; found with seed 65032)', () => {
  // Found by the simulation: the first subscription's webhooks were lost, so our mirror had no live subscription when
  // a second one (paid outside the app) went live; the second was kept. When the sweep then brought the first one's
  // events, the first was taken for the duplicate (it was the one "going live" beside a kept one): cancelled at once
  // and refunded, while the newer one stayed. SPEC §3 keeps the older and cancels the newer, whatever order we hear.
  it('the newer one is cancelled and refunded, the older kept, when the older one’s events arrive last', async () => {
    const member = await createMember(t);
    const stripe = t.ctx.stripe.raw;
    const since = Math.floor(Date.now() / 1000) - 5;
    // The member subscribes while Stripe's deliveries are lost.
    await t.emulator('/_emulator/faults', undefined, { json: { webhooks: { drop_rate: 1 } } });
    const checkout = await t.request({ method: 'POST', url: '/v1/subscriptions/checkout', token: member.token });
    expect(checkout.status).toBe(200);
    await t.emulator(`/_emulator/checkout/sessions/${checkout.body.session_id}/pay`, { card: '4242424242424242' });
    const customer = (await stripe.customers.list({ email: member.email })).data[0]!;
    const [first] = (await stripe.subscriptions.list({ customer: customer.id })).data;
    const lost = (await stripe.events.list({ created: { gte: since }, limit: 100 })).data.reverse();

    // An hour later a second session, made outside the app, is paid; its webhooks arrive.
    await t.emulator('/_emulator/advance', { seconds: '3600' });
    await t.emulator('/_emulator/faults', undefined, { json: {} });
    const session = await t.ctx.stripe.createCheckoutSession({
      userId: member.id,
      customerId: customer.id,
      priceId: t.ctx.billing.priceId!,
      successUrl: 'http://localhost/return',
      cancelUrl: 'http://localhost/cancel',
      attemptId: randomUUID(),
    });
    await t.emulator(`/_emulator/checkout/sessions/${session.id}/pay`, { card: '4242424242424242' });
    await flushWebhooks(t);
    // Then the first subscription's events, late.
    for (const event of lost) await deliverSignedEvent(t, event);
    await flushWebhooks(t);

    const all = (await stripe.subscriptions.list({ customer: customer.id, status: 'all' })).data;
    const second = all.find((s) => s.id !== first!.id)!;
    expect(all.find((s) => s.id === first!.id)!.status).toBe('active');
    expect(second.status).toBe('canceled');
    // The older one's charge stays; the newer one's is refunded in full.
    const charges = (await stripe.charges.list({ customer: customer.id })).data.sort((a, b) => a.created - b.created);
    expect(charges.map((c) => c.amount_refunded)).toEqual([0, 1000]);
    const me = await t.request({ method: 'GET', url: '/v1/subscriptions/me', token: member.token });
    expect(me.body).toMatchObject({ is_subscriber: true, status: 'active' });
  });
});
