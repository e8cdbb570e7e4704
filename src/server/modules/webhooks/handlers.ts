import type { AppContext } from '../../context.js';
import type { Tx } from '../../db/client.js';
import { idOf, type Stripe } from '../../integrations/stripe/client.js';
import { applyConnectAccount, fetchConnectAccount } from '../payouts/connect.js';
import { applyTransferReversals } from '../payouts/sending.js';
import {
  applyChargeState,
  applyCheckoutState,
  applyInvoiceState,
  applySubscriptionState,
  fetchChargeState,
  fetchCheckoutState,
  fetchInvoiceState,
  fetchSubscriptionState,
} from '../subscriptions/service.js';

// Every Stripe event type we act on, and what acts on it. Each event is applied from the *current* Stripe objects
// (re-fetched), so late, reordered or repeated events converge. Any other type is stored and ignored.

/** Writes what was fetched, in the transaction that holds the event's inbox row: no network call. */
export type ApplyEvent = (tx: Tx) => Promise<void>;

/** Fetches the Stripe objects the event needs, with no transaction open, and returns the step that applies them. */
export type EventHandler = (ctx: AppContext, event: Stripe.Event) => Promise<ApplyEvent>;

const checkoutSession: EventHandler = async (ctx, event) => {
  const state = await fetchCheckoutState(ctx.db, ctx.stripe, objectIdOf(event));
  return (tx) => applyCheckoutState(tx, state, ctx.config.economics);
};

const subscription: EventHandler = async (ctx, event) => {
  const state = await fetchSubscriptionState(ctx.db, ctx.stripe, objectIdOf(event), { withLatestInvoice: true });
  return async (tx) => {
    await applySubscriptionState(tx, state, ctx.config.economics);
  };
};

const invoice: EventHandler = async (ctx, event) => {
  const state = await fetchInvoiceState(ctx.db, ctx.stripe, objectIdOf(event));
  return (tx) => applyInvoiceState(tx, state, ctx.config.economics);
};

/** Refunds and disputes: what changed is their charge's pool. */
const chargeLosses =
  (chargeIdOf: (event: Stripe.Event) => string): EventHandler =>
  async (ctx, event) => {
    const state = await fetchChargeState(ctx.stripe, chargeIdOf(event));
    return (tx) => applyChargeState(tx, state, ctx.config.economics.creatorSharePercent);
  };

const connectAccount: EventHandler = async (ctx, event) => {
  const accountId = objectIdOf(event);
  const account = await fetchConnectAccount(ctx.stripe, accountId);
  return (tx) => applyConnectAccount(tx, accountId, account);
};

const transferReversals: EventHandler = async (ctx, event) => {
  const transfer = await ctx.stripe.retrieveTransfer(objectIdOf(event));
  return (tx) => applyTransferReversals(tx, transfer);
};

const eventHandlers = {
  'checkout.session.completed': checkoutSession,
  'checkout.session.async_payment_succeeded': checkoutSession,
  'checkout.session.expired': checkoutSession,
  'customer.subscription.created': subscription,
  'customer.subscription.updated': subscription,
  'customer.subscription.deleted': subscription,
  'customer.subscription.paused': subscription,
  'customer.subscription.resumed': subscription,
  'invoice.paid': invoice,
  'invoice.payment_succeeded': invoice,
  'invoice.payment_failed': invoice,
  'invoice.marked_uncollectible': invoice,
  'invoice.voided': invoice,
  'invoice.finalized': invoice,
  'charge.refunded': chargeLosses(objectIdOf),
  // These carry a refund or a dispute; what changed is their charge.
  'charge.refund.updated': chargeLosses(chargeOf),
  'charge.dispute.created': chargeLosses(chargeOf),
  'charge.dispute.updated': chargeLosses(chargeOf),
  'charge.dispute.closed': chargeLosses(chargeOf),
  'charge.dispute.funds_withdrawn': chargeLosses(chargeOf),
  'charge.dispute.funds_reinstated': chargeLosses(chargeOf),
  'account.updated': connectAccount,
  'transfer.reversed': transferReversals,
} satisfies Partial<Record<Stripe.Event.Type, EventHandler>>;

export type HandledEventType = keyof typeof eventHandlers;

export const HANDLED_EVENT_TYPES = Object.keys(eventHandlers) as HandledEventType[];

/** The handler of an event type; undefined for a type we store and ignore. */
export function handlerOf(type: string): EventHandler | undefined {
  return Object.hasOwn(eventHandlers, type) ? eventHandlers[type as HandledEventType] : undefined;
}

function objectIdOf(event: Stripe.Event): string {
  const id = (event.data.object as { id?: string }).id;
  if (!id) throw new Error(`event ${event.id} (${event.type}) has no object id`);
  return id;
}

function chargeOf(event: Stripe.Event): string {
  const charge = idOf((event.data.object as { charge?: string | { id: string } | null }).charge);
  if (!charge) throw new Error(`event ${event.id} (${event.type}) names no charge`);
  return charge;
}
