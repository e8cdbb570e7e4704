import { eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { billingPeriods, invoices } from '../src/server/db/schema.js';
import { reconcileLedger } from '../src/server/modules/ledger/reconcile.js';
import { RECONCILE_CHECKS } from '../src/server/reconcile-checks.js';
import { advanceEmulator, createFlow, createMember, DAY, type Member, subscribeThroughCheckout } from './factories.js';
import { createTestApp, type TestApp } from './support/app.js';
import { PAYOUT_ENV, subscribedCreatorWithAvailableEarnings } from './support/payouts.js';
import { expectReconciled } from './support/reconcile.js';

// SPEC §4: a period's pool is 70% of the amount actually collected for it — cash, plus the part of the customer
// balance that came from the member's own earnings credits. At 100 ¢ a copy the pool's edge is easy to see.
let t: TestApp;
let author: Member;
beforeAll(async () => {
  t = await createTestApp(PAYOUT_ENV, { stripe: true });
  author = await createMember(t);
});
afterAll(() => t?.close());
afterEach(() => expectReconciled(t));

const customerOf = async (email: string) => (await t.ctx.stripe.raw.customers.list({ email })).data[0]!;
const credit = async (member: Member, cents: number, description: string) =>
  t.ctx.stripe.raw.customers.createBalanceTransaction((await customerOf(member.email)).id, { amount: -cents, currency: 'usd', description });
/** Past the period end and the renewal invoice's finalization and first payment attempt (an hour later), in any month. */
const renew = () => advanceEmulator(t, 32 * DAY);

async function currentPeriod(member: Member) {
  const periods = await t.database.db.select().from(billingPeriods).where(eq(billingPeriods.userId, member.id));
  const period = periods.sort((a, b) => b.periodStart.getTime() - a.periodStart.getTime())[0]!;
  const [invoice] = await t.database.db.select().from(invoices).where(eq(invoices.id, period.invoiceId!));
  return { period, invoice: invoice! };
}

async function paidCopies(member: Member, count: number): Promise<number[]> {
  const earned = [];
  for (let i = 0; i < count; i++) earned.push((await t.request({ method: 'POST', url: `/v1/flows/${(await createFlow(t, author)).slug}/copy`, token: member.token })).body.payout_earned);
  return earned;
}

describe('the pool is based on money collected', () => {
  it('a goodwill credit is not collected money: 300 ¢ cash + 700 ¢ credit → basis 300, pool 210', async () => {
    const member = await createMember(t);
    await subscribeThroughCheckout(t, member);
    await credit(member, 700, 'Goodwill: sorry about the outage');
    await renew();
    const { period, invoice } = await currentPeriod(member);
    expect(invoice).toMatchObject({ status: 'paid', totalCents: 1000, amountPaidCents: 300, appliedBalanceCents: 700, earningsCreditCents: 0, collectedCents: 300 });
    expect(period).toMatchObject({ status: 'paid', basisCents: 300 });
    expect(await paidCopies(member, 3)).toEqual([100, 100, 0]);
  });

  it('a proration credit left on the balance is not collected money either', async () => {
    const member = await createMember(t);
    await subscribeThroughCheckout(t, member);
    await credit(member, 400, 'Unused time on Premium (proration)');
    await renew();
    const { period, invoice } = await currentPeriod(member);
    expect(invoice).toMatchObject({ amountPaidCents: 600, appliedBalanceCents: 400, collectedCents: 600 });
    expect(period.basisCents).toBe(600);
    expect(await paidCopies(member, 5)).toEqual([100, 100, 100, 100, 0]);
  });

  it('earnings applied to the creator’s own subscription are collected money: 400 ¢ cash + 600 ¢ earnings → basis 1000', async () => {
    const creator = await subscribedCreatorWithAvailableEarnings(t, 6);
    const applied = await t.request({ method: 'POST', url: '/v1/creators/me/apply-to-subscription', token: creator.token });
    expect(applied.body).toMatchObject({ applied_cents: 600, status: 'applied' });
    await renew();
    const { period, invoice } = await currentPeriod(creator);
    expect(invoice).toMatchObject({ amountPaidCents: 400, appliedBalanceCents: 600, earningsCreditCents: 600, collectedCents: 1000 });
    expect(period.basisCents).toBe(1000);
  });

  it('earnings credit and goodwill together: only the earnings part counts, and it is never counted twice', async () => {
    const creator = await subscribedCreatorWithAvailableEarnings(t, 2);
    expect((await t.request({ method: 'POST', url: '/v1/creators/me/apply-to-subscription', token: creator.token })).body.applied_cents).toBe(200);
    await credit(creator, 1500, 'Goodwill');
    await renew();
    const first = await currentPeriod(creator);
    // 1,700 ¢ of credit pays the whole 1,000 ¢ invoice: 200 ¢ of it was earnings, the rest goodwill.
    expect(first.invoice).toMatchObject({ amountPaidCents: 0, appliedBalanceCents: 1000, earningsCreditCents: 200, collectedCents: 200 });
    await renew();
    const second = await currentPeriod(creator);
    // The 700 ¢ left is goodwill: the earnings credit was used up by the first invoice.
    expect(second.invoice).toMatchObject({ amountPaidCents: 300, appliedBalanceCents: 700, earningsCreditCents: 0, collectedCents: 300 });
    expect(second.period.basisCents).toBe(300);
  });

  it('a coupon lowers the basis to the discounted total', async () => {
    const member = await createMember(t);
    await subscribeThroughCheckout(t, member);
    const coupon = await t.ctx.stripe.raw.coupons.create({ amount_off: 250, currency: 'usd', duration: 'forever' });
    const subscription = (await t.ctx.stripe.raw.subscriptions.list({ customer: (await customerOf(member.email)).id })).data[0]!;
    await t.ctx.stripe.raw.subscriptions.update(subscription.id, { discounts: [{ coupon: coupon.id }] });
    await renew();
    const { period, invoice } = await currentPeriod(member);
    expect(invoice).toMatchObject({ subtotalCents: 1000, discountCents: 250, totalCents: 750, amountPaidCents: 750, collectedCents: 750 });
    expect(period.basisCents).toBe(750);
  });

  it('a zero-amount invoice collects nothing: no copy is paid for that period', async () => {
    const member = await createMember(t);
    await subscribeThroughCheckout(t, member);
    const coupon = await t.ctx.stripe.raw.coupons.create({ percent_off: 100, duration: 'forever' });
    const subscription = (await t.ctx.stripe.raw.subscriptions.list({ customer: (await customerOf(member.email)).id })).data[0]!;
    await t.ctx.stripe.raw.subscriptions.update(subscription.id, { discounts: [{ coupon: coupon.id }] });
    await renew();
    const { period, invoice } = await currentPeriod(member);
    expect(invoice).toMatchObject({ status: 'paid', totalCents: 0, collectedCents: 0 });
    expect(period).toMatchObject({ status: 'paid', basisCents: 0 });
    expect(await paidCopies(member, 2)).toEqual([0, 0]);
  });

  it('reconcile checks every paid period’s basis against its stored invoice, so a wrong basis cannot pass', async () => {
    const member = await createMember(t);
    await subscribeThroughCheckout(t, member);
    await credit(member, 700, 'Goodwill');
    await renew();
    const { period } = await currentPeriod(member);
    await t.database.db.update(billingPeriods).set({ basisCents: 1000 }).where(eq(billingPeriods.id, period.id));
    const report = await reconcileLedger(t.database.db, { sharePercent: 70, paidCap: t.config.economics.paidCopiesPerPeriod }, RECONCILE_CHECKS);
    expect(report.isClean).toBe(false);
    expect(report.failures.map((f) => f.detail)).toContain(`period ${period.id}: basis 1000 ¢ but invoice ${period.invoiceId} collected 300 ¢`);
    await t.database.db.update(billingPeriods).set({ basisCents: 300 }).where(eq(billingPeriods.id, period.id));
  });
});
