import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './helpers.js';

// Connect (accounts, onboarding, transfers, reversals), refunds, disputes and the platform balance.

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

async function chargeOf(h: Harness, subscription: Stripe.Subscription): Promise<Stripe.Charge> {
  const invoice = await h.stripe.invoices.retrieve(subscription.latest_invoice as string);
  return h.stripe.charges.retrieve((invoice as unknown as { charge: string }).charge);
}

describe('connect', () => {
  it('onboards an Express account through the hosted link, transfers to it and reverses part', async () => {
    const account = await h.stripe.accounts.create({ type: 'express', email: 'creator@example.com', capabilities: { transfers: { requested: true } }, metadata: { user_id: '9' } });
    expect(account).toMatchObject({ object: 'account', type: 'express', payouts_enabled: false, details_submitted: false, charges_enabled: false, capabilities: { transfers: 'inactive' }, metadata: { user_id: '9' } });
    expect(account.id).toMatch(/^acct_/);

    await expect(h.stripe.transfers.create({ amount: 700, currency: 'usd', destination: account.id })).rejects.toMatchObject({
      statusCode: 400,
      code: 'insufficient_capabilities_for_transfer',
    });

    const link = await h.stripe.accountLinks.create({ account: account.id, refresh_url: 'http://localhost/refresh', return_url: 'http://localhost/return', type: 'account_onboarding' });
    expect(link.object).toBe('account_link');
    expect(link.expires_at - link.created).toBe(300);
    const page = await fetch(link.url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Complete onboarding');
    await h.flush();
    const from = h.received.length;
    const done = await fetch(link.url, { method: 'POST', redirect: 'manual' });
    expect(done.status).toBe(303);
    expect(done.headers.get('location')).toBe('http://localhost/return');
    const onboarded = await h.stripe.accounts.retrieve(account.id);
    expect(onboarded).toMatchObject({ payouts_enabled: true, details_submitted: true, capabilities: { transfers: 'active' } });
    await h.flush();
    const updated = h.received.slice(from).find((e) => e.type === 'account.updated')!;
    expect(updated.data.object.payouts_enabled).toBe(true);
    expect(updated.data.previous_attributes).toMatchObject({ payouts_enabled: false });

    const transfer = await h.stripe.transfers.create(
      { amount: 700, currency: 'usd', destination: account.id, transfer_group: 'payout_1', metadata: { payout_id: '1' } },
      { idempotencyKey: 'payout-1' },
    );
    expect(transfer).toMatchObject({ object: 'transfer', amount: 700, amount_reversed: 0, reversed: false, destination: account.id, transfer_group: 'payout_1' });
    const again = await h.stripe.transfers.create({ amount: 700, currency: 'usd', destination: account.id, transfer_group: 'payout_1', metadata: { payout_id: '1' } }, { idempotencyKey: 'payout-1' });
    expect(again.id).toBe(transfer.id);
    expect((await h.stripe.transfers.list({ destination: account.id })).data.map((t) => t.id)).toEqual([transfer.id]);
    expect((await h.stripe.transfers.list({ transfer_group: 'payout_1' })).data).toHaveLength(1);
    const connected = await h.stripe.balance.retrieve({}, { stripeAccount: account.id });
    expect(connected.available[0]!.amount).toBe(700);

    const reversal = await h.stripe.transfers.createReversal(transfer.id, { amount: 200 });
    expect(reversal).toMatchObject({ object: 'transfer_reversal', amount: 200, transfer: transfer.id });
    const after = await h.stripe.transfers.retrieve(transfer.id);
    expect(after).toMatchObject({ amount_reversed: 200, reversed: false });
    await expect(h.stripe.transfers.createReversal(transfer.id, { amount: 600 })).rejects.toMatchObject({ statusCode: 400 });
    await h.stripe.transfers.createReversal(transfer.id);
    expect((await h.stripe.transfers.retrieve(transfer.id)).reversed).toBe(true);
    await h.flush();
    const reversed = h.received.filter((e) => e.type === 'transfer.reversed');
    expect(reversed.map((e) => e.data.object.amount_reversed)).toEqual([200, 700]);
    expect(h.received.some((e) => e.type === 'transfer.created' && e.data.object.id === transfer.id)).toBe(true);
  });

  it('the onboard control endpoint does the same', async () => {
    const account = await h.stripe.accounts.create({ type: 'express', capabilities: { transfers: { requested: true } } });
    const res = await h.control<Stripe.Account>(`/_emulator/accounts/${account.id}/onboard`);
    expect(res.status).toBe(200);
    expect(res.body.payouts_enabled).toBe(true);
  });
});

describe('refunds and disputes', () => {
  it('refunds part of a charge, then the rest; over-refunds are refused', async () => {
    const { subscription } = await h.subscribe();
    const charge = await chargeOf(h, subscription);
    await h.flush();
    const from = h.received.length;
    const refund = await h.stripe.refunds.create({ charge: charge.id, amount: 300 });
    expect(refund).toMatchObject({ object: 'refund', amount: 300, charge: charge.id, status: 'succeeded', payment_intent: charge.payment_intent });
    expect(await h.stripe.charges.retrieve(charge.id)).toMatchObject({ amount_refunded: 300, refunded: false });
    await expect(h.stripe.refunds.create({ charge: charge.id, amount: 800 })).rejects.toMatchObject({ statusCode: 400, code: 'amount_too_large' });
    await h.stripe.refunds.create({ payment_intent: charge.payment_intent as string });
    expect(await h.stripe.charges.retrieve(charge.id)).toMatchObject({ amount_refunded: 1000, refunded: true });
    await h.flush();
    const types = h.received.slice(from).map((e) => e.type);
    expect(types).toEqual(['refund.created', 'charge.refunded', 'refund.created', 'charge.refunded']);
    const first = h.received.slice(from).find((e) => e.type === 'charge.refunded')!;
    expect(first.data.object.amount_refunded).toBe(300);
    expect((await h.stripe.refunds.list({ charge: charge.id })).data).toHaveLength(2);
  });

  it('opens a dispute through the control API and closes it won or lost', async () => {
    const { subscription } = await h.subscribe();
    const charge = await chargeOf(h, subscription);
    await h.flush();
    const from = h.received.length;
    const opened = await h.control<Stripe.Dispute>(`/_emulator/charges/${charge.id}/dispute`);
    expect(opened.status).toBe(200);
    expect(opened.body).toMatchObject({ object: 'dispute', status: 'needs_response', amount: 1000, charge: charge.id });
    expect((await h.stripe.charges.retrieve(charge.id)).disputed).toBe(true);
    const closed = await h.control<Stripe.Dispute>(`/_emulator/disputes/${opened.body.id}/close`, { status: 'lost' });
    expect(closed.body.status).toBe('lost');
    expect((await h.stripe.disputes.retrieve(opened.body.id)).status).toBe('lost');
    await h.flush();
    const types = h.received.slice(from).map((e) => e.type).filter((t) => t.startsWith('charge.dispute'));
    expect(types).toEqual(['charge.dispute.created', 'charge.dispute.closed']);
    const again = await h.control(`/_emulator/disputes/${opened.body.id}/close`, { status: 'won' });
    expect(again.status).toBe(400);
  });

  it('card 0259 pays and is then disputed automatically', async () => {
    const { subscription } = await h.subscribe('4000000000000259');
    expect(subscription.status).toBe('active');
    const charge = await chargeOf(h, subscription);
    expect(charge.disputed).toBe(true);
    const disputes = await h.stripe.disputes.list({ charge: charge.id });
    expect(disputes.data).toHaveLength(1);
    const won = await h.control<Stripe.Dispute>(`/_emulator/disputes/${disputes.data[0]!.id}/close`, { status: 'won' });
    expect(won.body.status).toBe('won');
  });

  it('the platform balance sums charges, refunds, transfers and disputes', async () => {
    const before = (await h.stripe.balance.retrieve()).available[0]!.amount;
    const { subscription } = await h.subscribe();
    const charge = await chargeOf(h, subscription);
    await h.stripe.refunds.create({ charge: charge.id, amount: 100 });
    const after = await h.stripe.balance.retrieve();
    expect(after).toMatchObject({ object: 'balance', livemode: false });
    expect(after.available[0]!.amount - before).toBe(900);
  });
});
