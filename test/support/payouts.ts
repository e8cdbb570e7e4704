import { eq, sql } from 'drizzle-orm';
import { expect } from 'vitest';
import { payouts, users } from '../../src/server/db/schema.js';
import { rowsOf } from '../../src/server/db/rows.js';
import { inTransaction } from '../../src/server/db/client.js';
import { creatorBalances } from '../../src/server/modules/ledger/repository.js';
import { releaseHeldEarnings } from '../../src/server/modules/ledger/service.js';
import { createFlow, createMember, flushWebhooks, type Member, subscribeThroughCheckout } from '../factories.js';
import type { TestApp } from './app.js';

// Helpers shared by the payout test files (not a test file itself).

/** A dollar a copy and a $5 minimum keep the arithmetic visible: one $10 subscriber pays at most 7 copies ($7). */
export const PAYOUT_ENV = { RATE_PER_COPY_CENTS: '100', MIN_PAYOUT_CENTS: '500', HOLD_DAYS: '14' };

export type Creator = Member & { flows: { slug: string }[]; accountId?: string };

export async function createCreator(t: TestApp, flowCount = 7): Promise<Creator> {
  const member = await createMember(t);
  const flows = [];
  for (let i = 0; i < flowCount; i++) flows.push(await createFlow(t, member));
  return { ...member, flows };
}

/** Connect through the API, complete onboarding on the emulator, and wait for `account.updated`. */
export async function connectCreator(t: TestApp, creator: Creator): Promise<string> {
  const response = await t.request({ method: 'POST', url: '/v1/creators/me/connect', token: creator.token });
  expect(response.status).toBe(200);
  await t.emulator(`/_emulator/accounts/${response.body.account_id}/onboard`, {});
  await flushWebhooks(t);
  creator.accountId = response.body.account_id;
  return response.body.account_id;
}

/** A new subscriber (through Checkout, so the period is paid) copies `copies` of the creator's flows: 100 ¢ each, held. */
export async function earn(t: TestApp, creator: Creator, copies: number) {
  const subscriber = await createMember(t);
  await subscribeThroughCheckout(t, subscriber);
  for (const flow of creator.flows.slice(0, copies)) {
    const response = await t.request({ method: 'POST', url: `/v1/flows/${flow.slug}/copy`, token: subscriber.token });
    expect(response.body.payout_earned).toBe(100);
  }
  return subscriber;
}

/**
 * The usual payee: a creator with `flows` premium flows, connected (onboarded, payouts enabled), whose flows one new
 * subscriber copied `copies` times: `copies` × 100 ¢ held.
 */
export async function connectedCreatorWhoEarned(t: TestApp, copies: number, { flows = 7 } = {}) {
  const creator = await createCreator(t, flows);
  const accountId = await connectCreator(t, creator);
  const subscriber = await earn(t, creator, copies);
  return { creator, accountId, subscriber };
}

/** `count` connected creators made one after the other; the i-th earned `copiesOf(i)` × 100 ¢ (held), from its own subscriber. */
export async function connectedCreatorsWhoEarned(t: TestApp, count: number, copiesOf: (i: number) => number, { flows = 7 } = {}): Promise<Creator[]> {
  const creators: Creator[] = [];
  for (let i = 0; i < count; i++) creators.push((await connectedCreatorWhoEarned(t, copiesOf(i), { flows })).creator);
  return creators;
}

/**
 * A creator who also subscribes (through Checkout, so there is a Stripe customer to credit), with `copies` × 100 ¢
 * earned and released past the hold: available, to withdraw or to apply to the subscription.
 */
export async function subscribedCreatorWithAvailableEarnings(t: TestApp, copies: number): Promise<Creator> {
  const creator = await createCreator(t);
  await subscribeThroughCheckout(t, creator);
  await earn(t, creator, copies);
  await releaseHeld(t);
  return creator;
}

/** Releases every held earning whose hold ended by `asOf` (default: past every period's hold), as the job does; the count released. */
export async function releaseHeld(t: TestApp, asOf?: Date): Promise<number> {
  const at = asOf ?? (await pastTheHold(t));
  let total = 0;
  for (;;) {
    const released = await inTransaction(t.database.db, (tx) => releaseHeldEarnings(tx, { asOf: at, holdDays: t.config.holdDays }));
    total += released;
    if (released === 0) return total;
  }
}

/** A moment past every period's hold (period end + HOLD_DAYS), whatever the emulator's clock did. */
export async function pastTheHold(t: TestApp, extraDays = 1): Promise<Date> {
  const [row] = rowsOf<{ latest: string | Date | null }>(await t.database.db.execute(sql`select max(greatest(period_end, paid_at)) as latest from billing_periods`));
  const latest = row?.latest ? new Date(row.latest).getTime() : Date.now();
  return new Date(latest + (t.config.holdDays + extraDays) * 86_400_000);
}

export async function balancesOf(t: TestApp, creatorId: string) {
  const b = await creatorBalances(t.database.db, creatorId);
  return {
    held: b.creator_held ?? 0,
    available: b.creator_available ?? 0,
    inTransit: b.creator_in_transit ?? 0,
    paid: b.creator_paid ?? 0,
    credited: b.creator_credit_applied ?? 0,
  };
}

export const payoutsOf = (t: TestApp, creatorId: string) => t.database.db.select().from(payouts).where(eq(payouts.creatorId, creatorId));

/** Transfers the emulator holds for the creator's connected account, read back through the SDK. */
export async function transfersTo(t: TestApp, accountId: string) {
  return (await t.ctx.stripe.raw.transfers.list({ destination: accountId, limit: 100 })).data;
}

/** One payout for the creator, paid (and matching `expected`), and one transfer on the emulator: that payout's, for its amount. */
export async function expectPaidOnce(t: TestApp, creator: Creator, expected: Record<string, unknown> = {}) {
  const [payout, ...others] = await payoutsOf(t, creator.id);
  expect(others).toHaveLength(0);
  expect(payout).toMatchObject({ status: 'paid', ...expected });
  const transfers = await transfersTo(t, creator.accountId!);
  expect(transfers.map((tr) => tr.id)).toEqual([payout!.stripeTransferId]);
  expect(transfers[0]!.amount).toBe(payout!.amountCents);
  return payout!;
}

export async function setPayoutsEnabled(t: TestApp, userId: string, isEnabled: boolean) {
  await t.database.db.update(users).set({ payoutsEnabled: isEnabled }).where(eq(users.id, userId));
}
