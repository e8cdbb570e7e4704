import type { Logger } from 'pino';
import type { AppContext } from '../../context.js';
import { type Db, inTransaction, type Tx } from '../../db/client.js';
import { isStripeUnavailable } from '../../integrations/stripe/availability.js';
import type { Stripe } from '../../integrations/stripe/client.js';
import { createRateLimitGate, isStripeRateLimitError, type RateLimitWait, withRateLimitBackoff } from '../../integrations/stripe/rate-limit.js';
import { StoredEventNotFoundError } from './errors.js';
import { handlerOf } from './handlers.js';
import {
  advanceWatermark,
  countDeadEvents,
  type DeadEvent,
  findEvent,
  listDeadEvents as listDeadEventRows,
  listUnprocessedEvents,
  lockUnprocessedEvent,
  markEventProcessed,
  readWatermark,
  recordEventFailure,
  storeEvent,
} from './repository.js';

export type ProcessOutcome = 'processed' | 'duplicate' | 'failed' | 'dead';
export type ProcessResult = { outcome: ProcessOutcome; error?: unknown; attempts?: number; isDead?: boolean };
export type ProcessOptions = {
  /** A dead letter is processed only when retried by hand. */
  isManualRetry?: boolean;
  /**
   * Runs inside the transaction that settles the event (applied, or its failure recorded), with the result: the
   * operator console writes its audit entry there, so the entry and the change commit together.
   */
  onSettled?: (tx: Tx, result: ProcessResult) => Promise<unknown>;
};

/**
 * Applies one stored event from the *current* Stripe objects (re-fetched), so late, reordered or repeated events
 * converge. Processing one event is its own unit of work, in an order that holds no lock across a Stripe call:
 *
 * 1. fetch: the event's handler asks Stripe for the objects it needs, with no transaction open;
 * 2. one transaction: lock the inbox row, check it is still unprocessed (a concurrent delivery waits here, then finds
 *    it done), apply what was fetched (no network call), mark it processed — all or nothing;
 * 3. on failure (fetching or applying), a second transaction records it on the row: the event is left for a retry
 *    or, after WEBHOOK_MAX_ATTEMPTS failures that were the event's own (not Stripe being unavailable), becomes a dead
 *    letter. A dead letter is processed again only by hand (`isManualRetry`).
 */
export async function processStoredEvent(ctx: AppContext, eventId: string, options: ProcessOptions = {}): Promise<ProcessResult> {
  const stored = await findEvent(ctx.db, eventId);
  if (!stored || stored.processedAt) return { outcome: 'duplicate' };
  if (stored.deadAt && !options.isManualRetry) return { outcome: 'dead', attempts: stored.attempts, isDead: true };
  try {
    const event = stored.payload as Stripe.Event;
    const apply = await handlerOf(event.type)?.(ctx, event);
    return await inTransaction(ctx.db, async (tx): Promise<ProcessResult> => {
      const locked = await lockUnprocessedEvent(tx, eventId);
      if (!locked) return { outcome: 'duplicate' };
      if (locked.deadAt && !options.isManualRetry) return { outcome: 'dead', attempts: locked.attempts, isDead: true };
      // Anything we do not handle is stored and marked processed.
      await apply?.(tx);
      await markEventProcessed(tx, eventId);
      const result: ProcessResult = { outcome: 'processed', attempts: locked.attempts + 1, isDead: false };
      await options.onSettled?.(tx, result);
      return result;
    });
  } catch (error) {
    return inTransaction(ctx.db, async (tx): Promise<ProcessResult> => {
      // Processed by another delivery since this one failed: nothing to record.
      if (!(await lockUnprocessedEvent(tx, eventId))) return { outcome: 'duplicate' };
      const failure = await recordEventFailure(tx, eventId, {
        error: error instanceof Error ? error.message : String(error),
        maxAttempts: ctx.config.webhookMaxAttempts,
        mayDie: !isStripeUnavailable(error),
      });
      const result: ProcessResult = { outcome: 'failed', error, ...failure };
      await options.onSettled?.(tx, result);
      return result;
    });
  }
}

/** Verified delivery from the webhook route: store once, then process. */
export async function receiveEvent(ctx: AppContext, event: Stripe.Event) {
  await storeEvent(ctx.db, event);
  return processStoredEvent(ctx, event.id);
}

/** The watermark of Stripe's `events.list` (webhook_watermarks.source). */
export const STRIPE_EVENTS_SOURCE = 'stripe:events';

/**
 * Each sweep lists again from this long before the watermark: events created in the watermark's own second after
 * the listing (Stripe's `created` has whole seconds), or listed by Stripe a moment after they were created. Storing is
 * idempotent, so reading them twice costs one page at most.
 */
export const WATERMARK_OVERLAP_SECONDS = 60;

/** How the sweep makes each Stripe call (a page of events, one event's processing): e.g. backing off on 429. */
export type RetryPolicy = <T>(call: () => Promise<T>) => Promise<T>;

export type SweepOptions = {
  /** `flowtab webhooks replay --since`: list from here instead of from the watermark. */
  since?: Date;
  /** Leave events younger than this to their own delivery (the periodic job: 30 s). */
  minAgeMs?: number;
  /** How each Stripe page and each event's processing is retried; by default, backing off on Stripe's rate limit. */
  retry?: RetryPolicy;
  /** Told about every wait on Stripe's rate limit (the default policy): `flowtab webhooks replay` prints them. */
  onRateLimitWait?: (wait: RateLimitWait) => void;
  /** Events per `events.list` page (1–100). */
  pageSize?: number;
  logger?: Pick<Logger, 'warn'>;
};

export type SweepResult = {
  /** Events Stripe listed that the inbox did not have (dropped or not yet delivered). */
  fetched: number;
  processed: number;
  failed: number;
  /** Events that became dead letters in this sweep. */
  dead: number;
  pending: number;
  /** Where the listing started (the watermark less the overlap, or `since`); undefined: all Stripe still lists. */
  listedFrom: Date | undefined;
  /** The watermark after this sweep (undefined: Stripe has listed no event yet). */
  readUntil: Date | undefined;
};

/**
 * The sweep: asks Stripe for every event since the watermark (so a delivery dropped at any time is found), then
 * re-drives every unprocessed event that is not a dead letter. Safe in two processes at once: storing is unique on
 * the event id, the watermark only moves forward, and processing locks the inbox row.
 */
export async function sweepEvents(ctx: AppContext, options: SweepOptions = {}): Promise<SweepResult> {
  // One gate for the whole sweep: after a 429 its next requests hold back too.
  const gate = createRateLimitGate();
  const retry: RetryPolicy = options.retry ?? ((call) => withRateLimitBackoff(call, { gate, onWait: options.onRateLimitWait }));
  const listing = await fetchMissedEvents(ctx, { ...options, retry });

  let processed = 0;
  let failed = 0;
  let dead = 0;
  const pending = await listUnprocessedEvents(ctx.db, {
    receivedBefore: new Date(Date.now() - (options.minAgeMs ?? 0)),
    // What this sweep just fetched was never delivered: nothing else is processing it.
    alsoIds: listing.storedIds,
    limit: 1000,
  });
  for (const { id } of pending) {
    const result = await retry(async () => {
      const attempt = await processStoredEvent(ctx, id);
      // Rate-limited half way: back off and process it again (its re-fetches are reads; nothing was committed).
      if (attempt.outcome === 'failed' && isStripeRateLimitError(attempt.error)) throw attempt.error;
      return attempt;
    }).catch((error: unknown): ProcessResult => ({ outcome: 'failed', error }));
    if (result.outcome === 'processed') processed++;
    if (result.outcome === 'failed') failed++;
    if (result.outcome === 'failed' && result.isDead) {
      dead++;
      options.logger?.warn(
        { event: 'stripe.webhook.dead_letter', stripe_event_id: id, attempts: result.attempts, err: result.error },
        'webhook event is a dead letter: retry it by hand once its cause is fixed',
      );
    }
  }
  return {
    fetched: listing.storedIds.length,
    processed,
    failed,
    dead,
    pending: pending.length,
    listedFrom: listing.listedFrom,
    readUntil: listing.readUntil,
  };
}

/**
 * Lists Stripe's events from the watermark (less the overlap) — or from `since`, or on the first run everything
 * Stripe still lists (its last 30 days) — and stores those the inbox lacks, page by page.
 *
 * `events.list` pages run newest to oldest, so the newest event is seen first but the range below it is complete
 * only when the last page is stored: the watermark moves (to the newest `created` listed) only then. A sweep that
 * dies half way leaves it where it was, and the next one lists the same range again (what was stored is skipped).
 * A listing that starts after the watermark (`--since` later than it) would leave a gap, so it never moves it.
 */
async function fetchMissedEvents(
  ctx: AppContext,
  options: { since?: Date; retry: RetryPolicy; pageSize?: number },
): Promise<{ storedIds: string[]; listedFrom: Date | undefined; readUntil: Date | undefined }> {
  const watermark = await readWatermark(ctx.db, STRIPE_EVENTS_SOURCE);
  const fromSeconds = options.since
    ? Math.floor(options.since.getTime() / 1000)
    : watermark
      ? Math.floor(watermark.getTime() / 1000) - WATERMARK_OVERLAP_SECONDS
      : undefined;
  const mayAdvance = fromSeconds === undefined || (watermark !== undefined && fromSeconds <= watermark.getTime() / 1000);

  const storedIds: string[] = [];
  let newestCreated: number | undefined;
  let startingAfter: string | undefined;
  for (;;) {
    const page = await options.retry(() =>
      ctx.stripe.listEvents({
        limit: options.pageSize ?? 100,
        ...(fromSeconds === undefined ? {} : { created: { gte: fromSeconds } }),
        ...(startingAfter ? { starting_after: startingAfter } : {}),
      }),
    );
    for (const event of page.data) {
      if (await storeEvent(ctx.db, event)) storedIds.push(event.id);
      newestCreated = Math.max(newestCreated ?? event.created, event.created);
    }
    startingAfter = page.data.at(-1)?.id;
    if (!page.has_more || !startingAfter) break;
  }
  const readUntil =
    mayAdvance && newestCreated !== undefined ? await advanceWatermark(ctx.db, STRIPE_EVENTS_SOURCE, new Date(newestCreated * 1000)) : watermark;
  return { storedIds, listedFrom: fromSeconds === undefined ? undefined : new Date(fromSeconds * 1000), readUntil };
}

export type DeadLetter = DeadEvent;

/** Dead letters, most recently dead first (the CLI's `webhooks dead`, the operator console). */
export async function listDeadEvents(db: Db, options: { limit?: number } = {}): Promise<{ events: DeadLetter[]; total: number }> {
  const [events, total] = await Promise.all([listDeadEventRows(db, options.limit ?? 100), countDeadEvents(db)]);
  return { events, total };
}

/** For /metrics: read at scrape time, so every API process reports the same number. */
export function countDeadLetters(db: Db): Promise<number> {
  return countDeadEvents(db);
}

export type RetryOutcome = {
  eventId: string;
  type: string;
  /** `already_processed`: nothing to do (processed by a delivery, the sweep or another retry). */
  outcome: 'processed' | 'failed' | 'already_processed';
  attempts: number;
  /** Whether it is (still, or again) a dead letter. */
  isDead: boolean;
  error: string | undefined;
};

/**
 * Retries one event by hand, dead letter or not (`flowtab webhooks retry`, the operator console): processes it now
 * from the current Stripe objects. Success clears its dead mark; a failure that is the event's own leaves it dead.
 */
export async function retryDeadEvent(ctx: AppContext, eventId: string, options: Pick<ProcessOptions, 'onSettled'> = {}): Promise<RetryOutcome> {
  const stored = await findEvent(ctx.db, eventId);
  if (!stored) throw new StoredEventNotFoundError(eventId);
  const result = await processStoredEvent(ctx, eventId, { isManualRetry: true, onSettled: options.onSettled });
  const after = await findEvent(ctx.db, eventId);
  const outcome = retryOutcomeOf(result.outcome);
  return {
    eventId,
    type: stored.type,
    outcome,
    attempts: after?.attempts ?? stored.attempts,
    isDead: Boolean(after?.deadAt && !after.processedAt),
    error: outcome === 'failed' ? (after?.lastError ?? undefined) : undefined,
  };
}

function retryOutcomeOf(outcome: ProcessOutcome): RetryOutcome['outcome'] {
  switch (outcome) {
    case 'processed':
      return 'processed';
    case 'duplicate':
      return 'already_processed';
    // 'dead' is what a dead letter answers when not retried by hand; here it is.
    case 'failed':
    case 'dead':
      return 'failed';
  }
}
