import { eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { billingPeriods } from '../src/server/db/schema.js';
import { creatorBalances } from '../src/server/modules/ledger/repository.js';
import { advanceEmulator, createFlow, createMember, DAY, flushWebhooks, type Member, subscribeThroughCheckout } from './factories.js';
import { createTestApp, type TestApp } from './support/app.js';
import { expectReconciled } from './support/reconcile.js';

// A dollar per copy keeps the arithmetic visible: the $10 period's pool is $7, so seven paid copies at most.
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ RATE_PER_COPY_CENTS: '100' }, { stripe: true });
});
afterAll(() => t?.close());
afterEach(() => expectReconciled(t));

const copy = (member: Member, ref: string) => t.request({ method: 'POST', url: `/v1/flows/${ref}/copy`, token: member.token });
const held = async (creator: Member) => (await creatorBalances(t.database.db, creator.id)).creator_held ?? 0;

async function subscriberWithCopies() {
  const creatorA = await createMember(t);
  const creatorB = await createMember(t);
  const member = await createMember(t);
  await subscribeThroughCheckout(t, member);
  for (const flow of [await createFlow(t, creatorA), await createFlow(t, creatorA), await createFlow(t, creatorB)]) {
    expect((await copy(member, flow.slug)).body.payout_earned).toBe(100);
  }
  const customer = (await t.ctx.stripe.raw.customers.list({ email: member.email })).data[0]!;
  const charge = (await t.ctx.stripe.raw.charges.list({ customer: customer.id })).data[0]!;
  return { creatorA, creatorB, member, charge, customer };
}

describe('refunds and disputes reverse a period’s earnings in proportion', () => {
  it('a half refund reverses half of the period’s earnings', async () => {
    const { creatorA, creatorB, member, charge } = await subscriberWithCopies();
    expect([await held(creatorA), await held(creatorB)]).toEqual([200, 100]);
    await t.ctx.stripe.raw.refunds.create({ charge: charge.id, amount: 500 });
    await flushWebhooks(t);
    expect([await held(creatorA), await held(creatorB)]).toEqual([100, 50]);
    const [period] = await t.database.db.select().from(billingPeriods).where(eq(billingPeriods.userId, member.id));
    expect(period).toMatchObject({ refundedCents: 500, basisCents: 1000 });
    // Refunding the rest reverses the rest: nets are recomputed from the totals, never decremented twice.
    await t.ctx.stripe.raw.refunds.create({ charge: charge.id, amount: 500 });
    await flushWebhooks(t);
    expect([await held(creatorA), await held(creatorB)]).toEqual([0, 0]);
  });

  it('a dispute takes the earnings away while open, and a won dispute restores them', async () => {
    const { creatorA, creatorB, charge } = await subscriberWithCopies();
    const dispute = await t.emulator(`/_emulator/charges/${charge.id}/dispute`, {});
    await flushWebhooks(t);
    expect([await held(creatorA), await held(creatorB)]).toEqual([0, 0]);
    await t.emulator(`/_emulator/disputes/${dispute.id}/close`, { status: 'won' });
    await flushWebhooks(t);
    expect([await held(creatorA), await held(creatorB)]).toEqual([200, 100]);
  });

  it('a lost dispute keeps them reversed', async () => {
    const { creatorA, charge } = await subscriberWithCopies();
    const dispute = await t.emulator(`/_emulator/charges/${charge.id}/dispute`, {});
    await t.emulator(`/_emulator/disputes/${dispute.id}/close`, { status: 'lost' });
    await flushWebhooks(t);
    expect(await held(creatorA)).toBe(0);
  });
});

describe('coupons lower the pool', () => {
  it('a 50% coupon halves the next period’s pool: three paid copies, then free ones', async () => {
    const creator = await createMember(t);
    const member = await createMember(t);
    await subscribeThroughCheckout(t, member);
    const coupon = await t.ctx.stripe.raw.coupons.create({ percent_off: 50, duration: 'forever' });
    const customer = (await t.ctx.stripe.raw.customers.list({ email: member.email })).data[0]!;
    const subscription = (await t.ctx.stripe.raw.subscriptions.list({ customer: customer.id })).data[0]!;
    await t.ctx.stripe.raw.subscriptions.update(subscription.id, { discounts: [{ coupon: coupon.id }] });
    await advanceEmulator(t, 32 * DAY); // past the renewal draft's hour: the renewal is paid

    const periods = await t.database.db.select().from(billingPeriods).where(eq(billingPeriods.userId, member.id));
    const current = periods.sort((a, b) => b.periodStart.getTime() - a.periodStart.getTime())[0]!;
    expect(current).toMatchObject({ status: 'paid', basisCents: 500 });
    const earned = [];
    for (let i = 0; i < 4; i++) earned.push((await copy(member, (await createFlow(t, creator)).slug)).body.payout_earned);
    expect(earned).toEqual([100, 100, 100, 0]);
  });
});
