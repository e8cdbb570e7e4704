import type { AppContext } from '../../context.js';
import type { Db } from '../../db/client.js';
import type { Stripe, StripeGateway } from '../../integrations/stripe/client.js';
import { idOf } from '../../integrations/stripe/client.js';
import { linkCheckoutSession, syncChargeLosses, syncInvoice, syncSubscription } from '../subscriptions/service.js';
import {
  latestEventTime,
  listUnprocessedEvents,
  lockUnprocessedEvent,
  markEventProcessed,
  recordEventFailure,
  storeEvent,
} from './repository.js';

export type ProcessOutcome = 'processed' | 'duplicate' | 'failed';

/** Handlers for other domains (Connect accounts, transfers) register here, so this module does not call upward. */
export type ExtraEventHandler = (db: Db, stripe: StripeGateway, event: Stripe.Event) => Promise<void>;
const extraHandlers = new Map<string, ExtraEventHandler>();
export function onStripeEvent(type: string, handler: ExtraEventHandler) {
  extraHandlers.set(type, handler);
}

/**
 * Applies one event from the *current* Stripe objects (re-fetched), so late, reordered or repeated events converge.
 * Runs in its own transaction holding the inbox row; a handler failure rolls back its savepoint, is recorded, and
 * leaves the event for a retry.
 */
export async function processStoredEvent(ctx: AppContext, eventId: string): Promise<{ outcome: ProcessOutcome; error?: unknown }> {
  return ctx.db.transaction(async (tx) => {
    const stored = await lockUnprocessedEvent(tx, eventId);
    if (!stored) return { outcome: 'duplicate' as const };
    try {
      await tx.transaction((inner) => applyEvent(inner, ctx, stored.payload as Stripe.Event));
      await markEventProcessed(tx, eventId);
      return { outcome: 'processed' as const };
    } catch (error) {
      await recordEventFailure(tx, eventId, error instanceof Error ? error.message : String(error));
      return { outcome: 'failed' as const, error };
    }
  });
}

async function applyEvent(db: Db, ctx: AppContext, event: Stripe.Event) {
  const { economics } = ctx.config;
  const share = economics.creatorSharePercent;
  const object = event.data.object as { id?: string; object?: string; charge?: string | { id: string } };
  switch (event.type) {
    case 'checkout.session.completed':
    case 'checkout.session.async_payment_succeeded':
      return linkCheckoutSession(db, ctx.stripe, object.id!, economics);
    case 'customer.subscription.created':
    case 'customer.subscription.updated':
    case 'customer.subscription.deleted':
    case 'customer.subscription.paused':
    case 'customer.subscription.resumed':
      await syncSubscription(db, ctx.stripe, object.id!, economics);
      return;
    case 'invoice.paid':
    case 'invoice.payment_succeeded':
    case 'invoice.payment_failed':
    case 'invoice.marked_uncollectible':
    case 'invoice.voided':
    case 'invoice.finalized':
      return syncInvoice(db, ctx.stripe, object.id!, economics);
    case 'charge.refunded':
      return syncChargeLosses(db, ctx.stripe, object.id!, share);
    // These carry a refund or a dispute; what changed is their charge.
    case 'charge.refund.updated':
    case 'charge.dispute.created':
    case 'charge.dispute.updated':
    case 'charge.dispute.closed':
    case 'charge.dispute.funds_withdrawn':
    case 'charge.dispute.funds_reinstated':
      return syncChargeLosses(db, ctx.stripe, idOf(object.charge)!, share);
    default: {
      const handler = extraHandlers.get(event.type);
      if (handler) await handler(db, ctx.stripe, event);
      // Anything else is stored and ignored.
    }
  }
}

/** Verified delivery from the webhook route: store once, then process. */
export async function receiveEvent(ctx: AppContext, event: Stripe.Event) {
  await storeEvent(ctx.db, event);
  return processStoredEvent(ctx, event.id);
}

/**
 * The sweep: re-drives events left unprocessed, and asks Stripe for events we never received (dropped deliveries).
 * Safe in two processes at once: storing is unique on the event id and processing locks the inbox row.
 */
export async function sweepEvents(ctx: AppContext, options: { since?: Date; minAgeMs?: number } = {}) {
  let fetched = 0;
  const since = options.since ?? new Date(((await latestEventTime(ctx.db))?.getTime() ?? Date.now()) - 3 * 86_400_000);
  for await (const event of ctx.stripe.raw.events.list({ created: { gte: Math.floor(since.getTime() / 1000) }, limit: 100 })) {
    if (await storeEvent(ctx.db, event)) fetched++;
  }
  let processed = 0;
  let failed = 0;
  const pending = await listUnprocessedEvents(ctx.db, new Date(Date.now() - (options.minAgeMs ?? 0)), 1000);
  for (const { id } of pending) {
    const result = await processStoredEvent(ctx, id);
    if (result.outcome === 'processed') processed++;
    if (result.outcome === 'failed') failed++;
  }
  return { fetched, processed, failed, pending: pending.length };
}
