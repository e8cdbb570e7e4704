import { randomBytes } from 'node:crypto';
import Stripe from 'stripe';
import { expect } from 'vitest';
import { billingPeriods, invoices, subscriptions } from '../src/server/db/schema.js';
import type { TestApp } from './support/app.js';
import { verifyThroughWelcomeMail } from './support/mail.js';

const unique = () => randomBytes(4).toString('hex');

export type Member = { id: string; email: string; username: string; password: string; token: string };

/**
 * Registers through the API, so every member is made the way a real one is, and verifies the address with the link
 * from the welcome mail (publishing needs it); `verified: false` leaves it unverified.
 */
export async function createMember(
  t: TestApp,
  overrides: Partial<{ email: string; username: string; password: string; verified: boolean }> = {},
): Promise<Member> {
  const id = unique();
  const { verified = true, ...fields } = overrides;
  const input = { email: `member-${id}@example.com`, username: `member_${id}`, password: 'correct horse battery', ...fields };
  const response = await t.request({ method: 'POST', url: '/v1/auth/register', payload: input });
  if (response.status !== 201) throw new Error(`register failed: ${response.status} ${JSON.stringify(response.body)}`);
  if (verified) await verifyThroughWelcomeMail({ db: t.database.db, config: t.config, request: (options) => t.request(options) }, input.email);
  return { id: response.body.user.id, ...input, token: response.body.access_token };
}

export async function createAdmin(t: TestApp): Promise<Member> {
  const member = await createMember(t);
  const { updateUserRole } = await import('../src/server/modules/users/repository.js');
  await updateUserRole(t.database.db, member.username, 'admin');
  const login = await t.request({ method: 'POST', url: '/v1/auth/token', payload: { login: member.username, password: member.password } });
  return { ...member, token: login.body.access_token };
}

export function flowInput(overrides: Record<string, unknown> = {}) {
  const id = unique();
  return {
    title: `Summarize LinkedIn profile ${id}`,
    summary: 'Open a profile and write a three-line summary of the person’s experience.',
    body: `You are a research assistant. Open the LinkedIn profile in the current tab. ${'Read every section carefully. '.repeat(20)}Write three lines.`,
    steps: ['Open the profile', 'Expand the experience section', 'Write the summary'],
    notes: ['Profiles behind a login wall need you to be signed in.'],
    target_sites: ['linkedin.com'],
    works_with: ['Comet', 'ChatGPT Atlas'],
    tags: ['research', 'linkedin'],
    is_premium: true,
    ...overrides,
  };
}

export async function createFlow(t: TestApp, author: Member, overrides: Record<string, unknown> = {}) {
  const response = await t.request({ method: 'POST', url: '/v1/flows', token: author.token, payload: flowInput(overrides) });
  if (response.status !== 201) throw new Error(`create flow failed: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body as { id: string; slug: string; title: string; body: string; is_premium: boolean };
}

/**
 * A subscription and its current billing period as the webhooks would write them, without Stripe: for tests of
 * features that only read subscriptions. `isPaid` marks the period's invoice paid.
 */
export async function giveSubscription(
  t: TestApp,
  member: Member,
  status: (typeof subscriptions.$inferInsert)['status'] = 'active',
  options: { basisCents?: number; isPaid?: boolean } = {},
) {
  const now = Date.now();
  const id = `sub_test_${unique()}`;
  const customerId = `cus_test_${unique()}`;
  const periodStart = new Date(now - 86_400_000);
  const periodEnd = new Date(now + 29 * 86_400_000);
  await t.database.db.insert(subscriptions).values({
    id,
    userId: member.id,
    customerId,
    status,
    currentPeriodStart: periodStart,
    currentPeriodEnd: periodEnd,
    planAmountCents: 1000,
  });
  const [period] = await t.database.db
    .insert(billingPeriods)
    .values({
      subscriptionId: id,
      userId: member.id,
      periodStart,
      periodEnd,
      basisCents: options.basisCents ?? 1000,
      status: options.isPaid ? 'paid' : 'open',
      amountPaidCents: options.isPaid ? (options.basisCents ?? 1000) : 0,
      paidAt: options.isPaid ? periodStart : null,
      invoiceId: options.isPaid ? `in_test_${unique()}` : null,
    })
    .returning();
  if (period!.invoiceId) {
    // A paid period has its paid invoice, as the webhooks would store it: all cash.
    const basis = period!.basisCents;
    await t.database.db.insert(invoices).values({
      id: period!.invoiceId,
      subscriptionId: id,
      customerId,
      billingPeriodId: period!.id,
      status: 'paid',
      subtotalCents: basis,
      totalCents: basis,
      amountDueCents: basis,
      amountPaidCents: basis,
      collectedCents: basis,
      paidAt: periodStart,
    });
  }
  return { subscriptionId: id, periodId: period!.id };
}

export const CARDS = {
  pays: '4242424242424242',
  failsLater: '4000000000000341',
  declined: '4000000000009995',
  disputed: '4000000000000259',
} as const;

/** The real path: checkout through the API, pay on the emulator's hosted page, wait for the webhooks. */
export async function subscribeThroughCheckout(t: TestApp, member: Member, card: string = CARDS.pays) {
  const checkout = await t.request({ method: 'POST', url: '/v1/subscriptions/checkout', token: member.token });
  expect(checkout.status).toBe(200);
  await t.emulator(`/_emulator/checkout/sessions/${checkout.body.session_id}/pay`, { card });
  await flushWebhooks(t);
  const me = await t.request({ method: 'GET', url: '/v1/subscriptions/me', token: member.token });
  return { sessionId: checkout.body.session_id as string, me: me.body };
}

export async function flushWebhooks(t: TestApp) {
  return t.emulator('/_emulator/webhooks/flush', { max_wait_ms: '20000' });
}

/** Moves the emulator clock (renewals, retries) and waits for the webhooks it caused. */
export async function advanceEmulator(t: TestApp, seconds: number) {
  const result = await t.emulator('/_emulator/advance', { seconds: String(seconds) });
  await flushWebhooks(t);
  return result;
}

export const DAY = 86_400;

/** Posts a Stripe event to our webhook endpoint, signed as Stripe would sign it (for replays and reorderings). */
export function deliverSignedEvent(t: TestApp, event: unknown) {
  const payload = typeof event === 'string' ? event : JSON.stringify(event);
  return t.request({
    method: 'POST',
    url: '/v1/webhooks/stripe',
    payload,
    headers: {
      'content-type': 'application/json',
      'stripe-signature': Stripe.webhooks.generateTestHeaderString({ payload, secret: t.stripeSetup.webhookSecret! }),
    },
  });
}
