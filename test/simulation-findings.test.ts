import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createFlow, createMember, flushWebhooks, type Member, subscribeThroughCheckout } from './factories.js';
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
