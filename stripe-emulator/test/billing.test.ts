import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './helpers.js';

// Checkout, renewals over time, dunning, the portal, coupons and customer balance credits.

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

const DAY = 86400;
const HOUR = 3600;

async function advanceTo(at: number) {
  const { now } = (await fetch(`${h.emulator.url}/_emulator/now`).then((r) => r.json())) as { now: number };
  if (at > now) await h.control('/_emulator/advance', { to: at });
}

function eventsFor(h: Harness, from: number, objectId: string): string[] {
  return h.received.slice(from).filter((e) => JSON.stringify(e.data.object).includes(objectId)).map((e) => e.type);
}

describe('checkout', () => {
  it('paying emits verified webhooks in order and completes the session', async () => {
    const from = h.received.length;
    const { session, subscription, customer } = await h.subscribe();
    await h.flush();
    expect(h.rejected).toEqual([]);
    const types = eventsFor(h, from, customer.id).filter((t) => !t.startsWith('product.') && !t.startsWith('price.') && t !== 'customer.created');
    expect(types).toEqual([
      'payment_method.attached',
      'customer.updated',
      'invoice.created',
      'invoice.finalized',
      'payment_intent.created',
      'charge.succeeded',
      'payment_intent.succeeded',
      'invoice.paid',
      'invoice.payment_succeeded',
      'customer.subscription.created',
      'checkout.session.completed',
    ]);
    const completed = h.received.find((e) => e.type === 'checkout.session.completed' && e.data.object.id === session.id)!;
    const cs = completed.data.object as Stripe.Checkout.Session;
    expect(cs).toMatchObject({ status: 'complete', payment_status: 'paid', subscription: subscription.id, client_reference_id: '1', customer: customer.id, url: null });
  });

  it('serves a hosted page; a declined card keeps the session open; a good card redirects to success_url', async () => {
    const price = await h.createPremiumPrice();
    const session = await h.stripe.checkout.sessions.create({
      mode: 'subscription',
      customer_email: 'new@example.com',
      line_items: [{ price: price.id, quantity: 1 }],
      success_url: 'http://localhost/ok?cs={CHECKOUT_SESSION_ID}',
      cancel_url: 'http://localhost/cancel',
    });
    expect(session.url).toBe(`${h.emulator.url}/checkout/${session.id}`);
    const page = await fetch(session.url!);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('name="card"');
    const declined = await fetch(session.url!, { method: 'POST', body: new URLSearchParams({ card: '4000000000009995' }), redirect: 'manual' });
    expect(declined.status).toBe(402);
    expect(await declined.text()).toContain('insufficient funds');
    const still = await h.stripe.checkout.sessions.retrieve(session.id);
    expect(still).toMatchObject({ status: 'open', subscription: null });
    const apiDecline = await h.control<{ error: { code: string; type: string } }>(`/_emulator/checkout/sessions/${session.id}/pay`, { card: '4000000000009995' });
    expect(apiDecline.status).toBe(402);
    expect(apiDecline.body.error).toMatchObject({ type: 'card_error', code: 'card_declined' });
    const ok = await fetch(session.url!, { method: 'POST', body: new URLSearchParams({ card: '4242424242424242' }), redirect: 'manual' });
    expect(ok.status).toBe(303);
    expect(ok.headers.get('location')).toBe(`http://localhost/ok?cs=${session.id}`);
    const done = await h.stripe.checkout.sessions.retrieve(session.id, { expand: ['subscription'] });
    expect(done.status).toBe('complete');
    expect((done.subscription as Stripe.Subscription).status).toBe('active');
    const customer = await h.stripe.customers.retrieve(done.customer as string);
    expect((customer as Stripe.Customer).email).toBe('new@example.com');
  });
});

describe('renewals over time', () => {
  it('at the period end the period advances and a draft renewal invoice is created; an hour later it is finalized and paid', async () => {
    const { subscription } = await h.subscribe();
    const item = subscription.items.data[0]!;
    const periodEnd = item.current_period_end;
    await h.flush();
    const from = h.received.length;
    await advanceTo(periodEnd + 60);
    const renewed = await h.stripe.subscriptions.retrieve(subscription.id);
    const newItem = renewed.items.data[0]!;
    expect(renewed.status).toBe('active');
    expect(newItem.current_period_start).toBe(periodEnd);
    expect(newItem.current_period_end).toBeGreaterThan(newItem.current_period_start + 27 * DAY);
    const draft = await h.stripe.invoices.retrieve(renewed.latest_invoice as string);
    expect(draft).toMatchObject({
      status: 'draft',
      amount_due: 1000,
      amount_paid: 0,
      attempt_count: 0,
      billing_reason: 'subscription_cycle',
      period_start: periodEnd,
      automatically_finalizes_at: periodEnd + HOUR,
      next_payment_attempt: periodEnd + HOUR,
    });
    expect(draft.lines.data[0]!.period.start).toBe(periodEnd);

    // Ten minutes early (the clock also moves with real time, and a busy machine takes seconds between requests).
    await advanceTo(periodEnd + HOUR - 600);
    expect((await h.stripe.invoices.retrieve(draft.id)).status).toBe('draft');
    await advanceTo(periodEnd + HOUR);
    const invoice = await h.stripe.invoices.retrieve(draft.id);
    expect(invoice).toMatchObject({ status: 'paid', amount_paid: 1000, attempt_count: 1, automatically_finalizes_at: null, next_payment_attempt: null });
    // Finalized and paid when the clock reached the hour: the clock also moves with real time, so a second may have
    // ticked between advancing it and the finalization (CI saw periodEnd + HOUR + 1 once).
    const { finalized_at: finalizedAt, paid_at: paidAt } = invoice.status_transitions;
    expect(finalizedAt).toBeGreaterThanOrEqual(periodEnd + HOUR);
    expect(finalizedAt).toBeLessThanOrEqual(periodEnd + HOUR + 60);
    expect(paidAt).toBeGreaterThanOrEqual(finalizedAt!);
    expect(paidAt).toBeLessThanOrEqual(periodEnd + HOUR + 60);
    await h.flush();
    const ours = h.received.slice(from).filter((e) => JSON.stringify(e.data.object).includes(subscription.id));
    expect(ours.map((e) => e.type)).toEqual([
      'invoice.created',
      'customer.subscription.updated',
      'invoice.finalized',
      'invoice.paid',
      'invoice.payment_succeeded',
    ]);
    expect(ours.map((e) => e.created - periodEnd)).toEqual([0, 0, HOUR, HOUR, HOUR]);
    expect((ours[0]!.data.object as Stripe.Invoice).status).toBe('draft');
    expect((ours[2]!.data.object as Stripe.Invoice).status).toBe('open');
    expect(Object.keys(ours[1]!.data.previous_attributes ?? {})).toEqual(expect.arrayContaining(['items', 'latest_invoice']));
    const invoices = await h.stripe.invoices.list({ subscription: subscription.id });
    expect(invoices.data).toHaveLength(2);
  });

  it('card 0341: the renewal fails at finalization → past_due, retried 1, 3 and 5 days after, then uncollectible and canceled', async () => {
    const { subscription } = await h.subscribe('4000000000000341');
    expect(subscription.status).toBe('active');
    const periodEnd = subscription.items.data[0]!.current_period_end;
    const firstAttempt = periodEnd + HOUR;
    await h.flush();
    const from = h.received.length;
    await advanceTo(periodEnd + 60);
    expect((await h.stripe.subscriptions.retrieve(subscription.id)).status).toBe('active'); // the draft hour
    await advanceTo(firstAttempt);
    let sub = await h.stripe.subscriptions.retrieve(subscription.id);
    expect(sub.status).toBe('past_due');
    const invoice = await h.stripe.invoices.retrieve(sub.latest_invoice as string);
    expect(invoice).toMatchObject({ status: 'open', attempt_count: 1, amount_paid: 0, amount_remaining: 1000, next_payment_attempt: firstAttempt + DAY });
    await advanceTo(firstAttempt + DAY);
    expect(await h.stripe.invoices.retrieve(invoice.id)).toMatchObject({ attempt_count: 2, next_payment_attempt: firstAttempt + 3 * DAY });
    await advanceTo(firstAttempt + 3 * DAY);
    expect(await h.stripe.invoices.retrieve(invoice.id)).toMatchObject({ attempt_count: 3, next_payment_attempt: firstAttempt + 5 * DAY });
    expect((await h.stripe.subscriptions.retrieve(subscription.id)).status).toBe('past_due');
    await advanceTo(firstAttempt + 5 * DAY);
    sub = await h.stripe.subscriptions.retrieve(subscription.id);
    expect(sub.status).toBe('canceled');
    expect(sub.cancellation_details?.reason).toBe('payment_failed');
    const final = await h.stripe.invoices.retrieve(invoice.id);
    expect(final).toMatchObject({ status: 'uncollectible', attempt_count: 4, amount_paid: 0, next_payment_attempt: null });
    await h.flush();
    const ours = h.received.slice(from).filter((e) => JSON.stringify(e.data.object).includes(subscription.id));
    expect(ours.map((e) => e.type)).toEqual([
      'invoice.created',
      'customer.subscription.updated',
      'invoice.finalized',
      'invoice.payment_failed',
      'customer.subscription.updated',
      'invoice.payment_failed',
      'invoice.payment_failed',
      'invoice.payment_failed',
      'invoice.marked_uncollectible',
      'customer.subscription.deleted',
    ]);
    expect((ours[4]!.data.object as Stripe.Subscription).status).toBe('past_due');
    const failedAt = ours.filter((e) => e.type === 'invoice.payment_failed').map((e) => e.created - firstAttempt);
    expect(failedAt).toEqual([0, DAY, 3 * DAY, 5 * DAY]);
    // Nothing more happens: no retry after the last, no renewal of a canceled subscription.
    await h.advanceDays(40);
    expect((await h.stripe.invoices.list({ subscription: subscription.id })).data).toHaveLength(2);
  });

  it('a card set through the API is used by the next scheduled retry, which pays: invoice.paid, active again', async () => {
    const { subscription } = await h.subscribe('4000000000000341');
    const firstAttempt = subscription.items.data[0]!.current_period_end + HOUR;
    await advanceTo(firstAttempt);
    const invoiceId = (await h.stripe.subscriptions.retrieve(subscription.id)).latest_invoice as string;
    await advanceTo(firstAttempt + DAY); // the first retry fails too
    expect(await h.stripe.invoices.retrieve(invoiceId)).toMatchObject({ status: 'open', attempt_count: 2 });
    // Updating the subscription's card does not pay by itself (Stripe retries on schedule, or on invoices.pay).
    await h.stripe.subscriptions.update(subscription.id, { default_payment_method: 'pm_card_visa' });
    expect((await h.stripe.subscriptions.retrieve(subscription.id)).status).toBe('past_due');
    await h.flush();
    const from = h.received.length;
    await advanceTo(firstAttempt + 3 * DAY);
    const paid = await h.stripe.invoices.retrieve(invoiceId);
    expect(paid).toMatchObject({ status: 'paid', attempt_count: 3, amount_paid: 1000, next_payment_attempt: null });
    expect(paid.status_transitions.paid_at).toBe(firstAttempt + 3 * DAY);
    expect((await h.stripe.subscriptions.retrieve(subscription.id)).status).toBe('active');
    await h.flush();
    expect(eventsFor(h, from, subscription.id)).toEqual(['invoice.paid', 'invoice.payment_succeeded', 'customer.subscription.updated']);
    await h.advanceDays(10);
    expect((await h.stripe.subscriptions.retrieve(subscription.id)).status).toBe('active');
  });

  it('cancelled during the draft hour: the renewal draft is never finalized or charged', async () => {
    const { subscription } = await h.subscribe();
    const periodEnd = subscription.items.data[0]!.current_period_end;
    await advanceTo(periodEnd + 60);
    const draftId = (await h.stripe.subscriptions.retrieve(subscription.id)).latest_invoice as string;
    await h.stripe.subscriptions.cancel(subscription.id);
    await advanceTo(periodEnd + 2 * DAY);
    expect(await h.stripe.invoices.retrieve(draftId)).toMatchObject({ status: 'draft', auto_advance: false, attempt_count: 0, automatically_finalizes_at: null });
    expect((await h.stripe.charges.list({ customer: subscription.customer as string })).data).toHaveLength(1);
  });

  it('test clocks drive the same clock', async () => {
    const { subscription } = await h.subscribe();
    const periodEnd = subscription.items.data[0]!.current_period_end;
    const { now } = (await fetch(`${h.emulator.url}/_emulator/now`).then((r) => r.json())) as { now: number };
    const clock = await h.stripe.testHelpers.testClocks.create({ frozen_time: now });
    const advanced = await h.stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: periodEnd + 10 });
    expect(advanced).toMatchObject({ object: 'test_helpers.test_clock', status: 'ready', frozen_time: periodEnd + 10 });
    const invoices = await h.stripe.invoices.list({ subscription: subscription.id });
    expect(invoices.data).toHaveLength(2);
  });
});

describe('subscriptions created through the API', () => {
  it('a declined first payment leaves it incomplete; paying the invoice activates it', async () => {
    const price = await h.createPremiumPrice();
    const customer = await h.stripe.customers.create({ email: 'api@example.com' });
    const sub = await h.stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }], default_payment_method: 'pm_card_chargeDeclined' });
    expect(sub.status).toBe('incomplete');
    const invoice = await h.stripe.invoices.retrieve(sub.latest_invoice as string);
    expect(invoice).toMatchObject({ status: 'open', attempt_count: 1, next_payment_attempt: null });
    const paid = await h.stripe.invoices.pay(invoice.id, { payment_method: 'pm_card_visa' });
    expect(paid.status).toBe('paid');
    expect((await h.stripe.subscriptions.retrieve(sub.id)).status).toBe('active');
  });

  it('an unpaid incomplete subscription expires after 23 hours and its invoice is voided', async () => {
    const price = await h.createPremiumPrice();
    const customer = await h.stripe.customers.create({ email: 'expire@example.com' });
    const sub = await h.stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] });
    expect(sub.status).toBe('incomplete');
    await h.advanceDays(1);
    expect((await h.stripe.subscriptions.retrieve(sub.id)).status).toBe('incomplete_expired');
    expect((await h.stripe.invoices.retrieve(sub.latest_invoice as string)).status).toBe('void');
  });
});

describe('portal', () => {
  it('cancel at period end from the hosted portal, then deleted at period end', async () => {
    const { subscription, customer } = await h.subscribe();
    const portal = await h.stripe.billingPortal.sessions.create({ customer: customer.id, return_url: 'http://localhost/account' });
    expect(portal.url).toBe(`${h.emulator.url}/portal/${portal.id}`);
    const page = await (await fetch(portal.url)).text();
    expect(page).toContain(subscription.id);
    const res = await fetch(`${portal.url}/subscriptions/${subscription.id}/cancel`, { method: 'POST', redirect: 'manual' });
    expect(res.status).toBe(303);
    let sub = await h.stripe.subscriptions.retrieve(subscription.id);
    expect(sub).toMatchObject({ status: 'active', cancel_at_period_end: true });
    await fetch(`${portal.url}/subscriptions/${subscription.id}/resume`, { method: 'POST', redirect: 'manual' });
    expect((await h.stripe.subscriptions.retrieve(subscription.id)).cancel_at_period_end).toBe(false);
    await h.stripe.subscriptions.update(subscription.id, { cancel_at_period_end: true });
    await h.flush();
    const from = h.received.length;
    await h.advanceDays(32);
    sub = await h.stripe.subscriptions.retrieve(subscription.id);
    expect(sub.status).toBe('canceled');
    expect(sub.ended_at).toBe(subscription.items.data[0]!.current_period_end);
    await h.flush();
    expect(eventsFor(h, from, subscription.id)).toEqual(['customer.subscription.deleted']);
    expect((await h.stripe.invoices.list({ subscription: subscription.id })).data).toHaveLength(1);
  });

  it('change card in the portal pays a past_due invoice and future renewals', async () => {
    const { subscription, customer } = await h.subscribe('4000000000000341');
    await h.advanceDays(32);
    expect((await h.stripe.subscriptions.retrieve(subscription.id)).status).toBe('past_due');
    const portal = await h.stripe.billingPortal.sessions.create({ customer: customer.id });
    const res = await fetch(`${portal.url}/card`, { method: 'POST', body: new URLSearchParams({ card: '4242424242424242' }), redirect: 'manual' });
    expect(res.status).toBe(303);
    const sub = await h.stripe.subscriptions.retrieve(subscription.id);
    expect(sub.status).toBe('active');
    expect((await h.stripe.invoices.retrieve(sub.latest_invoice as string)).status).toBe('paid');
    await h.advanceDays(31);
    expect((await h.stripe.subscriptions.retrieve(subscription.id)).status).toBe('active');
  });

  it('cancel now from the API emits customer.subscription.deleted', async () => {
    const { subscription } = await h.subscribe();
    const canceled = await h.stripe.subscriptions.cancel(subscription.id);
    expect(canceled).toMatchObject({ status: 'canceled' });
    expect((await h.stripe.subscriptions.list({ customer: subscription.customer as string })).data).toHaveLength(0);
    expect((await h.stripe.subscriptions.list({ customer: subscription.customer as string, status: 'canceled' })).data).toHaveLength(1);
  });
});

describe('discounts and credits', () => {
  it('a 50% coupon halves the invoice (forever: renewals too)', async () => {
    const coupon = await h.stripe.coupons.create({ percent_off: 50, duration: 'forever' });
    const { subscription, session } = await h.subscribe('4242424242424242', { discounts: [{ coupon: coupon.id }] });
    expect(session.amount_total).toBe(500);
    const invoice = await h.stripe.invoices.retrieve(subscription.latest_invoice as string);
    expect(invoice).toMatchObject({ subtotal: 1000, total: 500, amount_due: 500, amount_paid: 500 });
    expect(invoice.total_discount_amounts).toEqual([{ amount: 500, discount: invoice.discounts[0] }]);
    await h.advanceDays(32);
    const renewed = await h.stripe.subscriptions.retrieve(subscription.id);
    expect((await h.stripe.invoices.retrieve(renewed.latest_invoice as string)).amount_paid).toBe(500);
    expect((await h.stripe.coupons.retrieve(coupon.id)).times_redeemed).toBe(1);
  });

  it('a once amount_off coupon only discounts the first invoice', async () => {
    const coupon = await h.stripe.coupons.create({ amount_off: 300, currency: 'usd', duration: 'once' });
    const { subscription } = await h.subscribe('4242424242424242', { discounts: [{ coupon: coupon.id }] });
    expect((await h.stripe.invoices.retrieve(subscription.latest_invoice as string)).amount_paid).toBe(700);
    await h.advanceDays(32);
    const renewed = await h.stripe.subscriptions.retrieve(subscription.id);
    expect((await h.stripe.invoices.retrieve(renewed.latest_invoice as string)).amount_paid).toBe(1000);
  });

  it('a customer balance credit lowers the next invoice', async () => {
    const { subscription, customer } = await h.subscribe();
    await h.flush();
    const from = h.received.length;
    const txn = await h.stripe.customers.createBalanceTransaction(customer.id, { amount: -350, currency: 'usd', description: 'earnings' });
    expect(txn).toMatchObject({ object: 'customer_balance_transaction', amount: -350, ending_balance: -350, type: 'adjustment' });
    await h.flush();
    const updated = h.received.slice(from).find((e) => e.type === 'customer.updated')!;
    expect(updated.data.object.balance).toBe(-350);
    expect(updated.data.previous_attributes).toMatchObject({ balance: 0 });
    await h.advanceDays(32);
    const renewed = await h.stripe.subscriptions.retrieve(subscription.id);
    const invoice = await h.stripe.invoices.retrieve(renewed.latest_invoice as string);
    expect(invoice).toMatchObject({ total: 1000, starting_balance: -350, ending_balance: 0, amount_due: 650, amount_paid: 650, status: 'paid' });
    expect(((await h.stripe.customers.retrieve(customer.id)) as Stripe.Customer).balance).toBe(0);
    const txns = await h.stripe.customers.listBalanceTransactions(customer.id);
    expect(txns.data.map((t) => [t.type, t.amount])).toEqual([['applied_to_invoice', 350], ['adjustment', -350]]);
  });

  it('a credit larger than the invoice pays it fully without a charge', async () => {
    const { subscription, customer } = await h.subscribe();
    await h.stripe.customers.createBalanceTransaction(customer.id, { amount: -1500, currency: 'usd' });
    await h.advanceDays(32);
    const renewed = await h.stripe.subscriptions.retrieve(subscription.id);
    const invoice = await h.stripe.invoices.retrieve(renewed.latest_invoice as string);
    expect(invoice).toMatchObject({ status: 'paid', amount_due: 0, starting_balance: -1500, ending_balance: -500 });
    expect((invoice as unknown as { charge: string | null }).charge).toBeNull();
  });
});
