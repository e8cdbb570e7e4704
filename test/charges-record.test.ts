import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { billingPeriods, chargeDisputes, chargeRefunds, charges, invoices, subscriptions } from '../src/server/db/schema.js';
import { createMember, deliverSignedEvent, flushWebhooks, type Member, subscribeThroughCheckout } from './factories.js';
import { createTestApp, type TestApp } from './support/app.js';
import { expectReconciled } from './support/reconcile.js';
import { waitUntil } from './support/wait.js';

// Charge events record the charge, its refunds and its disputes as Stripe has them (the finance summary's losses).
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({}, { stripe: true });
});
afterAll(() => t?.close());
afterEach(() => expectReconciled(t));

const customerOf = async (member: Member) => (await t.ctx.stripe.raw.customers.list({ email: member.email })).data[0]!;

async function paidSubscriber() {
  const member = await createMember(t);
  await subscribeThroughCheckout(t, member);
  const customer = await customerOf(member);
  const charge = (await t.ctx.stripe.raw.charges.list({ customer: customer.id })).data[0]!;
  const [period] = await t.database.db.select().from(billingPeriods).where(eq(billingPeriods.userId, member.id));
  return { member, customer, charge, period: period! };
}

async function recorded(chargeId: string) {
  const [charge] = await t.database.db.select().from(charges).where(eq(charges.id, chargeId));
  const refunds = await t.database.db.select().from(chargeRefunds).where(eq(chargeRefunds.chargeId, chargeId)).orderBy(chargeRefunds.stripeCreatedAt, chargeRefunds.id);
  const disputes = await t.database.db.select().from(chargeDisputes).where(eq(chargeDisputes.chargeId, chargeId));
  return { charge, refunds, disputes };
}

/** Stripe sends the same news again under a new event id: processed from the current objects, it must change nothing. */
async function replayLatestEvent(type: string, objectId: string) {
  const events = await t.ctx.stripe.raw.events.list({ type, limit: 100 });
  const event = events.data.find((e) => (e.data.object as { id: string }).id === objectId);
  expect(event, `a ${type} event for ${objectId}`).toBeDefined();
  const response = await deliverSignedEvent(t, { ...event, id: `evt_replay_${randomUUID().replaceAll('-', '')}` });
  expect(response.status).toBe(200);
}

describe('charges, refunds and disputes are recorded from Stripe', () => {
  it('a partial then a full refund: the charge, its period and both refunds; a replay changes nothing', async () => {
    const { charge, customer, period } = await paidSubscriber();
    const first = await t.ctx.stripe.raw.refunds.create({ charge: charge.id, amount: 300 });
    await flushWebhooks(t);
    let row = await recorded(charge.id);
    expect(row.charge).toMatchObject({
      id: charge.id,
      paymentIntentId: charge.payment_intent,
      invoiceId: period.invoiceId,
      billingPeriodId: period.id,
      customerId: customer.id,
      amountCents: 1000,
      refundedCents: 300,
      stripeCreatedAt: new Date(charge.created * 1000),
    });
    expect(row.refunds).toEqual([
      expect.objectContaining({ id: first.id, chargeId: charge.id, amountCents: 300, status: 'succeeded', stripeCreatedAt: new Date(first.created * 1000) }),
    ]);

    const rest = await t.ctx.stripe.raw.refunds.create({ charge: charge.id, reason: 'requested_by_customer' });
    await flushWebhooks(t);
    row = await recorded(charge.id);
    expect(row.charge).toMatchObject({ refundedCents: 1000 });
    expect(row.refunds.map((r) => [r.id, r.amountCents, r.reason]).sort()).toEqual(
      [
        [first.id, 300, null],
        [rest.id, 700, 'requested_by_customer'],
      ].sort(),
    );
    const [periodAfter] = await t.database.db.select().from(billingPeriods).where(eq(billingPeriods.id, period.id));
    expect(periodAfter!.refundedCents).toBe(1000);

    await replayLatestEvent('charge.refunded', charge.id);
    expect(await recorded(charge.id)).toEqual(row);
  });

  it('a dispute is recorded when opened and follows it to lost; a replay changes nothing', async () => {
    const { charge } = await paidSubscriber();
    const dispute = await t.emulator(`/_emulator/charges/${charge.id}/dispute`, {});
    await flushWebhooks(t);
    let row = await recorded(charge.id);
    expect(row.charge).toMatchObject({ amountCents: 1000, refundedCents: 0 });
    expect(row.disputes).toEqual([
      expect.objectContaining({ id: dispute.id, chargeId: charge.id, amountCents: 1000, status: 'needs_response', stripeCreatedAt: new Date(dispute.created * 1000) }),
    ]);
    expect(row.refunds).toEqual([]);

    await t.emulator(`/_emulator/disputes/${dispute.id}/close`, { status: 'lost' });
    await flushWebhooks(t);
    row = await recorded(charge.id);
    expect(row.disputes).toEqual([expect.objectContaining({ id: dispute.id, status: 'lost', amountCents: 1000 })]);

    await replayLatestEvent('charge.dispute.closed', dispute.id);
    expect(await recorded(charge.id)).toEqual(row);
  });

  it('a won dispute is recorded as won', async () => {
    const { charge } = await paidSubscriber();
    const dispute = await t.emulator(`/_emulator/charges/${charge.id}/dispute`, {});
    await t.emulator(`/_emulator/disputes/${dispute.id}/close`, { status: 'won' });
    await flushWebhooks(t);
    expect((await recorded(charge.id)).disputes).toEqual([expect.objectContaining({ id: dispute.id, status: 'won', amountCents: 1000 })]);
  });

  it('a duplicate subscription’s refunded payment is recorded with no period', async () => {
    const member = await createMember(t);
    await subscribeThroughCheckout(t, member);
    // A second session paid at Stripe: the second subscription is the duplicate, cancelled and refunded in full.
    const session = await t.ctx.stripe.createCheckoutSession({
      userId: member.id,
      customerId: (await customerOf(member)).id,
      priceId: t.ctx.billing.priceId!,
      successUrl: 'http://localhost/return',
      cancelUrl: 'http://localhost/cancel',
      attemptId: randomUUID(),
    });
    await t.emulator(`/_emulator/checkout/sessions/${session.id}/pay`, { card: '4242424242424242' });
    await flushWebhooks(t);
    const duplicate = await waitUntil(
      async () => {
        await flushWebhooks(t);
        const rows = await t.database.db.select().from(subscriptions).where(eq(subscriptions.userId, member.id));
        return rows.find((s) => s.duplicateOf && s.duplicateSettledAt);
      },
      { message: 'the duplicate to be settled' },
    );
    await flushWebhooks(t);
    const [invoice] = await t.database.db.select().from(invoices).where(eq(invoices.subscriptionId, duplicate.id));
    const row = await waitUntil(
      async () => {
        await flushWebhooks(t);
        const [charge] = await t.database.db.select().from(charges).where(eq(charges.paymentIntentId, invoice!.paymentIntentId!));
        return charge?.refundedCents === 1000 ? charge : undefined;
      },
      { message: 'the duplicate’s charge to be recorded refunded' },
    );
    expect(row).toMatchObject({ invoiceId: invoice!.id, billingPeriodId: null, amountCents: 1000, refundedCents: 1000 });
    expect((await recorded(row.id)).refunds).toEqual([expect.objectContaining({ amountCents: 1000, reason: 'duplicate', status: 'succeeded' })]);
  });
});
