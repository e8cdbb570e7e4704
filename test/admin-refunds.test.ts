import { and, eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { adminRefunds, auditEntries, billingPeriods, charges } from '../src/server/db/schema.js';
import { createStripeGateway } from '../src/server/integrations/stripe/client.js';
import { creatorBalances } from '../src/server/modules/ledger/repository.js';
import { createAdmin, createFlow, createMember, flushWebhooks, type Member, subscribeThroughCheckout } from './factories.js';
import { createTestApp, type TestApp } from './support/app.js';
import { expectReconciled } from './support/reconcile.js';

// SPEC §14 refunds: through Stripe with an idempotency key; the ledger follows through the webhook, as for any refund.
let t: TestApp;
let admin: Member;
beforeAll(async () => {
  t = await createTestApp({ RATE_PER_COPY_CENTS: '100' }, { stripe: true });
  admin = await createAdmin(t);
});
afterAll(() => t?.close());
afterEach(async () => {
  await t.emulator('/_emulator/faults', undefined, { json: {} });
  await flushWebhooks(t);
  await expectReconciled(t);
});

const held = async (creator: Member) => (await creatorBalances(t.database.db, creator.id)).creator_held ?? 0;
const refund = (payload: Record<string, unknown>, key?: string, token = admin.token) =>
  t.request({ method: 'POST', url: '/v1/admin/refunds', token, payload, headers: key ? { 'idempotency-key': key } : {} });

/** A subscriber whose paid $10 invoice earned one creator three paid copies ($1 each). */
async function paidInvoice() {
  const creator = await createMember(t);
  const member = await createMember(t);
  await subscribeThroughCheckout(t, member);
  for (let i = 0; i < 3; i++) {
    const flow = await createFlow(t, creator);
    expect((await t.request({ method: 'POST', url: `/v1/flows/${flow.slug}/copy`, token: member.token })).body.payout_earned).toBe(100);
  }
  const [period] = await t.database.db.select().from(billingPeriods).where(eq(billingPeriods.userId, member.id));
  const customer = (await t.ctx.stripe.raw.customers.list({ email: member.email })).data[0]!;
  const charge = (await t.ctx.stripe.raw.charges.list({ customer: customer.id })).data[0]!;
  expect(period).toMatchObject({ status: 'paid', basisCents: 1000 });
  return { creator, member, period: period!, invoiceId: period!.invoiceId!, charge };
}

const periodOf = async (id: string) => (await t.database.db.select().from(billingPeriods).where(eq(billingPeriods.id, id)))[0]!;
const stripeRefundsOf = async (chargeId: string) => (await t.ctx.stripe.raw.refunds.list({ charge: chargeId, limit: 100 })).data;

describe('POST /v1/admin/refunds', () => {
  it('refunds half of a paid invoice: Stripe refund, the webhook lowers the period and the creator as a direct refund does, audited', async () => {
    const viaConsole = await paidInvoice();
    const direct = await paidInvoice();
    expect(await held(viaConsole.creator)).toBe(300);

    const response = await refund({ invoice_id: viaConsole.invoiceId, amount_cents: 500, reason: 'Customer asked: half the month unused' }, 'half-1');
    expect(response.status).toBe(201);
    expect(response.body).toEqual({
      id: expect.any(String),
      invoice_id: viaConsole.invoiceId,
      user: { id: viaConsole.member.id, username: viaConsole.member.username },
      amount_cents: 500,
      reason: 'Customer asked: half the month unused',
      status: 'succeeded',
      stripe_refund_id: expect.stringMatching(/^re_/),
      failure_reason: null,
      actor: { id: admin.id, username: admin.username },
      created_at: expect.any(String),
    });
    const [stripeRefund] = await stripeRefundsOf(viaConsole.charge.id);
    expect(stripeRefund).toMatchObject({ id: response.body.stripe_refund_id, amount: 500, metadata: { admin_refund_id: response.body.id } });

    await t.ctx.stripe.raw.refunds.create({ charge: direct.charge.id, amount: 500 });
    await flushWebhooks(t);
    const [consolePeriod, directPeriod] = [await periodOf(viaConsole.period.id), await periodOf(direct.period.id)];
    expect(consolePeriod.refundedCents).toBe(500);
    expect(consolePeriod.refundedCents).toBe(directPeriod.refundedCents);
    expect(await held(viaConsole.creator)).toBe(150);
    expect(await held(viaConsole.creator)).toBe(await held(direct.creator));
    const [charge] = await t.database.db.select().from(charges).where(eq(charges.id, viaConsole.charge.id));
    expect(charge).toMatchObject({ refundedCents: 500, billingPeriodId: viaConsole.period.id });

    const audit = await t.database.db
      .select()
      .from(auditEntries)
      .where(and(eq(auditEntries.targetType, 'refund'), eq(auditEntries.targetId, response.body.id)));
    expect(audit).toEqual([
      expect.objectContaining({
        actorId: admin.id,
        action: 'refund.created',
        reason: 'Customer asked: half the month unused',
        after: expect.objectContaining({ invoice_id: viaConsole.invoiceId, amount_cents: 500, user_id: viaConsole.member.id }),
      }),
    ]);
  });

  it('the same Idempotency-Key twice answers the same body and makes one Stripe refund; without a key each call is new', async () => {
    const { invoiceId, charge } = await paidInvoice();
    const first = await refund({ invoice_id: invoiceId, amount_cents: 200, reason: 'goodwill' }, 'same-key-1');
    const second = await refund({ invoice_id: invoiceId, amount_cents: 200, reason: 'goodwill' }, 'same-key-1');
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.body).toEqual(first.body);
    expect(await stripeRefundsOf(charge.id)).toHaveLength(1);
    // The key names that refund: another invoice or amount under it is refused.
    expect((await refund({ invoice_id: invoiceId, amount_cents: 300, reason: 'goodwill' }, 'same-key-1')).status).toBe(409);
    // Keys are each admin's own: another admin's same key is another refund.
    const otherAdmin = await createAdmin(t);
    const others = await refund({ invoice_id: invoiceId, amount_cents: 50, reason: 'goodwill' }, 'same-key-1', otherAdmin.token);
    expect(others.status).toBe(201);
    expect(others.body).toMatchObject({ amount_cents: 50, actor: { id: otherAdmin.id } });
    expect(others.body.id).not.toBe(first.body.id);

    const a = await refund({ invoice_id: invoiceId, amount_cents: 100, reason: 'goodwill' });
    const b = await refund({ invoice_id: invoiceId, amount_cents: 100, reason: 'goodwill' });
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(a.body.id).not.toBe(b.body.id);
    expect((await stripeRefundsOf(charge.id)).map((r) => r.amount).sort()).toEqual([100, 100, 200, 50]);
    await flushWebhooks(t);
  });

  it('over the maximum → 409 naming it; a partial refund, then the rest, then nothing is left', async () => {
    const { invoiceId, charge } = await paidInvoice();
    const tooMuch = await refund({ invoice_id: invoiceId, amount_cents: 1500, reason: 'too much' });
    expect(tooMuch.status).toBe(409);
    expect(tooMuch.body).toMatchObject({ max_refundable_cents: 1000, detail: expect.stringContaining('1000') });

    expect((await refund({ invoice_id: invoiceId, amount_cents: 600, reason: 'part' })).status).toBe(201);
    const over = await refund({ invoice_id: invoiceId, amount_cents: 500, reason: 'too much' });
    expect(over.status).toBe(409);
    expect(over.body).toMatchObject({ max_refundable_cents: 400, detail: expect.stringContaining('400') });

    const rest = await refund({ invoice_id: invoiceId, reason: 'the rest' });
    expect(rest.status).toBe(201);
    expect(rest.body.amount_cents).toBe(400);
    const third = await refund({ invoice_id: invoiceId, reason: 'again' });
    expect(third.status).toBe(409);
    expect(third.body.max_refundable_cents).toBe(0);
    expect((await stripeRefundsOf(charge.id)).map((r) => r.amount).sort()).toEqual([400, 600]);
    await flushWebhooks(t);
    expect((await t.database.db.select().from(charges).where(eq(charges.id, charge.id)))[0]).toMatchObject({ refundedCents: 1000 });
  });

  it('two different keys racing for the whole amount: one refund, the other 409', async () => {
    const { invoiceId, charge } = await paidInvoice();
    const answers = await Promise.all([
      refund({ invoice_id: invoiceId, reason: 'race a' }, 'race-a'),
      refund({ invoice_id: invoiceId, reason: 'race b' }, 'race-b'),
    ]);
    expect(answers.map((a) => a.status).sort()).toEqual([201, 409]);
    const refused = answers.find((a) => a.status === 409)!;
    expect(refused.body.max_refundable_cents).toBe(0);
    expect(await stripeRefundsOf(charge.id)).toHaveLength(1);
    await flushWebhooks(t);
  });

  it('Stripe refuses a pending refund (the rest was refunded elsewhere meanwhile): 409 naming what is left, and it stays refused', async () => {
    const { invoiceId, charge } = await paidInvoice();
    const gateway = t.ctx.stripe;
    t.ctx.stripe = createStripeGateway({ ...t.stripeSetup, maxNetworkRetries: 0 });
    try {
      // Stripe never got the request: the row is left pending.
      await t.emulator('/_emulator/faults', undefined, { json: { paths: { 'POST /v1/refunds': { error_rate: 1 } } } });
      expect((await refund({ invoice_id: invoiceId, amount_cents: 800, reason: 'refused later' }, 'refused-1')).status).toBe(202);
      await t.emulator('/_emulator/faults', undefined, { json: {} });
    } finally {
      t.ctx.stripe = gateway;
    }
    await t.ctx.stripe.raw.refunds.create({ charge: charge.id, amount: 700 });
    const refused = await refund({ invoice_id: invoiceId, amount_cents: 800, reason: 'refused later' }, 'refused-1');
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ type: expect.stringContaining('refund-refused'), max_refundable_cents: 300, refund: { status: 'failed', amount_cents: 800 } });
    expect(refused.body.refund.failure_reason).toEqual(expect.any(String));
    const again = await refund({ invoice_id: invoiceId, amount_cents: 800, reason: 'refused later' }, 'refused-1');
    expect(again.status).toBe(409);
    expect(again.body.refund).toEqual(refused.body.refund);
    expect((await stripeRefundsOf(charge.id)).map((r) => r.amount)).toEqual([700]);
    await flushWebhooks(t);
  });

  it('Stripe did the refund but the answer was lost: 202 pending; the same key finishes it with the same refund', async () => {
    const { invoiceId, charge } = await paidInvoice();
    const gateway = t.ctx.stripe;
    t.ctx.stripe = createStripeGateway({ ...t.stripeSetup, maxNetworkRetries: 0 });
    let pendingId: string;
    try {
      await t.emulator('/_emulator/faults', undefined, { json: { paths: { 'POST /v1/refunds': { error_after_rate: 1 } } } });
      const pending = await refund({ invoice_id: invoiceId, amount_cents: 300, reason: 'lost answer' }, 'lost-1');
      expect(pending.status).toBe(202);
      expect(pending.body).toMatchObject({ status: 'pending', stripe_refund_id: null });
      pendingId = pending.body.id;
      // Without a key nobody can ask again: the refund's webhook settles it.
      const keyless = await refund({ invoice_id: invoiceId, amount_cents: 200, reason: 'lost answer, no key' });
      expect(keyless.status).toBe(202);
      await flushWebhooks(t);
      const [settled] = await t.database.db.select().from(adminRefunds).where(eq(adminRefunds.id, keyless.body.id));
      const keylessAtStripe = (await stripeRefundsOf(charge.id)).find((r) => r.metadata?.admin_refund_id === keyless.body.id);
      expect(settled).toMatchObject({ status: 'succeeded', stripeRefundId: keylessAtStripe!.id, amountCents: 200 });
      await t.emulator('/_emulator/faults', undefined, { json: {} });
    } finally {
      t.ctx.stripe = gateway;
    }
    const finished = await refund({ invoice_id: invoiceId, amount_cents: 300, reason: 'lost answer' }, 'lost-1');
    expect(finished.status).toBe(201);
    const refunds = await stripeRefundsOf(charge.id);
    expect(refunds.map((r) => r.amount).sort()).toEqual([200, 300]);
    const ours = refunds.find((r) => r.metadata?.admin_refund_id === finished.body.id)!;
    expect(finished.body).toMatchObject({ id: pendingId, status: 'succeeded', stripe_refund_id: ours.id, amount_cents: 300 });
    await flushWebhooks(t);
  });

  it('unknown invoice 404; reason missing or blank 400; an unpaid amount 400; a bad key 400', async () => {
    const { invoiceId } = await paidInvoice();
    expect((await refund({ invoice_id: 'in_nope', reason: 'x' })).status).toBe(404);
    expect((await refund({ invoice_id: invoiceId })).status).toBe(400);
    expect((await refund({ invoice_id: invoiceId, reason: '   ' })).status).toBe(400);
    expect((await refund({ invoice_id: invoiceId, reason: 'x', amount_cents: 0 })).status).toBe(400);
    expect((await refund({ invoice_id: invoiceId, reason: 'x', amount_cents: 1.5 })).status).toBe(400);
    expect((await refund({ invoice_id: invoiceId, reason: 'x' }, 'k'.repeat(256))).status).toBe(400);
    expect(await t.database.db.select().from(adminRefunds).where(eq(adminRefunds.invoiceId, invoiceId))).toEqual([]);
  });
});

describe('GET /v1/admin/refunds', () => {
  it('lists refunds newest first, paged, filtered by member or invoice', async () => {
    const one = await paidInvoice();
    const two = await paidInvoice();
    const a = (await refund({ invoice_id: one.invoiceId, amount_cents: 100, reason: 'first' })).body;
    const b = (await refund({ invoice_id: two.invoiceId, amount_cents: 200, reason: 'second' })).body;
    const c = (await refund({ invoice_id: one.invoiceId, amount_cents: 300, reason: 'third' })).body;

    const all = await t.request({ method: 'GET', url: '/v1/admin/refunds?page_size=2', token: admin.token });
    expect(all.status).toBe(200);
    expect(all.body.items.map((r: { id: string }) => r.id)).toEqual([c.id, b.id]);
    expect(all.body).toMatchObject({ page: 1, page_size: 2, has_more: true });
    expect(all.body.items[0]).toEqual(c);

    const byMember = await t.request({ method: 'GET', url: `/v1/admin/refunds?user_id=${one.member.id}`, token: admin.token });
    expect(byMember.body).toMatchObject({ total: 2, has_more: false });
    expect(byMember.body.items.map((r: { id: string }) => r.id)).toEqual([c.id, a.id]);
    const byInvoice = await t.request({ method: 'GET', url: `/v1/admin/refunds?invoice_id=${two.invoiceId}`, token: admin.token });
    expect(byInvoice.body.items).toEqual([b]);
    expect((await t.request({ method: 'GET', url: '/v1/admin/refunds?user_id=nope', token: admin.token })).status).toBe(400);
    await flushWebhooks(t);
  });

  it('members get 403 and guests 401 on every refunds endpoint, and nothing is refunded', async () => {
    const { invoiceId, member, charge } = await paidInvoice();
    expect((await refund({ invoice_id: invoiceId, reason: 'mine' }, undefined, member.token)).status).toBe(403);
    expect((await t.request({ method: 'POST', url: '/v1/admin/refunds', payload: { invoice_id: invoiceId, reason: 'x' } })).status).toBe(401);
    expect((await t.request({ method: 'GET', url: '/v1/admin/refunds', token: member.token })).status).toBe(403);
    expect((await t.request({ method: 'GET', url: '/v1/admin/refunds' })).status).toBe(401);
    expect(await stripeRefundsOf(charge.id)).toEqual([]);
  });
});
