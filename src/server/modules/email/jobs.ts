import pg from 'pg';
import type { Logger } from 'pino';
import type { AppContext } from '../../context.js';
import { DATABASE_CONNECT_TIMEOUT_MS, type Database, inTransaction } from '../../db/client.js';
import { creatorAccountBalances } from '../ledger/repository.js';
import {
  claimDueEmails,
  findNextDueAt,
  findSummaryRecipients,
  markEmailFailed,
  markEmailSent,
  OUTBOX_CHANNEL,
  type OutboxRow,
  scheduleEmailRetry,
} from './repository.js';
import { enqueueEmail, messageIdOf, renderOutboxEmail } from './service.js';

/*
 * Mail keeps its own durable store, the email_outbox table, rather than pg-boss jobs. A row is written in the
 * transaction of its cause (a mail exists iff its cause committed) under a unique cause key (a cause mails once),
 * is redacted with its member's account, and is what /dev/mail and the admin pages read. A pg-boss job per mail
 * would need pg-boss's `send` inside our transaction (its `db` option) and would keep a second copy of the same
 * fact with its own retention. So the outbox is the queue (rows claimed with FOR UPDATE SKIP LOCKED and a lease,
 * retried with exponential backoff) and pg-boss only drives the sending: the scheduled `email.send` job (the
 * safety net and retry clock, jobs/definitions.ts) and, for latency, startEmailSender below, which runs the same
 * drain right after commit when the outbox's NOTIFY arrives. Every process may send at once.
 */

export type EmailContext = Pick<AppContext, 'db' | 'database' | 'config' | 'mailer'>;

export type SendOptions = {
  /** Mails claimed (and sent concurrently) per round. */
  batchSize?: number;
  /** How long a claimed row is kept from other senders; longer than one send can take (transport timeouts). */
  leaseMs?: number;
  /** After this many failed attempts a mail is marked failed and left alone. */
  maxAttempts?: number;
  /** Wait before attempt n + 1, after n attempts failed. */
  retryDelayMs?: (attempts: number) => number;
  logger?: Logger;
};

export const SEND_DEFAULTS = {
  batchSize: 10,
  leaseMs: 120_000,
  maxAttempts: 8,
  // 1 min, 2, 4, ... capped at 6 h: eight attempts span about four hours.
  retryDelayMs: (attempts: number) => Math.min(6 * 3_600_000, 60_000 * 2 ** Math.max(0, attempts - 1)),
} as const;

export type SendResult = { claimed: number; sent: number; kept: number; retried: number; failed: number };

/** One round over the due mails (one batch). Without SMTP_URL they are kept in the local outbox. */
export async function sendDueEmails(ctx: EmailContext, options: SendOptions = {}): Promise<SendResult> {
  const { batchSize, leaseMs } = { ...SEND_DEFAULTS, ...options };
  const rows = await claimDueEmails(ctx.db, { limit: batchSize, leaseMs });
  const outcomes = await Promise.all(rows.map((row) => attemptDelivery(ctx, row, options)));
  return {
    claimed: rows.length,
    sent: outcomes.filter((o) => o === 'sent').length,
    kept: outcomes.filter((o) => o === 'kept').length,
    retried: outcomes.filter((o) => o === 'retried').length,
    failed: outcomes.filter((o) => o === 'failed').length,
  };
}

/** The `email.send` job, and the sender's wake-up: rounds until the due mails are sent (or `shouldStop`). */
export async function drainDueEmails(ctx: EmailContext, options: SendOptions & { shouldStop?: () => boolean } = {}): Promise<SendResult> {
  const { batchSize } = { ...SEND_DEFAULTS, ...options };
  const total: SendResult = { claimed: 0, sent: 0, kept: 0, retried: 0, failed: 0 };
  for (;;) {
    const round = await sendDueEmails(ctx, options);
    for (const key of Object.keys(total) as Array<keyof SendResult>) total[key] += round[key];
    if (round.claimed < batchSize || options.shouldStop?.()) return total;
  }
}

async function attemptDelivery(ctx: EmailContext, row: OutboxRow, options: SendOptions): Promise<'sent' | 'kept' | 'retried' | 'failed' | 'stale'> {
  const { maxAttempts, retryDelayMs } = { ...SEND_DEFAULTS, ...options };
  const log = options.logger;
  const fields = { email_id: row.id, cause_key: row.causeKey, template: row.template, attempt: row.attempts };
  try {
    const mail = renderOutboxEmail(row, ctx.config);
    if (!ctx.mailer) {
      // No SMTP_URL: the local outbox is the destination. Marked sent so that configuring SMTP later does not
      // deliver a backlog of old development mails; /dev/mail shows them.
      const isMarked = await markEmailSent(ctx.db, row);
      log?.info({ event: 'email.kept_local', ...fields }, 'email kept in the local outbox');
      return isMarked ? 'kept' : 'stale';
    }
    await ctx.mailer.send({
      from: ctx.config.mailFrom,
      to: row.toAddress,
      subject: mail.subject,
      text: mail.text,
      html: mail.html,
      headers: mail.headers,
      messageId: messageIdOf(row, ctx.config.mailFrom),
    });
    const isMarked = await markEmailSent(ctx.db, row);
    log?.info({ event: 'email.sent', ...fields }, 'email sent');
    return isMarked ? 'sent' : 'stale';
  } catch (error) {
    const message = describeError(error);
    if (row.attempts >= maxAttempts) {
      await markEmailFailed(ctx.db, row, message);
      log?.error({ event: 'email.failed', ...fields, error: message }, 'email failed for good');
      return 'failed';
    }
    const delayMs = retryDelayMs(row.attempts);
    await scheduleEmailRetry(ctx.db, row, delayMs, message);
    log?.warn({ event: 'email.retry_scheduled', ...fields, delay_ms: delayMs, error: message }, 'email attempt failed; will retry');
    return 'retried';
  }
}

function describeError(error: unknown): string {
  const base = error instanceof Error ? error.message : String(error);
  const code = (error as { responseCode?: number } | undefined)?.responseCode;
  return (code && !base.includes(String(code)) ? `${code} ${base}` : base).slice(0, 1000);
}

/**
 * Sends right after commit, not only on the timer: every outbox insert NOTIFYs, PostgreSQL (or PGlite) delivers the
 * notification when the transaction commits, and the sender drains the due mails. It also wakes itself when the next
 * retry falls due. The periodic `email.send` job stays as the safety net (a lost notification, another process).
 */
export async function startEmailSender(ctx: EmailContext, logger: Logger, options: SendOptions = {}) {
  let isStopped = false;
  let running: Promise<void> | undefined;
  let isKickedAgain = false;
  let wake: NodeJS.Timeout | undefined;

  const drain = async () => {
    await drainDueEmails(ctx, { ...options, logger, shouldStop: () => isStopped });
    const nextDueAt = await findNextDueAt(ctx.db);
    clearTimeout(wake);
    // Farther than a minute: the periodic job will get there.
    if (nextDueAt && !isStopped) wake = setTimeout(kick, Math.min(60_000, Math.max(0, nextDueAt.getTime() - Date.now()) + 20)).unref();
  };

  function kick() {
    if (isStopped) return;
    if (running) {
      isKickedAgain = true;
      return;
    }
    isKickedAgain = false;
    running = drain()
      .catch((error) => logger.error({ event: 'job.failed', job: 'email.send', err: error }, 'email sender failed'))
      .finally(() => {
        running = undefined;
        if (isKickedAgain) kick();
      });
  }

  if (!ctx.mailer) logger.warn({ event: 'email.local_outbox' }, 'SMTP_URL is not set: mails are kept in the local outbox, not sent');
  const unlisten = await listen(ctx.database, ctx.config.databaseDirectUrl, OUTBOX_CHANNEL, kick, logger);
  kick(); // whatever was left from before this process started
  return {
    kick,
    stop: async () => {
      isStopped = true;
      clearTimeout(wake);
      await unlisten();
      await running;
    },
  };
}

/**
 * LISTEN on a channel: PGlite in process, or one dedicated connection to PostgreSQL that reconnects when lost. That
 * connection goes to `directUrl` (DATABASE_DIRECT_URL, else DATABASE_URL): a pooler in transaction mode would take
 * the LISTEN and then give its server connection to other clients, and the notifications would be lost.
 */
async function listen(database: Database, directUrl: string | undefined, channel: string, onNotify: () => void, logger: Logger): Promise<() => Promise<void>> {
  if (database.pglite) return database.pglite.listen(channel, onNotify);
  const url = directUrl ?? database.url;
  if (!url) return async () => {};
  let client: pg.Client | undefined;
  let retry: NodeJS.Timeout | undefined;
  let isClosed = false;
  const connect = async () => {
    // Bounded like the pool's connections: a silent server must not leave the listener waiting forever.
    const next = new pg.Client({ connectionString: url, connectionTimeoutMillis: DATABASE_CONNECT_TIMEOUT_MS, keepAlive: true });
    next.on('notification', onNotify);
    next.on('error', (error) => {
      logger.warn({ event: 'email.listen_lost', err: error }, 'lost the outbox notification connection; reconnecting');
      void next.end().catch(() => {});
      if (!isClosed) retry = setTimeout(() => void connect().catch(() => {}), 5_000).unref();
    });
    try {
      await next.connect();
      await next.query(`listen ${channel}`);
      client = next;
      onNotify(); // anything committed while we were not listening
    } catch (error) {
      await next.end().catch(() => {});
      if (!isClosed) retry = setTimeout(() => void connect().catch(() => {}), 5_000).unref();
      throw error;
    }
  };
  await connect().catch((error) => logger.warn({ event: 'email.listen_failed', err: error }, 'cannot listen for outbox notifications; the timer still sends'));
  return async () => {
    isClosed = true;
    clearTimeout(retry);
    await client?.end().catch(() => {});
  };
}

// ---------------------------------------------------------------------------------------------------------------
// email.monthly_summary

/** The summary of a month is queued during the first days of the next one; a later run finds nothing left to do. */
const SUMMARY_WINDOW_DAYS = 7;
const SUMMARY_BATCH = 200;

/**
 * Queues last month's earnings summary for every creator with activity in it who has not unsubscribed. Safe to run
 * any number of times, in any number of processes: the cause key `summary:<user>:<YYYY-MM>` is unique.
 */
export async function enqueueMonthlySummaries(ctx: Pick<EmailContext, 'db'>, asOf: Date = new Date()): Promise<number> {
  if (asOf.getUTCDate() > SUMMARY_WINDOW_DAYS) return 0;
  const end = new Date(Date.UTC(asOf.getUTCFullYear(), asOf.getUTCMonth(), 1));
  const start = new Date(Date.UTC(asOf.getUTCFullYear(), asOf.getUTCMonth() - 1, 1));
  const month = start.toISOString().slice(0, 7);
  let queued = 0;
  for (;;) {
    const count = await inTransaction(ctx.db, async (tx) => {
      const recipients = await findSummaryRecipients(tx, { start, end, month, limit: SUMMARY_BATCH });
      const balances = await creatorAccountBalances(
        tx,
        recipients.map((r) => r.userId),
        ['creator_pending', 'creator_held', 'creator_available', 'creator_paid'],
      );
      const balance = (creatorId: string, account: string) =>
        Number(balances.find((b) => b.creatorId === creatorId && b.account === account)?.total ?? 0);
      for (const r of recipients) {
        await enqueueEmail(tx, {
          causeKey: `summary:${r.userId}:${month}`,
          userId: r.userId,
          to: r.email,
          template: 'monthly_summary',
          data: {
            username: r.username,
            month,
            copies: r.copies,
            countedCopies: r.countedCopies,
            earnedCents: r.earnedCents,
            pendingCents: balance(r.userId, 'creator_pending'),
            heldCents: balance(r.userId, 'creator_held'),
            availableCents: balance(r.userId, 'creator_available'),
            paidCents: balance(r.userId, 'creator_paid'),
          },
        });
      }
      return recipients.length;
    });
    queued += count;
    if (count < SUMMARY_BATCH) return queued;
  }
}
