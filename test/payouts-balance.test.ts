import { eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { inTransaction } from '../src/server/db/client.js';
import { creditApplications, payouts } from '../src/server/db/schema.js';
import { resumeOpenWork, runPayouts } from '../src/server/modules/payouts/runs.js';
import { syncTransferReversals } from '../src/server/modules/payouts/sending.js';
import { advanceEmulator, createMember, DAY, flushWebhooks, subscribeThroughCheckout } from './factories.js';
import { createTestApp, type TestApp } from './support/app.js';
import {
  balancesOf,
  connectedCreatorWhoEarned,
  createCreator,
  earn,
  PAYOUT_ENV,
  pastTheHold,
  payoutsOf,
  subscribedCreatorWithAvailableEarnings,
  transfersTo,
} from './support/payouts.js';
import { expectReconciled } from './support/reconcile.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp(PAYOUT_ENV, { stripe: true });
});
afterAll(() => t?.close());
afterEach(() => expectReconciled(t));

const apply = (token: string, payload?: unknown, key?: string) =>
  t.request({
    method: 'POST',
    url: '/v1/creators/me/apply-to-subscription',
    token,
    ...(payload === undefined ? {} : { payload: payload as object }),
    headers: key ? { 'idempotency-key': key } : {},
  });
const customerOf = async (email: string) => (await t.ctx.stripe.raw.customers.list({ email })).data[0]!;

describe('transfer reversals and refunds after a payout', () => {
  it('a refund after the payout makes the balance negative; a transfer reversal recovers it; later earnings are paid in full', async () => {
    const { creator, accountId, subscriber } = await connectedCreatorWhoEarned(t, 6);
    await runPayouts(t.ctx, { asOf: await pastTheHold(t), creatorIds: [creator.id] });
    const [payout] = await payoutsOf(t, creator.id);
    expect(payout).toMatchObject({ status: 'paid', amountCents: 600 });

    // Half the subscriber's charge is refunded: half of what that period earned comes back out of the available balance.
    const customer = await customerOf(subscriber.email);
    const charge = (await t.ctx.stripe.raw.charges.list({ customer: customer.id })).data[0]!;
    await t.ctx.stripe.raw.refunds.create({ charge: charge.id, amount: 500 });
    await flushWebhooks(t);
    expect(await balancesOf(t, creator.id)).toMatchObject({ available: -300, paid: 600 });
    // A negative balance pays nothing.
    expect(await runPayouts(t.ctx, { asOf: await pastTheHold(t, 2), creatorIds: [creator.id] })).toMatchObject({ eligible: 0, created: 0 });

    // The platform reverses 300 of the transfer: it leaves creator_paid and settles the debt.
    await t.ctx.stripe.raw.transfers.createReversal(payout!.stripeTransferId!, { amount: 300 });
    await flushWebhooks(t);
    expect(await balancesOf(t, creator.id)).toMatchObject({ available: 0, paid: 300 });
    const [reversed] = await t.database.db.select().from(payouts).where(eq(payouts.id, payout!.id));
    expect(reversed).toMatchObject({ status: 'paid', reversedCents: 300 });
    await expectReconciled(t);

    // Replaying the webhook changes nothing.
    const events = await t.ctx.stripe.raw.events.list({ type: 'transfer.reversed', limit: 10 });
    const event = events.data.find((e) => (e.data.object as { id: string }).id === payout!.stripeTransferId)!;
    await inTransaction(t.database.db, (tx) => syncTransferReversals(tx, t.ctx.stripe, (event.data.object as { id: string }).id));
    expect(await balancesOf(t, creator.id)).toMatchObject({ available: 0, paid: 300 });

    // New earnings are not eaten by the old debt any more: the next run pays them in full.
    await earn(t, creator, 6);
    const next = await runPayouts(t.ctx, { asOf: await pastTheHold(t, 3), creatorIds: [creator.id] });
    expect(next).toMatchObject({ paid: 1, paid_cents: 600 });
    expect((await transfersTo(t, accountId)).map((tr) => tr.amount).sort()).toEqual([600, 600]);
  });

  it('without a reversal, later earnings repay a negative balance before anything is paid', async () => {
    const { creator, subscriber } = await connectedCreatorWhoEarned(t, 6);
    await runPayouts(t.ctx, { asOf: await pastTheHold(t), creatorIds: [creator.id] });
    const charge = (await t.ctx.stripe.raw.charges.list({ customer: (await customerOf(subscriber.email)).id })).data[0]!;
    await t.ctx.stripe.raw.refunds.create({ charge: charge.id });
    await flushWebhooks(t);
    expect(await balancesOf(t, creator.id)).toMatchObject({ available: -600, paid: 600 });
    await earn(t, creator, 6);
    await earn(t, creator, 5);
    const run = await runPayouts(t.ctx, { asOf: await pastTheHold(t, 2), creatorIds: [creator.id] });
    expect(run).toMatchObject({ paid: 1, paid_cents: 500 }); // 600 + 500 earned, 600 of it repaid the debt
    expect(await balancesOf(t, creator.id)).toMatchObject({ available: 0, paid: 1100 });
  });
});

describe('earnings toward the creator’s own subscription', () => {
  it('400 for bad amounts and 409 without a customer or enough available, changing nothing', async () => {
    const creator = await createCreator(t, 1);
    const noCustomer = await apply(creator.token);
    expect(noCustomer.status).toBe(409);
    expect(noCustomer.body.type).toContain('no-billing-account');
    await subscribeThroughCheckout(t, creator);
    for (const payload of [{ amount_cents: -5 }, { amount_cents: 0 }, { amount_cents: 1.5 }, { amount_cents: '100' }]) {
      const bad = await apply(creator.token, payload);
      expect(bad.status).toBe(400);
      expect(bad.headers['content-type']).toContain('application/problem+json');
    }
    const nothing = await apply(creator.token);
    expect(nothing.status).toBe(409);
    expect(nothing.body).toMatchObject({ type: expect.stringContaining('insufficient-available-balance'), available_cents: 0 });
    expect(await t.database.db.select().from(creditApplications).where(eq(creditApplications.creatorId, creator.id))).toHaveLength(0);
    expect((await t.ctx.stripe.raw.customers.listBalanceTransactions((await customerOf(creator.email)).id)).data).toHaveLength(0);
    expect((await t.request({ method: 'POST', url: '/v1/creators/me/apply-to-subscription' })).status).toBe(401);
  });

  it('applying earnings lowers the creator’s next invoice on the emulator, idempotently', async () => {
    const creator = await subscribedCreatorWithAvailableEarnings(t, 6);
    const customer = await customerOf(creator.email);

    const tooMuch = await apply(creator.token, { amount_cents: 601 });
    expect(tooMuch.status).toBe(409);
    const part = await apply(creator.token, { amount_cents: 200 }, 'first-credit');
    expect(part.status).toBe(200);
    expect(part.body).toMatchObject({ applied_cents: 200, customer_balance_cents: -200, status: 'applied' });
    // A replay (same Idempotency-Key) returns the first result and applies nothing more.
    const replay = await apply(creator.token, { amount_cents: 200 }, 'first-credit');
    expect(replay.body).toMatchObject({ id: part.body.id, applied_cents: 200, status: 'applied' });
    expect(await balancesOf(t, creator.id)).toMatchObject({ available: 400, credited: 200 });

    const rest = await apply(creator.token);
    expect(rest.body).toMatchObject({ applied_cents: 400, customer_balance_cents: -600, status: 'applied' });
    expect(await balancesOf(t, creator.id)).toMatchObject({ available: 0, credited: 600 });
    const transactions = (await t.ctx.stripe.raw.customers.listBalanceTransactions(customer.id)).data;
    expect(transactions.map((tx) => tx.amount).sort((a, b) => a - b)).toEqual([-400, -200]);
    expect(transactions.map((tx) => tx.metadata?.credit_application_id).sort()).toEqual([part.body.id, rest.body.id].sort());
    expect((await t.ctx.stripe.raw.customers.retrieve(customer.id)) as { balance: number }).toMatchObject({ balance: -600 });
    await expectReconciled(t);

    // The renewal takes the credit off: $10.00 − $6.00 (charged an hour after the period end).
    await advanceEmulator(t, 32 * DAY);
    const [renewal] = (await t.ctx.stripe.raw.invoices.list({ customer: customer.id, limit: 1 })).data;
    expect(renewal).toMatchObject({ total: 1000, amount_due: 400, starting_balance: -600, ending_balance: 0, status: 'paid' });
  });

  it('two applications at once never spend the same earnings twice', async () => {
    const creator = await subscribedCreatorWithAvailableEarnings(t, 6);
    const responses = await Promise.all([1, 2, 3, 4].map(() => apply(creator.token, { amount_cents: 400 })));
    expect(responses.filter((r) => r.status === 200)).toHaveLength(1);
    expect(responses.every((r) => r.status === 200 || r.status === 409)).toBe(true);
    expect(await balancesOf(t, creator.id)).toMatchObject({ available: 200, credited: 400 });
  });

  it('Stripe unreachable: the credit stays pending (202) and is finished later with the same key, once', async () => {
    const creator = await subscribedCreatorWithAvailableEarnings(t, 5);
    const customer = await customerOf(creator.email);
    await t.emulator('/_emulator/faults', undefined, { json: { paths: { 'POST /v1/customers/*': { error_rate: 1 } } } });
    const pending = await apply(creator.token);
    await t.emulator('/_emulator/faults', undefined, { json: {} });
    expect(pending.status).toBe(202);
    expect(pending.body).toMatchObject({ applied_cents: 500, status: 'pending', customer_balance_cents: null });
    // The money is reserved meanwhile: nothing else can spend it.
    expect(await balancesOf(t, creator.id)).toMatchObject({ available: 0, credited: 500 });
    expect((await apply(creator.token)).status).toBe(409);

    await resumeOpenWork(t.ctx, { leaseMs: 0 });
    const [row] = await t.database.db.select().from(creditApplications).where(eq(creditApplications.id, pending.body.id));
    expect(row).toMatchObject({ status: 'applied', amountCents: 500 });
    const transactions = (await t.ctx.stripe.raw.customers.listBalanceTransactions(customer.id)).data;
    expect(transactions.map((tx) => tx.amount)).toEqual([-500]);
    expect(transactions[0]!.id).toBe(row!.stripeBalanceTransactionId);
  });

  it('Stripe refuses the credit (the customer is gone): 409, and the earnings are available again', async () => {
    const creator = await subscribedCreatorWithAvailableEarnings(t, 3);
    await t.ctx.stripe.raw.customers.del((await customerOf(creator.email)).id);
    await flushWebhooks(t);
    const refused = await apply(creator.token);
    expect(refused.status).toBe(409);
    expect(refused.body.type).toContain('credit-rejected');
    expect(await balancesOf(t, creator.id)).toMatchObject({ available: 300, credited: 0 });
    const rows = await t.database.db.select().from(creditApplications).where(eq(creditApplications.creatorId, creator.id));
    expect(rows.map((r) => r.status)).toEqual(['failed']);
  });

  it('a member who is not a creator has nothing to apply', async () => {
    const member = await createMember(t);
    await subscribeThroughCheckout(t, member);
    const response = await apply(member.token, { amount_cents: 100 });
    expect(response.status).toBe(409);
    expect(response.body.available_cents).toBe(0);
  });
});
