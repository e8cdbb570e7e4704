import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/server/app.js';
import { emailOutbox, users } from '../src/server/db/schema.js';
import { enqueueMonthlySummaries, SEND_DEFAULTS, sendDueEmails } from '../src/server/modules/email/jobs.js';
import { inTransaction } from '../src/server/db/client.js';
import { enqueueEmail, renderOutboxEmail, signUnsubscribeToken } from '../src/server/modules/email/service.js';
import { createMailTransport } from '../src/server/modules/email/transport.js';
import { createFlow, createMember, giveSubscription, type Member } from './factories.js';
import { createTestApp, type TestApp } from './support/app.js';
import { startTestSmtp, type TestSmtp } from './support/smtp.js';

// No SMTP_URL: the local outbox. No sender runs in the background; the tests drive sendDueEmails themselves.
let t: TestApp;
let smtp: TestSmtp;
beforeAll(async () => {
  t = await createTestApp({ PUBLIC_URL: 'https://flowtab.test' });
  smtp = await startTestSmtp();
});
afterAll(async () => {
  await t?.close();
  await smtp?.close();
});

const rowsOf = (userId: string) => t.database.db.select().from(emailOutbox).where(eq(emailOutbox.userId, userId));
/** The same app context, but sending over the test SMTP server. */
const overSmtp = () => ({ ...t.ctx, mailer: createMailTransport(smtp.url) });
/** Sends everything due now, in as many rounds as it takes. */
async function drain(ctx = t.ctx, options: Parameters<typeof sendDueEmails>[1] = {}) {
  for (;;) {
    const result = await sendDueEmails(ctx, options);
    if (result.claimed === 0) return;
  }
}

describe('without SMTP_URL: the local outbox and /dev/mail', () => {
  it('keeps mails in the outbox (marked sent, nothing sent) and lists and shows them', async () => {
    const member = await createMember(t);
    const [queued] = await rowsOf(member.id);
    expect(queued).toMatchObject({ status: 'pending', template: 'welcome', toAddress: member.email, subject: 'Welcome to Flowtab.Pro' });

    const result = await sendDueEmails(t.ctx);
    expect(result.kept).toBeGreaterThanOrEqual(1);
    const [kept] = await rowsOf(member.id);
    expect(kept).toMatchObject({ status: 'sent', attempts: 1 });
    expect(kept!.sentAt).toBeInstanceOf(Date);

    const list = await t.request({ method: 'GET', url: '/dev/mail' });
    expect(list.status).toBe(200);
    expect(list.headers['content-type']).toContain('text/html');
    expect(list.body).toContain('SMTP_URL is not set');
    expect(list.body).toContain(member.email);
    expect(list.body).toContain(`/dev/mail/${kept!.id}`);

    const view = await t.request({ method: 'GET', url: `/dev/mail/${kept!.id}` });
    expect(view.status).toBe(200);
    expect(view.body).toContain('Welcome to Flowtab.Pro');
    expect(view.body).toContain(`welcome:${member.id}`);
    expect(view.body).toContain('<iframe'); // the HTML part
    expect(view.body).toContain(`Hi ${member.username},`); // the text part
    expect((await t.request({ method: 'GET', url: `/dev/mail/${randomUUID()}` })).status).toBe(404);
  });

  it('is not served in production', async () => {
    const production = await buildApp({ ...t.ctx, config: { ...t.config, isProduction: true } });
    try {
      const response = await production.inject({ method: 'GET', url: '/dev/mail' });
      expect(response.statusCode).toBe(404);
    } finally {
      await production.close();
    }
  });
});

describe('sending', () => {
  it('two senders at once send every mail exactly once', async () => {
    const members = await Promise.all(Array.from({ length: 12 }, () => createMember(t)));
    const ctx = overSmtp();
    await Promise.all([drain(ctx), drain(ctx), drain(ctx)]);
    for (const member of members) expect(smtp.to(member.email)).toHaveLength(1);
    const rows = await Promise.all(members.map(async (m) => (await rowsOf(m.id))[0]!));
    expect(rows.every((row) => row.status === 'sent' && row.attempts === 1)).toBe(true);
  });

  it('after the last attempt fails a mail is marked failed and left alone', async () => {
    const member = await createMember(t);
    smtp.refuseNext(1_000);
    try {
      const options = { maxAttempts: 3, retryDelayMs: () => 0 };
      for (let round = 0; round < 5; round++) await drain(overSmtp(), options);
    } finally {
      smtp.refuseNext(0);
    }
    const [row] = await rowsOf(member.id);
    expect(row).toMatchObject({ status: 'failed', attempts: 3 });
    expect(row!.lastError).toContain('451');
    expect(smtp.to(member.email)).toHaveLength(0);
  });

  it('backs off exponentially, capped', () => {
    expect([1, 2, 3, 4].map(SEND_DEFAULTS.retryDelayMs)).toEqual([60_000, 120_000, 240_000, 480_000]);
    expect(SEND_DEFAULTS.retryDelayMs(30)).toBe(6 * 3_600_000);
  });

  it('a mail whose transaction rolls back is never queued', async () => {
    const member = await createMember(t);
    await expect(
      inTransaction(t.database.db, async (tx) => {
        await enqueueEmail(tx, { causeKey: `test-rollback:${member.id}`, userId: member.id, to: member.email, template: 'welcome', data: { username: 'x' } });
        throw new Error('the cause failed');
      }),
    ).rejects.toThrow('the cause failed');
    expect((await rowsOf(member.id)).map((row) => row.causeKey)).toEqual([`welcome:${member.id}`]);
  });
});

describe('monthly earnings summary', () => {
  let creator: Member;
  let quietCreator: Member;
  let optedOut: Member;
  let subscriber: Member;
  // The month the copies below happen in, and the first day of the next one (when its summary is queued).
  const now = new Date();
  const month = now.toISOString().slice(0, 7);
  const nextMonth = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1, 6));

  beforeAll(async () => {
    creator = await createMember(t);
    quietCreator = await createMember(t);
    optedOut = await createMember(t);
    subscriber = await createMember(t);
    await giveSubscription(t, subscriber, 'active', { isPaid: true });
    for (const author of [creator, optedOut]) {
      const flow = await createFlow(t, author);
      const copy = await t.request({ method: 'POST', url: `/v1/flows/${flow.slug}/copy`, token: subscriber.token });
      expect(copy.status).toBe(200);
      expect(copy.body.payout_earned).toBe(7);
    }
    await createFlow(t, quietCreator);
    await createFlow(t, creator, { is_premium: false });
    await t.database.db.update(users).set({ wantsSummaryEmails: false }).where(eq(users.id, optedOut.id));
  });

  const summaryRows = async () => (await t.database.db.select().from(emailOutbox)).filter((row) => row.template === 'monthly_summary');

  it('queues one summary per creator with activity, with the month’s copies, earnings and balances', async () => {
    expect(await enqueueMonthlySummaries(t.ctx, nextMonth)).toBe(1);
    const rows = await summaryRows();
    expect(rows.map((row) => row.userId)).toEqual([creator.id]);
    expect(rows[0]).toMatchObject({ causeKey: `summary:${creator.id}:${month}`, toAddress: creator.email });
    expect(rows[0]!.data).toMatchObject({ month, copies: 1, countedCopies: 1, earnedCents: 7, heldCents: 7, pendingCents: 0, availableCents: 0 });

    // Run again (another process, the next hour): nothing new.
    expect(await enqueueMonthlySummaries(t.ctx, nextMonth)).toBe(0);
    // Late in the month the job does nothing at all.
    expect(await enqueueMonthlySummaries(t.ctx, new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 20)))).toBe(0);

    await drain(overSmtp());
    const [mail] = smtp.to(creator.email).filter((m) => m.subject?.startsWith('Your Flowtab.Pro earnings for'));
    expect(mail).toBeDefined();
    expect(mail!.text).toContain('copied your flows 1 time; 1 of those copies earned you $0.07');
    expect(mail!.text).toMatch(/Held \(refund window\): \$0\.07/);
    const unsubscribeUrl = `https://flowtab.test/v1/email/unsubscribe?token=${encodeURIComponent(signUnsubscribeToken(t.config.jwtSecret, creator.id))}`;
    expect(mail!.text).toContain(unsubscribeUrl);
    expect(mail!.html).toContain(unsubscribeUrl.replaceAll('&', '&amp;'));
    // RFC 8058 one-click unsubscribe headers (raw lines: mailparser folds List-* headers into one object).
    const lines = Object.fromEntries(mail!.headerLines.map((h) => [h.key, h.line.replace(/\r\n\s+/g, ' ')]));
    expect(lines['list-unsubscribe']).toBe(`List-Unsubscribe: <${unsubscribeUrl}>`);
    expect(lines['list-unsubscribe-post']).toBe('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
  });

  it('the signed link asks first (GET), then unsubscribes (POST, also one-click); a forged link is refused', async () => {
    const token = signUnsubscribeToken(t.config.jwtSecret, creator.id);
    const url = `/v1/email/unsubscribe?token=${encodeURIComponent(token)}`;

    const ask = await t.request({ method: 'GET', url });
    expect(ask.status).toBe(200);
    expect(ask.body).toContain('<form method="post"');
    expect(ask.body).toContain(creator.username);
    const isWanted = async () => (await t.database.db.select().from(users).where(eq(users.id, creator.id)))[0]!.wantsSummaryEmails;
    expect(await isWanted()).toBe(true);

    const oneClick = await t.request({
      method: 'POST',
      url,
      payload: 'List-Unsubscribe=One-Click',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(oneClick.status).toBe(200);
    expect(await isWanted()).toBe(false);
    expect((await t.request({ method: 'POST', url })).status).toBe(200); // the same link again: still fine

    const forgedToken = signUnsubscribeToken('another-secret-another-secret-0123456789', quietCreator.id);
    for (const bad of [forgedToken, `${quietCreator.id}.${token.split('.')[1]}`, 'nonsense', `${token}x`]) {
      const response = await t.request({ method: 'POST', url: `/v1/email/unsubscribe?token=${encodeURIComponent(bad)}` });
      expect(response.status).toBe(400);
      expect(response.headers['content-type']).toContain('application/problem+json');
    }
    expect((await t.database.db.select().from(users).where(eq(users.id, quietCreator.id)))[0]!.wantsSummaryEmails).toBe(true);
  });

  it('renders every mail with a text and an HTML part; only the summary carries an unsubscribe link', async () => {
    const rows = await t.database.db.select().from(emailOutbox);
    for (const row of rows) {
      const mail = renderOutboxEmail(row, t.config);
      expect(mail.text.length).toBeGreaterThan(50);
      expect(mail.html).toContain('<!doctype html>');
      expect(mail.html).not.toContain('undefined');
      expect('List-Unsubscribe' in mail.headers).toBe(row.template === 'monthly_summary');
    }
  });
});
