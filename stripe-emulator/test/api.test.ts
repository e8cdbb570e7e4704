import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './helpers.js';

// Wire format: auth, errors, shapes, idempotency, pagination, expand, events.

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

describe('auth and errors', () => {
  it('rejects keys that are not sk_test_ with a 401 envelope', async () => {
    const bad = new Stripe('sk_live_nope', { host: '127.0.0.1', port: h.emulator.port, protocol: 'http', maxNetworkRetries: 0 });
    await expect(bad.customers.list()).rejects.toMatchObject({ type: 'StripeAuthenticationError', statusCode: 401 });
    const res = await fetch(`${h.emulator.url}/v1/customers`);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { type: string } }).error.type).toBe('invalid_request_error');
  });

  it('answers 404 resource_missing for unknown ids', async () => {
    await expect(h.stripe.customers.retrieve('cus_missing')).rejects.toMatchObject({
      statusCode: 404,
      code: 'resource_missing',
      param: 'id',
      type: 'StripeInvalidRequestError',
    });
  });

  it('answers 400 for missing and unknown parameters', async () => {
    await expect(h.stripe.prices.create({ currency: 'usd', unit_amount: 100 })).rejects.toMatchObject({
      statusCode: 400,
      code: 'parameter_missing',
    });
    await expect(h.stripe.customers.create({ emial: 'x@example.com' } as Stripe.CustomerCreateParams)).rejects.toMatchObject({
      statusCode: 400,
      code: 'parameter_unknown',
      param: 'emial',
    });
  });

  it('accepts the Stripe-Account header', async () => {
    const customer = await h.stripe.customers.create({ email: 'acct@example.com' }, { stripeAccount: 'acct_123' });
    expect(customer.id).toMatch(/^cus_/);
  });
});

describe('shapes', () => {
  it('returns Stripe-shaped customers, products and prices', async () => {
    const customer = await h.stripe.customers.create({ email: 'shape@example.com', name: 'Ada', metadata: { user_id: '42' } });
    expect(customer).toMatchObject({ object: 'customer', email: 'shape@example.com', balance: 0, livemode: false, metadata: { user_id: '42' } });
    expect(customer.invoice_settings.default_payment_method).toBeNull();
    const updated = await h.stripe.customers.update(customer.id, { metadata: { user_id: '', plan: 'x' } });
    expect(updated.metadata).toEqual({ plan: 'x' });
    const price = await h.createPremiumPrice(1000);
    expect(price).toMatchObject({ object: 'price', unit_amount: 1000, currency: 'usd', type: 'recurring', recurring: { interval: 'month', interval_count: 1 } });
    expect(price.id).toMatch(/^price_/);
    expect(price.product).toMatch(/^prod_/);
  });

  it('returns subscriptions and invoices with 2026 fields and convenience copies', async () => {
    const { subscription, session } = await h.subscribe();
    expect(session.status).toBe('complete');
    expect(subscription.object).toBe('subscription');
    expect(subscription.id).toMatch(/^sub_/);
    expect(subscription.metadata).toEqual({ user_id: '1' });
    const item = subscription.items.data[0]!;
    expect(item.current_period_end).toBeGreaterThan(item.current_period_start);
    expect((subscription as unknown as { current_period_end: number }).current_period_end).toBe(item.current_period_end);
    const invoice = await h.stripe.invoices.retrieve(subscription.latest_invoice as string);
    expect(invoice).toMatchObject({ object: 'invoice', status: 'paid', amount_due: 1000, amount_paid: 1000, amount_remaining: 0, subtotal: 1000, total: 1000, billing_reason: 'subscription_create' });
    expect(invoice.parent?.subscription_details?.subscription).toBe(subscription.id);
    expect((invoice as unknown as { subscription: string }).subscription).toBe(subscription.id);
    expect(invoice.lines.data[0]!.period).toEqual({ start: item.current_period_start, end: item.current_period_end });
    expect(invoice.status_transitions.paid_at).toBeTypeOf('number');
    const chargeId = (invoice as unknown as { charge: string }).charge;
    const charge = await h.stripe.charges.retrieve(chargeId);
    expect(charge).toMatchObject({ object: 'charge', amount: 1000, amount_refunded: 0, refunded: false, disputed: false, customer: subscription.customer, status: 'succeeded' });
    expect((charge as unknown as { invoice: string }).invoice).toBe(invoice.id);
    const pi = await h.stripe.paymentIntents.retrieve(charge.payment_intent as string);
    expect(pi).toMatchObject({ status: 'succeeded', latest_charge: charge.id, amount_received: 1000 });
  });
});

describe('idempotency', () => {
  it('replays the same response for the same key and parameters', async () => {
    const key = `idem-${Date.now()}`;
    const first = await h.stripe.customers.create({ email: 'idem@example.com' }, { idempotencyKey: key });
    const second = await h.stripe.customers.create({ email: 'idem@example.com' }, { idempotencyKey: key });
    expect(second.id).toBe(first.id);
    expect(second.lastResponse.headers['idempotent-replayed']).toBe('true');
  });

  it('refuses the same key with other parameters', async () => {
    const key = `idem-diff-${Date.now()}`;
    await h.stripe.customers.create({ email: 'a@example.com' }, { idempotencyKey: key });
    await expect(h.stripe.customers.create({ email: 'b@example.com' }, { idempotencyKey: key })).rejects.toMatchObject({
      type: 'StripeIdempotencyError',
      statusCode: 400,
    });
  });

  it('keys are scoped per account', async () => {
    const key = `idem-acct-${Date.now()}`;
    const a = await h.stripe.customers.create({ email: 'a@example.com' }, { idempotencyKey: key });
    const b = await h.stripe.customers.create({ email: 'a@example.com' }, { idempotencyKey: key, stripeAccount: 'acct_other' });
    expect(b.id).not.toBe(a.id);
  });

  it('error_after_rate does the work, answers 500, and a retry with the key returns the original', async () => {
    await h.control('/_emulator/faults', {}, { paths: { 'POST /v1/customers': { error_after_rate: 1 } }, seed: 7 });
    const key = `lost-${Date.now()}`;
    const before = (await h.stripe.customers.list({ limit: 100 })).data.length;
    await expect(h.stripe.customers.create({ email: 'lost@example.com' }, { idempotencyKey: key })).rejects.toMatchObject({ statusCode: 500 });
    await h.control('/_emulator/faults', {}, {});
    const retried = await h.stripe.customers.create({ email: 'lost@example.com' }, { idempotencyKey: key });
    expect(retried.lastResponse.headers['idempotent-replayed']).toBe('true');
    const after = (await h.stripe.customers.list({ limit: 100 })).data;
    expect(after.length).toBe(before + 1);
    expect(after.filter((c) => c.email === 'lost@example.com').map((c) => c.id)).toEqual([retried.id]);
  });

  it('error_rate answers 500 without doing the work; the SDK retry with its own key succeeds once', async () => {
    await h.control('/_emulator/faults', {}, { paths: { 'POST /v1/products': { error_rate: 1 } } });
    await expect(h.stripe.products.create({ name: 'never' })).rejects.toMatchObject({ statusCode: 500 });
    await h.control('/_emulator/faults', {}, {});
    const products = await h.stripe.products.list({ limit: 100 });
    expect(products.data.some((p) => p.name === 'never')).toBe(false);
  });
});

describe('pagination and expand', () => {
  it('pages with limit, starting_after and ending_before', async () => {
    const product = await h.stripe.products.create({ name: 'Paged' });
    const created: string[] = [];
    for (let i = 0; i < 7; i++) {
      created.push((await h.stripe.prices.create({ product: product.id, unit_amount: 100 + i, currency: 'usd' })).id);
    }
    const newestFirst = [...created].reverse();
    const page1 = await h.stripe.prices.list({ product: product.id, limit: 3 });
    expect(page1).toMatchObject({ object: 'list', has_more: true, url: '/v1/prices' });
    expect(page1.data.map((p) => p.id)).toEqual(newestFirst.slice(0, 3));
    const page2 = await h.stripe.prices.list({ product: product.id, limit: 3, starting_after: page1.data[2]!.id });
    expect(page2.data.map((p) => p.id)).toEqual(newestFirst.slice(3, 6));
    const back = await h.stripe.prices.list({ product: product.id, limit: 2, ending_before: page2.data[0]!.id });
    expect(back.data.map((p) => p.id)).toEqual(newestFirst.slice(1, 3));
    const all = await h.stripe.prices.list({ product: product.id, limit: 2 }).autoPagingToArray({ limit: 100 });
    expect(all.map((p) => p.id)).toEqual(newestFirst);
  });

  it('expands nested ids, in objects and in lists', async () => {
    const { subscription } = await h.subscribe();
    const expanded = await h.stripe.subscriptions.retrieve(subscription.id, { expand: ['latest_invoice', 'customer'] });
    expect((expanded.latest_invoice as Stripe.Invoice).object).toBe('invoice');
    expect((expanded.customer as Stripe.Customer).object).toBe('customer');
    const invoices = await h.stripe.invoices.list({ customer: subscription.customer as string, expand: ['data.customer'] });
    expect((invoices.data[0]!.customer as Stripe.Customer).id).toBe(subscription.customer);
    const subs = await h.stripe.subscriptions.list({ customer: subscription.customer as string });
    expect(subs.data.map((s) => s.id)).toEqual([subscription.id]);
  });
});

describe('events', () => {
  it('lists events by type with the Stripe event shape', async () => {
    const customer = await h.stripe.customers.create({ email: 'evt@example.com' });
    const events = await h.stripe.events.list({ type: 'customer.created', limit: 100 });
    const event = events.data.find((e) => (e.data.object as Stripe.Customer).id === customer.id)!;
    expect(event).toMatchObject({ object: 'event', api_version: '2026-10-28.endive', livemode: false, type: 'customer.created' });
    expect(event.request?.id).toMatch(/^req_/);
    const retrieved = await h.stripe.events.retrieve(event.id);
    expect(retrieved.id).toBe(event.id);
    const wildcard = await h.stripe.events.list({ types: ['customer.*'], created: { gte: event.created }, limit: 100 });
    expect(wildcard.data.every((e) => e.type.startsWith('customer.'))).toBe(true);
    await h.stripe.customers.update(customer.id, { name: 'Changed' });
    const updates = await h.stripe.events.list({ type: 'customer.updated', limit: 1 });
    expect(updates.data[0]!.data.previous_attributes).toEqual({ name: null });
  });
});
