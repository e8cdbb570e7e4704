import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createFlow, createMember, subscribeThroughCheckout } from './factories.js';
import { createTestApp, type TestApp } from './support/app.js';
import { expectReconciled } from './support/reconcile.js';

const ECONOMICS = { RATE_PER_COPY_CENTS: '9', PAID_COPIES_PER_PERIOD: '40', COPY_LIMIT_PER_PERIOD: '500', CREATOR_SHARE_PERCENT: '65', HOLD_DAYS: '10', MIN_PAYOUT_CENTS: '2500' };

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp(ECONOMICS, { stripe: true });
});
afterAll(() => t?.close());
afterEach(() => expectReconciled(t));

describe('GET /v1/config/public', () => {
  it('answers the configured economics and Stripe’s price to anyone, cacheable for 5 minutes', async () => {
    const response = await t.request({ method: 'GET', url: '/v1/config/public' });
    expect(response.status).toBe(200);
    expect(response.headers['cache-control']).toBe('public, max-age=300');
    expect(response.body).toEqual({
      price_cents: 1000,
      currency: 'usd',
      rate_per_copy_cents: 9,
      paid_copies_per_period: 40,
      copy_limit_per_period: 500,
      creator_share_percent: 65,
      hold_days: 10,
      min_payout_cents: 2500,
    });
    // The price is Stripe's: a different price id gives its amount.
    const price = await t.ctx.stripe.raw.prices.create({ currency: 'eur', unit_amount: 1250, recurring: { interval: 'month' }, product_data: { name: 'Test price' } });
    const original = t.ctx.billing.priceId;
    t.ctx.billing.priceId = price.id;
    try {
      expect((await t.request({ method: 'GET', url: '/v1/config/public' })).body).toMatchObject({ price_cents: 1250, currency: 'eur' });
    } finally {
      t.ctx.billing.priceId = original;
    }
  });

  it('says null for the price while billing is not configured, and is cached briefly then', async () => {
    const original = t.ctx.billing.priceId;
    t.ctx.billing.priceId = undefined;
    try {
      const response = await t.request({ method: 'GET', url: '/v1/config/public' });
      expect(response.status).toBe(200);
      expect(response.headers['cache-control']).toBe('public, max-age=30');
      expect(response.body).toMatchObject({ price_cents: null, currency: null, rate_per_copy_cents: 9, paid_copies_per_period: 40 });
    } finally {
      t.ctx.billing.priceId = original;
    }
  });
});

describe('GET /v1/subscriptions/me: paid_copies_used (the header counter, SPEC §15)', () => {
  it('counts paid copies only: one free copy, two premium copies and a copy of their own flow make 2', async () => {
    const creator = await createMember(t);
    const member = await createMember(t);
    await subscribeThroughCheckout(t, member);
    const before = await t.request({ method: 'GET', url: '/v1/subscriptions/me', token: member.token });
    expect(before.body).toMatchObject({ is_subscriber: true, paid_copies_used: 0, paid_copies_per_period: 40, copies_remaining: 40 });

    const free = await createFlow(t, creator, { is_premium: false });
    const premium = [await createFlow(t, creator), await createFlow(t, creator)];
    const own = await createFlow(t, member);
    const copied = [];
    for (const flow of [free, ...premium, own]) {
      const response = await t.request({ method: 'POST', url: `/v1/flows/${flow.slug}/copy`, token: member.token });
      expect(response.status).toBe(200);
      copied.push(response.body.counted_for_payout);
    }
    expect(copied).toEqual([false, true, true, false]);

    const after = await t.request({ method: 'GET', url: '/v1/subscriptions/me', token: member.token });
    expect(after.body).toMatchObject({ copies_this_month: 4, paid_copies_used: 2, copies_remaining: 38, paid_copies_per_period: 40 });
  });

  it('is 0 for a member without a subscription', async () => {
    const member = await createMember(t);
    expect((await t.request({ method: 'GET', url: '/v1/subscriptions/me', token: member.token })).body).toMatchObject({ is_subscriber: false, paid_copies_used: 0 });
  });
});
