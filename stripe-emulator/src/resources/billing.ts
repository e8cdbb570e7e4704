import { badRequest, StripeError } from '../errors.js';
import type { Store } from '../store.js';
import { diffKeys, getCoupon, getPrice, planOf, type Coupon, type Price } from './catalog.js';
import {
  allowParams, applyMetadata, asParams, deletedObject, getOrThrow, matchesCreated, metadataParam, optArray, optBool, optInt,
  optObject, optString, paginate, reqString, type Ctx, type Params, type Route,
} from './common.js';
import { addBalanceTransaction, attachPaymentMethod, getCustomer, resolvePaymentMethod, type Customer } from './customers.js';
import { chargeCard } from './payments.js';

// Subscriptions and their invoices: creation, renewal at period end, dunning retries, cancellation.
// `runDue` is the scheduler: the clock advance calls it so everything due happens in time order.

export type SubscriptionStatus = 'incomplete' | 'incomplete_expired' | 'trialing' | 'active' | 'past_due' | 'unpaid' | 'canceled' | 'paused';
export type Subscription = ReturnType<typeof buildSubscription>;
export type SubscriptionItem = Subscription['items']['data'][number];
export type Invoice = ReturnType<typeof buildInvoice>;
export type Discount = ReturnType<typeof buildDiscount>;

const DAY = 86400;
const INCOMPLETE_EXPIRY_SECONDS = 23 * 3600;
/** Stripe leaves a renewal invoice in `draft` about an hour before it finalizes it and attempts the payment. */
export const DRAFT_FINALIZE_SECONDS = 3600;

/** Adds calendar intervals in UTC, clamping to the month's last day like Stripe's anchors. */
export function addInterval(unix: number, interval: string, count: number): number {
  const date = new Date(unix * 1000);
  switch (interval) {
    case 'day':
      return unix + count * DAY;
    case 'week':
      return unix + count * 7 * DAY;
    case 'month':
    case 'year': {
      const months = interval === 'year' ? count * 12 : count;
      const target = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + months, 1, date.getUTCHours(), date.getUTCMinutes(), date.getUTCSeconds()));
      const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
      target.setUTCDate(Math.min(date.getUTCDate(), lastDay));
      return Math.floor(target.getTime() / 1000);
    }
    default:
      throw new Error(`unknown interval ${interval}`);
  }
}

/** The end of the period that starts at `start`, counted from the anchor so month-end days do not drift. */
function periodEndAfter(anchor: number, start: number, price: Price): number {
  const interval = price.recurring?.interval ?? 'month';
  const count = price.recurring?.interval_count ?? 1;
  for (let k = 1; k < 10_000; k++) {
    const end = addInterval(anchor, interval, k * count);
    if (end > start) return end;
  }
  throw new Error('period computation overflow');
}

function buildDiscount(store: Store, coupon: Coupon, customer: string, subscription: string | null, checkoutSession: string | null) {
  const start = store.now();
  return {
    id: store.newId('di'),
    object: 'discount' as const,
    checkout_session: checkoutSession,
    customer,
    customer_account: null,
    end: coupon.duration === 'repeating' && coupon.duration_in_months ? addInterval(start, 'month', coupon.duration_in_months) : (null as number | null),
    invoice: null,
    invoice_item: null,
    promotion_code: null,
    source: { coupon: structuredClone(coupon), type: 'coupon' as const },
    start,
    subscription,
    subscription_item: null,
  };
}

function buildSubscriptionItem(store: Store, subscriptionId: string, price: Price, quantity: number, start: number, end: number) {
  return {
    id: store.newId('si', 14),
    object: 'subscription_item' as const,
    billing_thresholds: null,
    created: store.now(),
    current_period_end: end,
    current_period_start: start,
    discounts: [] as string[],
    metadata: {} as Record<string, string>,
    plan: planOf(price),
    price: structuredClone(price),
    quantity,
    subscription: subscriptionId,
    tax_rates: [] as unknown[],
  };
}

function buildSubscription(store: Store, customer: Customer, input: NewSubscription, start: number, end: number) {
  const id = store.newId('sub');
  const items = input.items.map(({ price, quantity }) => buildSubscriptionItem(store, id, price, quantity, start, end));
  return {
    id,
    object: 'subscription' as const,
    application: null,
    application_fee_percent: null,
    automatic_tax: { disabled_reason: null, enabled: false, liability: null },
    billing_cycle_anchor: start,
    billing_cycle_anchor_config: null,
    billing_mode: { type: 'flexible' as const },
    billing_thresholds: null,
    cancel_at: null as number | null,
    cancel_at_period_end: false,
    canceled_at: null as number | null,
    cancellation_details: { comment: null as string | null, feedback: null as string | null, reason: null as string | null },
    collection_method: 'charge_automatically' as const,
    created: store.now(),
    currency: input.items[0]!.price.currency,
    /** Convenience copy of items.data[0]: 2026 API versions only have it on the items. */
    current_period_end: end,
    current_period_start: start,
    customer: customer.id,
    customer_account: null,
    days_until_due: null,
    default_payment_method: input.paymentMethod,
    default_source: null,
    default_tax_rates: [] as unknown[],
    description: input.description,
    discounts: [] as string[],
    ended_at: null as number | null,
    invoice_settings: { account_tax_ids: null, issuer: { type: 'self' as const } },
    items: { object: 'list' as const, data: items, has_more: false, total_count: items.length, url: `/v1/subscription_items?subscription=${id}` },
    latest_invoice: null as string | null,
    livemode: false,
    metadata: input.metadata,
    next_pending_invoice_item_invoice: null,
    on_behalf_of: null,
    pause_collection: null,
    payment_settings: { payment_method_options: null, payment_method_types: null, save_default_payment_method: 'off' as const },
    pending_invoice_item_interval: null,
    pending_setup_intent: null,
    pending_update: null,
    schedule: null,
    start_date: start,
    status: 'incomplete' as SubscriptionStatus,
    test_clock: null,
    transfer_data: null,
    trial_end: null as number | null,
    trial_settings: { end_behavior: { missing_payment_method: 'create_invoice' as const } },
    trial_start: null as number | null,
  };
}

type InvoiceLine = {
  id: string;
  object: 'line_item';
  amount: number;
  currency: string;
  description: string;
  discount_amounts: Array<{ amount: number; discount: string }>;
  discountable: boolean;
  discounts: string[];
  invoice: string;
  livemode: false;
  metadata: Record<string, string>;
  parent: {
    invoice_item_details: null;
    subscription_item_details: { invoice_item: null; proration: false; proration_details: { credited_items: null }; subscription: string; subscription_item: string };
    type: 'subscription_item_details';
  };
  period: { end: number; start: number };
  pretax_credit_amounts: unknown[];
  pricing: { price_details: { price: string; product: string }; type: 'price_details'; unit_amount_decimal: string };
  quantity: number;
  subscription: string;
  subtotal: number;
  taxes: unknown[];
};

function buildInvoice(store: Store, customer: Customer, sub: Subscription, periodStart: number, periodEnd: number, billingReason: string) {
  const id = store.newId('in');
  return {
    id,
    object: 'invoice' as const,
    account_country: 'US',
    account_name: 'Flowtab.Pro (emulated)',
    account_tax_ids: null,
    amount_due: 0,
    amount_overpaid: 0,
    amount_paid: 0,
    amount_remaining: 0,
    amount_shipping: 0,
    application: null,
    attempt_count: 0,
    attempted: false,
    auto_advance: true,
    automatic_tax: { disabled_reason: null, enabled: false, liability: null, provider: null, status: null },
    automatically_finalizes_at: null as number | null,
    billing_reason: billingReason,
    /** Not in 2026 API versions; kept so the app can find the invoice's charge directly. */
    charge: null as string | null,
    collection_method: 'charge_automatically' as const,
    created: store.now(),
    currency: sub.currency,
    custom_fields: null,
    customer: customer.id,
    customer_account: null,
    customer_address: null,
    customer_email: customer.email,
    customer_name: customer.name,
    customer_phone: customer.phone,
    customer_shipping: null,
    customer_tax_exempt: 'none' as const,
    default_payment_method: null,
    default_source: null,
    default_tax_rates: [] as unknown[],
    description: null,
    discounts: [] as string[],
    due_date: null,
    effective_at: null as number | null,
    ending_balance: null as number | null,
    footer: null,
    from_invoice: null,
    hosted_invoice_url: null as string | null,
    invoice_pdf: null as string | null,
    issuer: { type: 'self' as const },
    last_finalization_error: null,
    latest_revision: null,
    lines: { object: 'list' as const, data: [] as InvoiceLine[], has_more: false, total_count: 0, url: `/v1/invoices/${id}/lines` },
    livemode: false,
    metadata: {} as Record<string, string>,
    next_payment_attempt: null as number | null,
    number: null as string | null,
    on_behalf_of: null,
    parent: {
      quote_details: null,
      subscription_details: { metadata: structuredClone(sub.metadata), subscription: sub.id },
      type: 'subscription_details' as const,
    },
    /** Not in 2026 API versions (see `payments`); kept for convenience. */
    payment_intent: null as string | null,
    payment_settings: { default_mandate: null, payment_method_options: null, payment_method_types: null },
    payments: { object: 'list' as const, data: [] as Array<Record<string, unknown>>, has_more: false, url: `/v1/invoice_payments?invoice=${id}` },
    period_end: periodEnd,
    period_start: periodStart,
    post_payment_credit_notes_amount: 0,
    pre_payment_credit_notes_amount: 0,
    receipt_number: null,
    rendering: null,
    shipping_cost: null,
    shipping_details: null,
    starting_balance: 0,
    statement_descriptor: null,
    status: 'draft' as 'draft' | 'open' | 'paid' | 'uncollectible' | 'void',
    status_transitions: { finalized_at: null as number | null, marked_uncollectible_at: null as number | null, paid_at: null as number | null, voided_at: null as number | null },
    /** Not in 2026 API versions (see parent.subscription_details); kept for convenience. */
    subscription: sub.id,
    subtotal: 0,
    subtotal_excluding_tax: 0,
    test_clock: null,
    total: 0,
    total_discount_amounts: [] as Array<{ amount: number; discount: string }>,
    total_excluding_tax: 0,
    total_pretax_credit_amounts: [] as unknown[],
    total_taxes: [] as unknown[],
    webhooks_delivered_at: null as number | null,
  };
}

export type NewSubscription = {
  items: Array<{ price: Price; quantity: number }>;
  metadata: Record<string, string>;
  coupons: Coupon[];
  paymentMethod: string | null;
  trialDays: number | null;
  description: string | null;
  checkoutSession: string | null;
};

function activeDiscounts(store: Store, sub: Subscription, at: number): Discount[] {
  return sub.discounts
    .map((id) => store.find<Discount>(id, 'discount'))
    .filter((d): d is Discount => d !== undefined && (d.end === null || d.end > at));
}

function discountAmount(discount: Discount, base: number): number {
  const coupon = discount.source.coupon;
  if (coupon.percent_off !== null) return Math.round((base * coupon.percent_off) / 100);
  return Math.min(base, coupon.amount_off ?? 0);
}

/**
 * Builds the period's invoice as a draft (`invoice.created`). The first invoice of a subscription is finalized and
 * collected at once (Checkout, `POST /v1/subscriptions`); a renewal waits in draft until `automatically_finalizes_at`.
 */
function draftSubscriptionInvoice(
  ctx: Ctx,
  sub: Subscription,
  start: number,
  end: number,
  billingReason: string,
  free: boolean,
  finalizesAt: number | null = null,
): Invoice {
  const { store } = ctx;
  const customer = getCustomer(store, sub.customer);
  const invoice = store.insert(buildInvoice(store, customer, sub, start, end, billingReason));
  const discounts = free ? [] : activeDiscounts(store, sub, start);
  let subtotal = 0;
  for (const item of sub.items.data) {
    const amount = free ? 0 : (item.price.unit_amount ?? 0) * item.quantity;
    subtotal += amount;
    invoice.lines.data.push({
      id: store.newId('il'),
      object: 'line_item',
      amount,
      currency: invoice.currency,
      description: `${item.quantity} × ${item.price.nickname ?? item.price.product} (at $${((item.price.unit_amount ?? 0) / 100).toFixed(2)} / ${item.price.recurring?.interval ?? 'month'})`,
      discount_amounts: [],
      discountable: true,
      discounts: [],
      invoice: invoice.id,
      livemode: false,
      metadata: structuredClone(sub.metadata),
      parent: {
        invoice_item_details: null,
        subscription_item_details: { invoice_item: null, proration: false, proration_details: { credited_items: null }, subscription: sub.id, subscription_item: item.id },
        type: 'subscription_item_details',
      },
      period: { end, start },
      pretax_credit_amounts: [],
      pricing: { price_details: { price: item.price.id, product: item.price.product }, type: 'price_details', unit_amount_decimal: item.price.unit_amount_decimal },
      quantity: item.quantity,
      subscription: sub.id,
      subtotal: amount,
      taxes: [],
    });
  }
  let remaining = subtotal;
  for (const discount of discounts) {
    const amount = Math.min(remaining, discountAmount(discount, remaining));
    remaining -= amount;
    invoice.discounts.push(discount.id);
    invoice.total_discount_amounts.push({ amount, discount: discount.id });
    // Spread the discount over the lines (one line in practice).
    const line = invoice.lines.data[0];
    if (line) {
      line.discount_amounts.push({ amount, discount: discount.id });
      line.discounts.push(discount.id);
    }
    if (discount.source.coupon.duration === 'once') {
      discount.end = store.now();
      sub.discounts = sub.discounts.filter((d) => d !== discount.id);
    }
  }
  invoice.lines.total_count = invoice.lines.data.length;
  invoice.subtotal = subtotal;
  invoice.subtotal_excluding_tax = subtotal;
  invoice.total = remaining;
  invoice.total_excluding_tax = remaining;
  invoice.amount_due = remaining;
  invoice.amount_remaining = remaining;
  if (finalizesAt === null) {
    invoice.auto_advance = billingReason === 'subscription_create';
  } else {
    invoice.automatically_finalizes_at = finalizesAt;
    invoice.next_payment_attempt = finalizesAt;
  }
  store.touch();
  store.emit('invoice.created', invoice);
  return invoice;
}

/** Finalizes a draft (applying the customer balance, `invoice.finalized`) and makes the first payment attempt. */
function finalizeAndCollect(ctx: Ctx, invoice: Invoice): void {
  const customer = getCustomer(ctx.store, invoice.customer);
  invoice.automatically_finalizes_at = null;
  finalizeInvoice(ctx, invoice, customer);
  if (invoice.amount_due === 0) markPaid(ctx.store, invoice, null);
  else attemptInvoicePayment(ctx, invoice, paymentMethodFor(ctx.store, invoice));
}

/** The subscription's default payment method, else the customer's invoice default (Stripe's order). */
function paymentMethodFor(store: Store, invoice: Invoice): string | null {
  const sub = store.find<Subscription>(invoice.subscription, 'subscription');
  return sub?.default_payment_method ?? getCustomer(store, invoice.customer).invoice_settings.default_payment_method;
}

function finalizeInvoice(ctx: Ctx, invoice: Invoice, customer: Customer): void {
  const { store } = ctx;
  invoice.starting_balance = customer.balance;
  let applied = 0;
  if (customer.balance < 0) applied = Math.min(invoice.total, -customer.balance); // credit
  else if (customer.balance > 0) applied = -customer.balance; // debt is added to the invoice
  invoice.amount_due = invoice.total - applied;
  invoice.amount_remaining = invoice.amount_due;
  invoice.ending_balance = customer.balance + applied;
  invoice.status = 'open';
  customer.next_invoice_sequence += 1;
  invoice.number = `${customer.invoice_prefix}-${String(customer.next_invoice_sequence - 1).padStart(4, '0')}`;
  invoice.effective_at = store.now();
  invoice.status_transitions.finalized_at = store.now();
  invoice.hosted_invoice_url = `${ctx.settings.baseUrl()}/invoices/${invoice.id}`;
  invoice.invoice_pdf = `${ctx.settings.baseUrl()}/invoices/${invoice.id}/pdf`;
  store.touch();
  if (applied !== 0) {
    addBalanceTransaction(store, customer, applied, 'applied_to_invoice', { invoice: invoice.id });
  }
  store.emit('invoice.finalized', invoice);
}

function markPaid(store: Store, invoice: Invoice, paymentIntent: string | null): void {
  invoice.status = 'paid';
  invoice.amount_paid = invoice.amount_due;
  invoice.amount_remaining = 0;
  invoice.next_payment_attempt = null;
  invoice.status_transitions.paid_at = store.now();
  if (paymentIntent === null) invoice.attempted = true;
  store.touch();
  store.emit('invoice.paid', invoice);
  store.emit('invoice.payment_succeeded', invoice);
}

/** One payment attempt; on failure schedules the next retry (relative to the first failure) or none. */
function attemptInvoicePayment(ctx: Ctx, invoice: Invoice, paymentMethod: string | null): boolean {
  const { store } = ctx;
  invoice.attempt_count += 1;
  invoice.attempted = true;
  const result = chargeCard(store, {
    customer: invoice.customer,
    paymentMethod,
    amount: invoice.amount_due,
    currency: invoice.currency,
    description: invoice.billing_reason === 'subscription_create' ? 'Subscription creation' : 'Subscription update',
    invoice: invoice.id,
  });
  const ok = result.error === null;
  invoice.payment_intent = result.paymentIntent.id;
  invoice.payments.data.unshift({
    id: store.newId('inpay'),
    object: 'invoice_payment',
    amount_paid: ok ? invoice.amount_due : null,
    amount_requested: invoice.amount_due,
    created: store.now(),
    currency: invoice.currency,
    invoice: invoice.id,
    is_default: true,
    livemode: false,
    payment: { payment_intent: result.paymentIntent.id, type: 'payment_intent' },
    status: ok ? 'paid' : 'open',
    status_transitions: { canceled_at: null, paid_at: ok ? store.now() : null },
  });
  if (ok) {
    invoice.charge = result.charge?.id ?? null;
    markPaid(store, invoice, result.paymentIntent.id);
    return true;
  }
  if (invoice.billing_reason === 'subscription_create') {
    invoice.next_payment_attempt = null; // incomplete subscriptions are not retried; they expire
  } else {
    const firstFailure = (store.internal.invoiceFirstFailure[invoice.id] ??= store.now());
    const retryIndex = invoice.attempt_count - 1;
    const days = ctx.settings.retryDays[retryIndex];
    invoice.next_payment_attempt = days === undefined ? null : firstFailure + days * DAY;
  }
  store.touch();
  store.emit('invoice.payment_failed', invoice);
  return false;
}

export function createSubscription(ctx: Ctx, customer: Customer, input: NewSubscription): { subscription: Subscription; invoice: Invoice } {
  const { store } = ctx;
  if (input.items.length === 0) throw badRequest('Missing required param: items.', 'parameter_missing', 'items');
  for (const { price } of input.items) {
    if (!price.recurring) throw badRequest(`The price specified is set to \`type=one_time\` but this field only accepts prices with \`type=recurring\`.`, 'parameter_invalid_string', 'items');
  }
  const start = store.now();
  const trialEnd = input.trialDays ? start + input.trialDays * DAY : null;
  const end = trialEnd ?? periodEndAfter(start, start, input.items[0]!.price);
  const sub = store.insert(buildSubscription(store, customer, input, start, end));
  if (trialEnd) {
    sub.trial_start = start;
    sub.trial_end = trialEnd;
  }
  for (const coupon of input.coupons) {
    const discount = store.insert(buildDiscount(store, coupon, customer.id, sub.id, input.checkoutSession));
    coupon.times_redeemed += 1;
    sub.discounts.push(discount.id);
  }
  const invoice = draftSubscriptionInvoice(ctx, sub, start, end, 'subscription_create', trialEnd !== null);
  finalizeAndCollect(ctx, invoice);
  sub.latest_invoice = invoice.id;
  if (invoice.status === 'paid') sub.status = trialEnd ? 'trialing' : 'active';
  store.touch();
  store.emit('customer.subscription.created', sub);
  return { subscription: sub, invoice };
}

export function cancelSubscription(ctx: Ctx, sub: Subscription, reason: 'cancellation_requested' | 'payment_failed' | 'payment_disputed'): void {
  const { store } = ctx;
  if (sub.status === 'canceled' || sub.status === 'incomplete_expired') return;
  const now = store.now();
  sub.status = 'canceled';
  sub.canceled_at ??= now;
  sub.ended_at = now;
  sub.cancel_at = null;
  sub.cancellation_details.reason = reason;
  // As on Stripe, cancelling stops automatic collection: a pending renewal draft is never finalized or charged, and
  // open invoices are no longer retried.
  for (const invoice of store.all<Invoice>('invoice')) {
    if (invoice.subscription !== sub.id || (invoice.status !== 'draft' && invoice.status !== 'open')) continue;
    invoice.auto_advance = false;
    invoice.automatically_finalizes_at = null;
    invoice.next_payment_attempt = null;
  }
  store.touch();
  store.emit('customer.subscription.deleted', sub);
}

function setPeriod(sub: Subscription, start: number, end: number): void {
  sub.current_period_start = start;
  sub.current_period_end = end;
  for (const item of sub.items.data) {
    item.current_period_start = start;
    item.current_period_end = end;
  }
}

function renewSubscription(ctx: Ctx, sub: Subscription): void {
  const { store } = ctx;
  if (sub.cancel_at_period_end || (sub.cancel_at !== null && sub.cancel_at <= sub.current_period_end)) {
    cancelSubscription(ctx, sub, 'cancellation_requested');
    return;
  }
  // The period advances now and the renewal invoice is created as a draft; about an hour later it is finalized and
  // charged (finalizeRenewal). The subscription keeps its status until that payment fails.
  const before = structuredClone(sub);
  const start = sub.current_period_end;
  const end = periodEndAfter(sub.billing_cycle_anchor, start, sub.items.data[0]!.price);
  setPeriod(sub, start, end);
  // As on Stripe, an unpaid subscription's later invoices stay drafts (auto_advance false).
  const finalizesAt = sub.status === 'unpaid' ? null : start + DRAFT_FINALIZE_SECONDS;
  const invoice = draftSubscriptionInvoice(ctx, sub, start, end, 'subscription_cycle', false, finalizesAt);
  sub.latest_invoice = invoice.id;
  if (sub.status === 'trialing') sub.status = 'active'; // the trial is over; a failed payment makes it past_due
  store.touch();
  store.emit('customer.subscription.updated', sub, diffKeys(before, sub));
}

/** `automatically_finalizes_at` of a renewal draft: finalize, charge, and on failure the subscription goes past_due. */
function finalizeRenewal(ctx: Ctx, invoice: Invoice): void {
  finalizeAndCollect(ctx, invoice);
  settleSubscriptionAfterAttempt(ctx, invoice);
}

/** A retry (scheduled, `POST /v1/invoices/{id}/pay`, or a new card) of an open invoice. */
function retryInvoice(ctx: Ctx, invoice: Invoice): void {
  attemptInvoicePayment(ctx, invoice, paymentMethodFor(ctx.store, invoice));
  settleSubscriptionAfterAttempt(ctx, invoice);
}

/**
 * The subscription after a payment attempt on its invoice: paid → active again; failed → past_due (a renewal), and
 * after the last scheduled retry → canceled with the invoice uncollectible (or unpaid, per `afterFinalFailure`).
 */
function settleSubscriptionAfterAttempt(ctx: Ctx, invoice: Invoice): void {
  const { store } = ctx;
  const sub = store.find<Subscription>(invoice.subscription, 'subscription');
  if (!sub || sub.status === 'canceled' || sub.status === 'incomplete_expired') return;
  if (isPaid(invoice)) {
    if (sub.status === 'past_due' || sub.status === 'unpaid' || sub.status === 'incomplete') {
      const before = structuredClone(sub);
      sub.status = sub.trial_end !== null && sub.trial_end > store.now() ? 'trialing' : 'active';
      store.touch();
      store.emit('customer.subscription.updated', sub, diffKeys(before, sub));
    }
    return;
  }
  if (invoice.billing_reason === 'subscription_create') return; // an incomplete subscription expires instead
  if (sub.status === 'active' || sub.status === 'trialing') {
    const before = structuredClone(sub);
    sub.status = 'past_due';
    store.touch();
    store.emit('customer.subscription.updated', sub, diffKeys(before, sub));
  }
  if (invoice.next_payment_attempt !== null) return;
  // Retries exhausted.
  if (ctx.settings.afterFinalFailure === 'cancel') {
    markUncollectible(store, invoice);
    cancelSubscription(ctx, sub, 'payment_failed');
  } else if (sub.status !== 'unpaid') {
    const before = structuredClone(sub);
    sub.status = 'unpaid';
    store.emit('customer.subscription.updated', sub, diffKeys(before, sub));
  }
}

function markUncollectible(store: Store, invoice: Invoice): void {
  const before = structuredClone(invoice);
  invoice.status = 'uncollectible';
  invoice.next_payment_attempt = null;
  invoice.status_transitions.marked_uncollectible_at = store.now();
  store.touch();
  store.emit('invoice.marked_uncollectible', invoice, diffKeys(before, invoice));
}

function voidInvoice(store: Store, invoice: Invoice): void {
  const before = structuredClone(invoice);
  invoice.status = 'void';
  invoice.amount_remaining = 0;
  invoice.next_payment_attempt = null;
  invoice.status_transitions.voided_at = store.now();
  store.touch();
  store.emit('invoice.voided', invoice, diffKeys(before, invoice));
}

function expireIncomplete(ctx: Ctx, sub: Subscription): void {
  const { store } = ctx;
  const before = structuredClone(sub);
  const invoice = sub.latest_invoice ? store.find<Invoice>(sub.latest_invoice, 'invoice') : undefined;
  if (invoice && invoice.status === 'open') voidInvoice(store, invoice);
  sub.status = 'incomplete_expired';
  sub.ended_at = store.now();
  store.touch();
  store.emit('customer.subscription.updated', sub, diffKeys(before, sub));
}

type DueTask = { at: number; run: () => void };

/** The earliest piece of scheduled work: renewal, cancellation, retry, expiry. */
function nextDue(ctx: Ctx): DueTask | null {
  const { store } = ctx;
  let best: DueTask | null = null;
  const consider = (at: number, run: () => void) => {
    if (best === null || at < best.at) best = { at, run };
  };
  for (const sub of store.all<Subscription>('subscription')) {
    switch (sub.status) {
      case 'active':
      case 'trialing':
      case 'past_due':
      case 'unpaid':
        if (sub.cancel_at !== null && sub.cancel_at < sub.current_period_end) {
          consider(sub.cancel_at, () => cancelSubscription(ctx, sub, 'cancellation_requested'));
        } else {
          consider(sub.current_period_end, () => renewSubscription(ctx, sub));
        }
        break;
      case 'incomplete':
        consider(sub.created + INCOMPLETE_EXPIRY_SECONDS, () => expireIncomplete(ctx, sub));
        break;
      case 'incomplete_expired':
      case 'canceled':
      case 'paused':
        break;
    }
  }
  for (const invoice of store.all<Invoice>('invoice')) {
    if (invoice.status === 'draft' && invoice.auto_advance && invoice.automatically_finalizes_at !== null) {
      consider(invoice.automatically_finalizes_at, () => finalizeRenewal(ctx, invoice));
      continue;
    }
    if (invoice.status === 'open' && invoice.auto_advance && invoice.next_payment_attempt !== null) {
      const sub = store.find<Subscription>(invoice.subscription, 'subscription');
      if (sub && (sub.status === 'canceled' || sub.status === 'incomplete_expired')) continue; // dunning stops with the subscription
      const at = invoice.next_payment_attempt;
      consider(at, () => retryInvoice(ctx, invoice));
    }
  }
  for (const session of store.all<{ id: string; object: string; status: string; expires_at: number }>('checkout.session')) {
    if (session.status === 'open') {
      consider(session.expires_at, () => {
        session.status = 'expired';
        store.touch();
        store.emit('checkout.session.expired', session);
      });
    }
  }
  return best;
}

/** Processes every due task up to `until` in time order, moving the clock to each task's time. */
export function runDue(ctx: Ctx, until: number): number {
  let processed = 0;
  for (let guard = 0; guard < 100_000; guard++) {
    const task = nextDue(ctx);
    if (!task || task.at > until) break;
    ctx.store.clock.runAt(task.at, () => {
      task.run();
      ctx.store.runDeferred();
    });
    processed += 1;
  }
  ctx.store.clock.moveTo(until);
  return processed;
}

export function getSubscription(store: Store, id: string, param = 'id'): Subscription {
  return getOrThrow<Subscription>(store, id, 'subscription', 'subscription', param);
}

function parseItems(store: Store, params: Params): Array<{ price: Price; quantity: number }> {
  const items = optArray(params, 'items') ?? [];
  return items.map((raw, i) => {
    const item = asParams(raw, `items[${i}]`);
    return { price: getPrice(store, reqString(item, 'price'), `items[${i}][price]`), quantity: optInt(item, 'quantity') ?? 1 };
  });
}

export function parseCoupons(store: Store, params: Params): Coupon[] {
  const coupons: Coupon[] = [];
  const legacy = optString(params, 'coupon');
  if (legacy) coupons.push(getCoupon(store, legacy, 'coupon'));
  (optArray(params, 'discounts') ?? []).forEach((raw, i) => {
    const d = asParams(raw, `discounts[${i}]`);
    const id = optString(d, 'coupon');
    if (id) coupons.push(getCoupon(store, id, `discounts[${i}][coupon]`));
    else if (optString(d, 'promotion_code')) throw badRequest('Promotion codes are not supported by the emulator.', 'parameter_unknown', `discounts[${i}][promotion_code]`);
  });
  return coupons;
}

/** Subscription updates shared by the API and the hosted portal. Emits customer.subscription.updated. */
export function updateSubscription(ctx: Ctx, sub: Subscription, params: Params): Subscription {
  const { store } = ctx;
  if (sub.status === 'canceled' || sub.status === 'incomplete_expired') {
    throw badRequest(`A canceled subscription can only update its cancellation_details and metadata.`, 'resource_missing');
  }
  const before = structuredClone(sub);
  const now = store.now();
  const cancelAtPeriodEnd = optBool(params, 'cancel_at_period_end');
  if (cancelAtPeriodEnd !== undefined) {
    sub.cancel_at_period_end = cancelAtPeriodEnd;
    sub.cancel_at = cancelAtPeriodEnd ? sub.current_period_end : null;
    sub.canceled_at = cancelAtPeriodEnd ? now : null;
    if (!cancelAtPeriodEnd) sub.cancellation_details = { comment: null, feedback: null, reason: null };
    else sub.cancellation_details.reason = 'cancellation_requested';
  }
  if (params.cancel_at !== undefined) {
    const at = optInt(params, 'cancel_at');
    sub.cancel_at = at ?? null;
    sub.cancel_at_period_end = false;
    sub.canceled_at = at === undefined ? null : now;
  }
  const details = optObject(params, 'cancellation_details');
  if (details) {
    sub.cancellation_details.comment = optString(details, 'comment') ?? sub.cancellation_details.comment;
    sub.cancellation_details.feedback = optString(details, 'feedback') ?? sub.cancellation_details.feedback;
  }
  sub.metadata = applyMetadata(sub.metadata, params);
  sub.description = optString(params, 'description') ?? sub.description;
  const pmId = optString(params, 'default_payment_method');
  if (pmId) {
    const pm = resolvePaymentMethod(store, pmId, 'default_payment_method');
    attachPaymentMethod(store, pm, getCustomer(store, sub.customer), false);
    sub.default_payment_method = pm.id;
  }
  const items = optArray(params, 'items');
  if (items) {
    // Price swaps take effect from the next period; no prorations in the emulator.
    items.forEach((raw, i) => {
      const p = asParams(raw, `items[${i}]`);
      const item = optString(p, 'id') ? sub.items.data.find((it) => it.id === optString(p, 'id')) : sub.items.data[i];
      if (!item) throw badRequest(`Invalid subscription item: items[${i}][id]`, 'resource_missing', `items[${i}][id]`);
      const priceId = optString(p, 'price');
      if (priceId) {
        item.price = structuredClone(getPrice(store, priceId, `items[${i}][price]`));
        item.plan = planOf(item.price);
      }
      item.quantity = optInt(p, 'quantity') ?? item.quantity;
    });
  }
  for (const coupon of parseCoupons(store, params)) {
    const discount = store.insert(buildDiscount(store, coupon, sub.customer, sub.id, null));
    coupon.times_redeemed += 1;
    sub.discounts.push(discount.id);
  }
  if (params.discounts === '') sub.discounts = [];
  store.touch();
  const prev = diffKeys(before, sub);
  if (Object.keys(prev).length > 0) store.emit('customer.subscription.updated', sub, prev);
  return sub;
}

/** Pays the open invoices of a subscription now (after a card change), as Stripe does for past_due ones. */
export function retryOpenInvoices(ctx: Ctx, sub: Subscription): void {
  for (const invoice of ctx.store.all<Invoice>('invoice')) {
    if (invoice.subscription === sub.id && invoice.status === 'open') retryInvoice(ctx, invoice);
  }
}

/** A function so TypeScript does not keep a status narrowed across a mutating call. */
function isPaid(invoice: Invoice): boolean {
  return invoice.status === 'paid';
}

export function getInvoice(store: Store, id: string, param = 'id'): Invoice {
  return getOrThrow<Invoice>(store, id, 'invoice', 'invoice', param);
}

export const billingRoutes: Route[] = [
  {
    // Billing owns deleting a customer (it cancels the subscriptions), so customers.ts knows nothing of billing.
    method: 'DELETE',
    path: '/v1/customers/:id',
    handler: (ctx, { pathParams }) => {
      const { store } = ctx;
      const customer = getCustomer(store, pathParams.id!, 'id');
      // As on Stripe, deleting a customer cancels its subscriptions immediately.
      for (const sub of store.all<Subscription>('subscription')) {
        if (sub.customer === customer.id) cancelSubscription(ctx, sub, 'cancellation_requested');
      }
      store.emit('customer.deleted', customer);
      const deleted = deletedObject(customer.id, 'customer');
      store.insert(deleted as never);
      return deleted;
    },
  },
  {
    method: 'POST',
    path: '/v1/subscriptions',
    handler: (ctx: Ctx, { params }) => {
      allowParams(params, ['customer', 'items', 'metadata', 'default_payment_method', 'discounts', 'coupon', 'trial_period_days', 'payment_behavior', 'description', 'collection_method', 'off_session', 'proration_behavior']);
      const { store } = ctx;
      const customer = getCustomer(store, reqString(params, 'customer'));
      const pmId = optString(params, 'default_payment_method');
      const pm = pmId ? resolvePaymentMethod(store, pmId, 'default_payment_method') : null;
      if (pm) attachPaymentMethod(store, pm, customer, false);
      const behavior = optString(params, 'payment_behavior') ?? 'allow_incomplete';
      const { subscription, invoice } = createSubscription(ctx, customer, {
        items: parseItems(store, params),
        metadata: metadataParam(params.metadata),
        coupons: parseCoupons(store, params),
        paymentMethod: pm?.id ?? null,
        trialDays: optInt(params, 'trial_period_days') ?? null,
        description: optString(params, 'description') ?? null,
        checkoutSession: null,
      });
      if (behavior === 'error_if_incomplete' && invoice.status !== 'paid') {
        throw new StripeError(402, 'card_error', 'Your card was declined.', { code: 'card_declined' });
      }
      return subscription;
    },
  },
  { method: 'GET', path: '/v1/subscriptions/:id', handler: ({ store }, { pathParams }) => getSubscription(store, pathParams.id!) },
  {
    method: 'POST',
    path: '/v1/subscriptions/:id',
    handler: (ctx, { pathParams, params }) => {
      allowParams(params, ['cancel_at_period_end', 'cancel_at', 'cancellation_details', 'metadata', 'default_payment_method', 'items', 'discounts', 'coupon', 'description', 'proration_behavior', 'payment_behavior']);
      return updateSubscription(ctx, getSubscription(ctx.store, pathParams.id!), params);
    },
  },
  {
    method: 'DELETE',
    path: '/v1/subscriptions/:id',
    handler: (ctx, { pathParams, params }) => {
      allowParams(params, ['invoice_now', 'prorate', 'cancellation_details']);
      const sub = getSubscription(ctx.store, pathParams.id!);
      if (sub.status === 'canceled') throw badRequest(`No such subscription: '${sub.id}' is already canceled.`, 'resource_missing', 'id');
      const details = optObject(params, 'cancellation_details');
      if (details) {
        sub.cancellation_details.comment = optString(details, 'comment') ?? null;
        sub.cancellation_details.feedback = optString(details, 'feedback') ?? null;
      }
      cancelSubscription(ctx, sub, 'cancellation_requested');
      return sub;
    },
  },
  {
    method: 'GET',
    path: '/v1/subscriptions',
    handler: ({ store }, { params }) => {
      const customer = optString(params, 'customer');
      const status = optString(params, 'status');
      const price = optString(params, 'price');
      const items = store.all<Subscription>('subscription').filter((s) => {
        if (customer && s.customer !== customer) return false;
        if (price && !s.items.data.some((i) => i.price.id === price)) return false;
        if (status === 'all') return true;
        if (status === 'ended') return s.status === 'canceled' || s.status === 'incomplete_expired';
        if (status) return s.status === status;
        return s.status !== 'canceled' && s.status !== 'incomplete_expired';
      });
      return paginate(items, params, '/v1/subscriptions');
    },
  },
  { method: 'GET', path: '/v1/subscription_items/:id', handler: ({ store }, { pathParams }) => {
    for (const sub of store.all<Subscription>('subscription')) {
      const item = sub.items.data.find((i) => i.id === pathParams.id);
      if (item) return item;
    }
    return getOrThrow(store, pathParams.id!, 'subscription_item', 'subscription item');
  } },
  { method: 'GET', path: '/v1/invoices/:id', handler: ({ store }, { pathParams }) => getInvoice(store, pathParams.id!) },
  {
    method: 'GET',
    path: '/v1/invoices/:id/lines',
    handler: ({ store }, { pathParams, params }) => paginate(getInvoice(store, pathParams.id!).lines.data, params, `/v1/invoices/${pathParams.id}/lines`),
  },
  {
    method: 'GET',
    path: '/v1/invoices',
    handler: ({ store }, { params }) => {
      const customer = optString(params, 'customer');
      const subscription = optString(params, 'subscription');
      const status = optString(params, 'status');
      const items = store
        .all<Invoice>('invoice')
        .filter((i) => (!customer || i.customer === customer) && (!subscription || i.subscription === subscription) && (!status || i.status === status) && matchesCreated(params, i.created));
      return paginate(items, params, '/v1/invoices');
    },
  },
  {
    method: 'POST',
    path: '/v1/invoices/:id/pay',
    handler: (ctx, { pathParams, params }) => {
      allowParams(params, ['payment_method', 'off_session', 'paid_out_of_band']);
      const invoice = getInvoice(ctx.store, pathParams.id!);
      if (invoice.status !== 'open') throw badRequest(`Invoice is already ${invoice.status}.`, 'invoice_not_open');
      const pmId = optString(params, 'payment_method');
      if (pmId) {
        const sub = ctx.store.find<Subscription>(invoice.subscription, 'subscription');
        if (sub) sub.default_payment_method = resolvePaymentMethod(ctx.store, pmId, 'payment_method').id;
      }
      retryInvoice(ctx, invoice);
      if (!isPaid(invoice)) {
        throw new StripeError(402, 'card_error', 'Your card was declined.', { code: 'card_declined', extra: { decline_code: 'generic_decline' } });
      }
      return invoice;
    },
  },
  {
    method: 'POST',
    path: '/v1/invoices/:id/void',
    handler: ({ store }, { pathParams }) => {
      const invoice = getInvoice(store, pathParams.id!);
      if (invoice.status !== 'open' && invoice.status !== 'uncollectible') throw badRequest(`You can only void open or uncollectible invoices.`, 'invoice_not_open');
      voidInvoice(store, invoice);
      return invoice;
    },
  },
  {
    method: 'POST',
    path: '/v1/invoices/:id/mark_uncollectible',
    handler: ({ store }, { pathParams }) => {
      const invoice = getInvoice(store, pathParams.id!);
      if (invoice.status !== 'open') throw badRequest(`You can only mark open invoices uncollectible.`, 'invoice_not_open');
      markUncollectible(store, invoice);
      return invoice;
    },
  },
  { method: 'GET', path: '/v1/discounts/:id', handler: ({ store }, { pathParams }) => getOrThrow(store, pathParams.id!, 'discount', 'discount') },
];
