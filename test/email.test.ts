import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emailOutbox, subscriptions } from '../src/server/db/schema.js';
import { startEmailSender } from '../src/server/modules/email/jobs.js';
import { inTransaction } from '../src/server/db/client.js';
import { enqueuePayoutFailedEmail, enqueuePayoutSentEmail } from '../src/server/modules/email/service.js';
import { advanceEmulator, CARDS, createMember, DAY, deliverSignedEvent, flushWebhooks, type Member, subscribeThroughCheckout } from './factories.js';
import { createTestApp, type TestApp } from './support/app.js';
import { startTestSmtp, type TestSmtp } from './support/smtp.js';
import { waitUntil } from './support/wait.js';

let t: TestApp;
let smtp: TestSmtp;
let sender: Awaited<ReturnType<typeof startEmailSender>>;

beforeAll(async () => {
  smtp = await startTestSmtp();
  t = await createTestApp({ SMTP_URL: smtp.url, PUBLIC_URL: 'https://flowtab.test' }, { stripe: true });
  // Retries after 100 ms instead of minutes, so a refusing server recovers within the test.
  sender = await startEmailSender(t.ctx, pino({ level: 'silent' }), { retryDelayMs: () => 100 });
});
afterAll(async () => {
  await sender?.stop();
  await t?.close();
  await smtp?.close();
});

const day = (iso: string) => new Intl.DateTimeFormat('en-US', { dateStyle: 'long', timeZone: 'UTC' }).format(new Date(iso));
// Sorted: mails claimed in one round are sent concurrently, so their arrival order is not fixed.
const subjects = (member: Member) => smtp.to(member.email).map((mail) => mail.subject ?? '').sort();
const outboxOf = (userId: string) => t.database.db.select().from(emailOutbox).where(eq(emailOutbox.userId, userId));

const pendingMails = () => t.database.db.select().from(emailOutbox).where(eq(emailOutbox.status, 'pending'));

/**
 * Every queued mail handled: none is pending any more. A row is marked sent only after the SMTP server accepted the
 * message (and the test server records it before it accepts), so every mail the sender will deliver has arrived.
 */
async function outboxSettled() {
  await waitUntil(async () => (await pendingMails()).length === 0, {
    message: 'the outbox to settle',
    intervalMs: 25,
    explain: async () => ({ pending: (await pendingMails()).map((row) => row.causeKey) }),
  });
}

async function eventsOf(member: Member, type: string) {
  const customerId = (await t.ctx.stripe.raw.customers.list({ email: member.email })).data[0]!.id;
  const events = await t.ctx.stripe.raw.events.list({ limit: 100, type });
  return events.data.filter((event) => JSON.stringify(event.data.object).includes(customerId));
}

describe('welcome', () => {
  it('mails a new member once, from MAIL_FROM, with a text and an HTML part and a stable Message-ID', async () => {
    const member = await createMember(t);
    await smtp.waitForMail(() => smtp.to(member.email).length > 0);
    await outboxSettled(); // the server has the message a moment before the sender records it sent
    const [mail] = smtp.to(member.email);
    expect(mail!.subject).toBe('Welcome to Flowtab.Pro');
    expect(mail!.from?.value[0]?.address).toBe('hello@flowtab.pro');
    expect(mail!.text).toContain(`Hi ${member.username},`);
    expect(mail!.text).toContain('https://flowtab.test/');
    expect(mail!.html).toContain('Flowtab');
    expect(mail!.html).toContain(member.username);
    const [row] = await outboxOf(member.id);
    expect(row).toMatchObject({ causeKey: `welcome:${member.id}`, status: 'sent', attempts: 1 });
    expect(mail!.messageId).toBe(`<${row!.id}@flowtab.pro>`);
  });

  it('queues nothing when registration fails (the mail lives and dies with the account)', async () => {
    const member = await createMember(t);
    const before = (await t.database.db.select().from(emailOutbox)).length;
    const again = await t.request({ method: 'POST', url: '/v1/auth/register', payload: { email: member.email, username: `other_${Date.now()}`, password: 'correct horse battery' } });
    expect(again.status).toBe(409);
    expect((await t.database.db.select().from(emailOutbox)).length).toBe(before);
  });
});

describe('subscription mails', () => {
  it('subscribe → "started" with the period, the price and the copy allowance, to the subscriber only', async () => {
    const member = await createMember(t);
    const bystander = await createMember(t);
    const { me } = await subscribeThroughCheckout(t, member);
    await smtp.waitForMail(() => subjects(member).includes('Your Flowtab.Pro Premium subscription has started'));
    const mail = smtp.to(member.email).find((m) => m.subject === 'Your Flowtab.Pro Premium subscription has started')!;
    expect(mail.text).toContain('Premium, $10.00 a month');
    expect(mail.text).toContain(`${day(me.current_period_start)} to ${day(me.current_period_end)}`);
    expect(mail.text).toContain('100 per period');
    expect(mail.html).toContain('$10.00');
    expect(mail.html).toContain('100 per period');
    await outboxSettled();
    expect(subjects(bystander)).toEqual(['Welcome to Flowtab.Pro']);
    expect(subjects(member)).toEqual(['Welcome to Flowtab.Pro', 'Your Flowtab.Pro Premium subscription has started'].sort());
  });

  it('a replayed webhook mails nothing twice: the same event, and the same object under a new event id', async () => {
    const member = await createMember(t);
    await subscribeThroughCheckout(t, member);
    await outboxSettled();
    const [created] = await eventsOf(member, 'customer.subscription.created');
    expect(created).toBeDefined();

    const same = await deliverSignedEvent(t, created);
    expect(same.status).toBe(200);
    // A new id gets past the inbox, so the subscription is synced again and only the cause key stands in the way.
    const renamed = await deliverSignedEvent(t, { ...created, id: `evt_replay_${randomUUID().slice(0, 8)}` });
    expect(renamed.body.outcome).toBe('processed');
    // Nothing more can come: every webhook is delivered and every queued mail handled.
    await flushWebhooks(t);
    await outboxSettled();

    expect(subjects(member).filter((s) => s?.includes('has started'))).toHaveLength(1);
    const rows = await t.database.db.select().from(emailOutbox).where(eq(emailOutbox.causeKey, `sub-started:${(created!.data.object as { id: string }).id}`));
    expect(rows).toHaveLength(1);
  });

  it('card 0341: the failed renewal mails once (portal link, next retry), a replay mails nothing, the end mails once', async () => {
    const member = await createMember(t);
    await subscribeThroughCheckout(t, member, CARDS.failsLater);
    await advanceEmulator(t, 32 * DAY); // the renewal is charged an hour after the period end, and fails
    const failedSubject = 'Your Flowtab.Pro payment of $10.00 failed';
    await smtp.waitForMail(() => subjects(member).includes(failedSubject));
    const mail = smtp.to(member.email).find((m) => m.subject === failedSubject)!;
    expect(mail.text).toContain('We could not charge your card for $10.00');
    expect(mail.text).toContain('https://flowtab.test/account');
    expect(mail.html).toContain('href="https://flowtab.test/account"');
    const [failed] = await eventsOf(member, 'invoice.payment_failed');
    const invoice = await t.ctx.stripe.raw.invoices.retrieve((failed!.data.object as { id: string }).id);
    expect(invoice.next_payment_attempt).not.toBeNull();
    expect(mail.text).toContain(`we will try your card again on ${day(new Date(invoice.next_payment_attempt! * 1000).toISOString())}`);

    // While the invoice is still open, replay the failure under a new id: processed, but no second mail.
    const replay = await deliverSignedEvent(t, { ...failed, id: `evt_replay_${randomUUID().slice(0, 8)}` });
    expect(replay.body.outcome).toBe('processed');
    await outboxSettled();
    expect(subjects(member).filter((s) => s === failedSubject)).toHaveLength(1);

    // The retries fail too, then Stripe cancels: still one "failed" mail, and one "ended" that says why.
    await advanceEmulator(t, 20 * DAY);
    const [subscription] = await t.database.db.select().from(subscriptions).where(eq(subscriptions.userId, member.id));
    expect(subscription!.status).toBe('canceled');
    await smtp.waitForMail(() => subjects(member).includes('Your Flowtab.Pro Premium subscription has ended'));
    await outboxSettled();
    expect((await eventsOf(member, 'invoice.payment_failed')).length).toBeGreaterThan(1);
    expect(subjects(member)).toEqual([
      'Welcome to Flowtab.Pro',
      'Your Flowtab.Pro Premium subscription has started',
      failedSubject,
      'Your Flowtab.Pro Premium subscription has ended',
    ].sort());
    const ended = smtp.to(member.email).find((m) => m.subject === 'Your Flowtab.Pro Premium subscription has ended')!;
    expect(ended.text).toContain('We could not collect the payment');
    expect(ended.text).toContain('https://flowtab.test/pricing');
  });

  it('cancel in the portal → "canceled, Premium until the period end"; at the period end → "ended"', async () => {
    const member = await createMember(t);
    const { me } = await subscribeThroughCheckout(t, member);
    const portal = await t.request({ method: 'POST', url: '/v1/subscriptions/portal', token: member.token });
    const [subscription] = await t.database.db.select().from(subscriptions).where(eq(subscriptions.userId, member.id));
    await fetch(`${portal.body.url}/subscriptions/${subscription!.id}/cancel`, { method: 'POST', redirect: 'manual' });
    await flushWebhooks(t);
    await smtp.waitForMail(() => subjects(member).includes('Your Flowtab.Pro Premium subscription is canceled'));
    const canceling = smtp.to(member.email).find((m) => m.subject === 'Your Flowtab.Pro Premium subscription is canceled')!;
    expect(canceling.text).toContain(`You keep Premium until ${day(me.current_period_end)}`);

    await advanceEmulator(t, 31 * DAY);
    await smtp.waitForMail(() => subjects(member).includes('Your Flowtab.Pro Premium subscription has ended'));
    await outboxSettled();
    expect(subjects(member)).toEqual([
      'Welcome to Flowtab.Pro',
      'Your Flowtab.Pro Premium subscription has started',
      'Your Flowtab.Pro Premium subscription is canceled',
      'Your Flowtab.Pro Premium subscription has ended',
    ].sort());
    expect(smtp.to(member.email).find((m) => m.subject === 'Your Flowtab.Pro Premium subscription has ended')!.text).not.toContain('could not collect');
  });
});

describe('payout mails', () => {
  it('payout sent and payout failed reach the creator with the amounts and what to do', async () => {
    const creator = await createMember(t);
    const sentId = randomUUID();
    const failedId = randomUUID();
    await inTransaction(t.database.db, async (tx) => {
      await enqueuePayoutSentEmail(tx, { id: sentId, creatorId: creator.id, amountCents: 1234, currency: 'usd' });
      await enqueuePayoutFailedEmail(tx, { id: failedId, creatorId: creator.id, amountCents: 2107, currency: 'usd' }, 'the bank account was closed');
    });
    await smtp.waitForMail(() => smtp.to(creator.email).length === 3);
    const sent = smtp.to(creator.email).find((m) => m.subject === 'Your Flowtab.Pro payout of $12.34 is on its way')!;
    expect(sent.text).toContain('We have sent $12.34 of your earnings');
    expect(sent.text).toContain(sentId);
    const failed = smtp.to(creator.email).find((m) => m.subject === 'Your Flowtab.Pro payout of $21.07 failed')!;
    expect(failed.text).toContain('We could not send your payout of $21.07: the bank account was closed');
    expect(failed.text).toContain('it stays in your available balance');
    expect(failed.text).toContain('https://flowtab.test/creator');
    // Queued again for the same payouts (a job run twice): nothing new.
    expect(await inTransaction(t.database.db, (tx) => enqueuePayoutSentEmail(tx, { id: sentId, creatorId: creator.id, amountCents: 1234, currency: 'usd' }))).toBe(false);
  });
});

describe('an SMTP server that refuses for a while', () => {
  it('retries with backoff and delivers exactly once after it recovers', async () => {
    smtp.refuseNext(3);
    const refusedBefore = smtp.refusals;
    const member = await createMember(t);
    await smtp.waitForMail(() => smtp.to(member.email).length > 0);
    await outboxSettled(); // the welcome is sent (after three refusals): no retry of it is left to arrive
    expect(smtp.refusals - refusedBefore).toBe(3);
    expect(smtp.to(member.email)).toHaveLength(1);
    const [row] = await t.database.db
      .select()
      .from(emailOutbox)
      .where(and(eq(emailOutbox.userId, member.id), eq(emailOutbox.template, 'welcome')));
    expect(row).toMatchObject({ status: 'sent', attempts: 4, lastError: null });
  });
});
