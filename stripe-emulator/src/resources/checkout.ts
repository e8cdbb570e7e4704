import { badRequest, StripeError } from '../errors.js';
import type { Store } from '../store.js';
import { getCoupon, getPrice, productName, type Price } from './catalog.js';
import { createSubscription, parseCoupons, retryOpenInvoices, type Subscription } from './billing.js';
import {
  allowParams, asParams, getOrThrow, metadataParam, optArray, optInt, optObject, optString, paginate, reqString,
  type Ctx, type Route,
} from './common.js';
import { attachPaymentMethod, cardFor, createCardPaymentMethod, createCustomer, declineError, getCustomer, type Customer } from './customers.js';

// Checkout Sessions (subscription mode) and Customer Portal sessions. The hosted pages in pages.ts
// call payCheckoutSession / changeCard, the same code as the control API.

export type CheckoutSession = ReturnType<typeof buildSession>;
export type PortalSession = ReturnType<typeof buildPortalSession>;

function buildSession(ctx: Ctx, input: { customer: Customer | null; customerEmail: string | null; lineItems: Array<{ price: Price; quantity: number }>; params: Record<string, unknown> }) {
  const { store } = ctx;
  const id = `cs_test_${store.newId('x', 58).slice(2)}`;
  const now = store.now();
  const subtotal = input.lineItems.reduce((sum, li) => sum + (li.price.unit_amount ?? 0) * li.quantity, 0);
  const p = input.params as Record<string, never>;
  return {
    id,
    object: 'checkout.session' as const,
    adaptive_pricing: null,
    after_expiration: null,
    allow_promotion_codes: p.allow_promotion_codes === 'true' ? true : null,
    amount_subtotal: subtotal,
    amount_total: subtotal,
    automatic_tax: { enabled: false, liability: null, provider: null, status: null },
    billing_address_collection: null,
    cancel_url: (p.cancel_url as string | undefined) ?? null,
    client_reference_id: (p.client_reference_id as string | undefined) ?? null,
    client_secret: null,
    collected_information: null,
    consent: null,
    consent_collection: null,
    created: now,
    currency: input.lineItems[0]?.price.currency ?? 'usd',
    custom_fields: [] as unknown[],
    custom_text: { after_submit: null, shipping_address: null, submit: null, terms_of_service_acceptance: null },
    customer: input.customer?.id ?? (null as string | null),
    customer_creation: input.customer ? null : ('always' as const),
    customer_details: input.customer
      ? { address: null, email: input.customer.email, name: input.customer.name, phone: null, tax_exempt: 'none', tax_ids: [] }
      : (null as Record<string, unknown> | null),
    customer_email: input.customerEmail,
    discounts: [] as Array<{ coupon: string; promotion_code: null }>,
    expires_at: optInt(input.params as never, 'expires_at') ?? now + 24 * 3600,
    invoice: null as string | null,
    invoice_creation: null,
    livemode: false,
    locale: null,
    metadata: metadataParam(p.metadata),
    mode: 'subscription' as const,
    origin_context: null,
    payment_intent: null,
    payment_link: null,
    payment_method_collection: 'always' as const,
    payment_method_configuration_details: null,
    payment_method_options: { card: { request_three_d_secure: 'automatic' } },
    payment_method_types: ['card'],
    payment_status: 'unpaid' as 'unpaid' | 'paid' | 'no_payment_required',
    phone_number_collection: { enabled: false },
    recovered_from: null,
    saved_payment_method_options: null,
    setup_intent: null,
    shipping_address_collection: null,
    shipping_cost: null,
    shipping_options: [] as unknown[],
    status: 'open' as 'open' | 'complete' | 'expired',
    submit_type: null,
    subscription: null as string | null,
    success_url: (p.success_url as string | undefined) ?? null,
    total_details: { amount_discount: 0, amount_shipping: 0, amount_tax: 0 },
    ui_mode: 'hosted' as const,
    url: `${ctx.settings.baseUrl()}/checkout/${id}` as string | null,
    wallet_options: null,
  };
}

function buildPortalSession(ctx: Ctx, customer: Customer, returnUrl: string | null) {
  const { store } = ctx;
  const id = store.newId('bps');
  return {
    id,
    object: 'billing_portal.session' as const,
    configuration: 'bpc_emulator',
    created: store.now(),
    customer: customer.id,
    customer_account: null,
    flow: null,
    livemode: false,
    locale: null,
    on_behalf_of: null,
    return_url: returnUrl,
    url: `${ctx.settings.baseUrl()}/portal/${id}`,
  };
}

export function getCheckoutSession(store: Store, id: string): CheckoutSession {
  return getOrThrow<CheckoutSession>(store, id, 'checkout.session', 'checkout.session');
}

/**
 * Completes a session with a test card: customer (created if needed), card attached as default,
 * subscription with its first invoice paid, then checkout.session.completed.
 * A declined card leaves the session open and throws the 402 card error.
 */
export function payCheckoutSession(ctx: Ctx, session: CheckoutSession, cardNumber: string): CheckoutSession {
  const { store } = ctx;
  if (session.status !== 'open') throw badRequest(`This Checkout Session is ${session.status} and can no longer be paid.`, 'checkout_session_not_open');
  if (store.now() >= session.expires_at) throw badRequest('This Checkout Session has expired.', 'checkout_session_expired');
  const card = cardFor(cardNumber.replace(/\s+/g, ''));
  if (card.behavior === 'decline') {
    const error = declineError(card);
    store.internal.checkoutErrors[session.id] = error.message;
    store.touch();
    throw error;
  }
  delete store.internal.checkoutErrors[session.id];
  let customer: Customer;
  if (session.customer) {
    customer = getCustomer(store, session.customer);
  } else {
    customer = createCustomer(store, session.customer_email ? { email: session.customer_email } : {});
  }
  const pm = createCardPaymentMethod(store, cardNumber.replace(/\s+/g, ''));
  attachPaymentMethod(store, pm, customer, true);
  const lineItems = store.internal.checkoutLineItems[session.id] ?? [];
  const { subscription, invoice } = createSubscription(ctx, customer, {
    items: lineItems.map((li) => ({ price: getPrice(store, li.price), quantity: li.quantity })),
    metadata: store.internal.checkoutSubscriptionMetadata[session.id] ?? {},
    coupons: session.discounts.map((d) => getCoupon(store, d.coupon)),
    paymentMethod: pm.id,
    trialDays: store.internal.checkoutTrialDays[session.id] ?? null,
    description: null,
    checkoutSession: session.id,
  });
  if (invoice.status !== 'paid') {
    // Cannot happen with the supported cards (0341 pays its first invoice); surface it like Stripe would.
    throw new StripeError(402, 'card_error', 'Your card was declined.', { code: 'card_declined' });
  }
  session.status = 'complete';
  session.payment_status = invoice.amount_paid > 0 ? 'paid' : 'no_payment_required';
  session.customer = customer.id;
  session.customer_details = { address: null, email: customer.email, name: customer.name, phone: null, tax_exempt: 'none', tax_ids: [] };
  session.subscription = subscription.id;
  session.invoice = invoice.id;
  session.amount_total = invoice.total;
  session.total_details.amount_discount = invoice.subtotal - invoice.total;
  session.url = null;
  store.touch();
  store.emit('checkout.session.completed', session);
  return session;
}

/** Portal "change card": new default card for the customer and its subscriptions; pays open invoices. */
export function changeCard(ctx: Ctx, customer: Customer, cardNumber: string): void {
  const { store } = ctx;
  const pm = createCardPaymentMethod(store, cardNumber.replace(/\s+/g, ''));
  attachPaymentMethod(store, pm, customer, true);
  for (const sub of store.all<Subscription>('subscription')) {
    if (sub.customer !== customer.id || sub.status === 'canceled' || sub.status === 'incomplete_expired') continue;
    if (sub.default_payment_method !== null) {
      sub.default_payment_method = pm.id;
      store.touch();
    }
    if (sub.status === 'past_due' || sub.status === 'unpaid' || sub.status === 'incomplete') retryOpenInvoices(ctx, sub);
  }
}

export const checkoutRoutes: Route[] = [
  {
    method: 'POST',
    path: '/v1/checkout/sessions',
    handler: (ctx: Ctx, { params }) => {
      allowParams(params, [
        'mode', 'customer', 'customer_email', 'client_reference_id', 'metadata', 'line_items', 'success_url', 'cancel_url',
        'subscription_data', 'discounts', 'allow_promotion_codes', 'payment_method_types', 'billing_address_collection',
        'customer_update', 'expires_at', 'ui_mode', 'locale', 'automatic_tax', 'tax_id_collection', 'payment_method_collection',
        'consent_collection', 'customer_creation', 'saved_payment_method_options',
      ]);
      const { store } = ctx;
      const mode = reqString(params, 'mode');
      if (mode !== 'subscription') throw badRequest(`The emulator supports only mode=subscription (got ${mode}).`, 'parameter_invalid_string', 'mode');
      const successUrl = optString(params, 'success_url');
      if (!successUrl) throw badRequest('Missing required param: success_url.', 'parameter_missing', 'success_url');
      const customerId = optString(params, 'customer');
      const customer = customerId ? getCustomer(store, customerId) : null;
      const lineItems = (optArray(params, 'line_items') ?? []).map((raw, i) => {
        const li = asParams(raw, `line_items[${i}]`);
        return { price: getPrice(store, reqString(li, 'price'), `line_items[${i}][price]`), quantity: optInt(li, 'quantity') ?? 1 };
      });
      if (lineItems.length === 0) throw badRequest('Missing required param: line_items.', 'parameter_missing', 'line_items');
      for (const li of lineItems) {
        if (!li.price.recurring) throw badRequest('You must provide at least one recurring price in `subscription` mode when using prices.', 'parameter_invalid_string', 'line_items');
      }
      const coupons = parseCoupons(store, params);
      if (coupons.length > 0 && params.allow_promotion_codes === 'true') {
        throw badRequest('You may only specify one of these parameters: allow_promotion_codes, discounts.', 'parameter_invalid_string', 'discounts');
      }
      const session = buildSession(ctx, { customer, customerEmail: optString(params, 'customer_email') ?? null, lineItems, params });
      session.discounts = coupons.map((c) => ({ coupon: c.id, promotion_code: null }));
      if (coupons.length > 0) {
        let total = session.amount_subtotal;
        for (const c of coupons) total -= c.percent_off !== null ? Math.round((total * c.percent_off) / 100) : Math.min(total, c.amount_off ?? 0);
        session.total_details.amount_discount = session.amount_subtotal - total;
        session.amount_total = total;
      }
      store.insert(session);
      const subscriptionData = optObject(params, 'subscription_data');
      store.internal.checkoutLineItems[session.id] = lineItems.map((li) => ({ price: li.price.id, quantity: li.quantity }));
      store.internal.checkoutSubscriptionMetadata[session.id] = metadataParam(subscriptionData?.metadata);
      const trial = subscriptionData ? optInt(subscriptionData, 'trial_period_days') : undefined;
      if (trial) store.internal.checkoutTrialDays[session.id] = trial;
      return session;
    },
  },
  { method: 'GET', path: '/v1/checkout/sessions/:id', handler: ({ store }, { pathParams }) => getCheckoutSession(store, pathParams.id!) },
  {
    method: 'GET',
    path: '/v1/checkout/sessions/:id/line_items',
    handler: ({ store }, { pathParams, params }) => {
      const session = getCheckoutSession(store, pathParams.id!);
      const data = (store.internal.checkoutLineItems[session.id] ?? []).map((li, i) => {
        const price = getPrice(store, li.price);
        const amount = (price.unit_amount ?? 0) * li.quantity;
        return {
          id: `li_${session.id.slice(8, 30)}${i}`,
          object: 'item',
          amount_discount: 0,
          amount_subtotal: amount,
          amount_tax: 0,
          amount_total: amount,
          currency: price.currency,
          // Stripe describes a line item by its product's name.
          description: productName(store, price),
          price,
          quantity: li.quantity,
        };
      });
      return paginate(data, params, `/v1/checkout/sessions/${session.id}/line_items`);
    },
  },
  {
    method: 'POST',
    path: '/v1/checkout/sessions/:id/expire',
    handler: ({ store }, { pathParams }) => {
      const session = getCheckoutSession(store, pathParams.id!);
      if (session.status !== 'open') throw badRequest(`Only open Checkout Sessions can be expired.`, 'checkout_session_not_open');
      session.status = 'expired';
      session.url = null;
      store.touch();
      store.emit('checkout.session.expired', session);
      return session;
    },
  },
  {
    method: 'GET',
    path: '/v1/checkout/sessions',
    handler: ({ store }, { params }) => {
      const customer = optString(params, 'customer');
      const subscription = optString(params, 'subscription');
      const status = optString(params, 'status');
      const items = store
        .all<CheckoutSession>('checkout.session')
        .filter((s) => (!customer || s.customer === customer) && (!subscription || s.subscription === subscription) && (!status || s.status === status));
      return paginate(items, params, '/v1/checkout/sessions');
    },
  },
  {
    method: 'POST',
    path: '/v1/billing_portal/sessions',
    handler: (ctx, { params }) => {
      allowParams(params, ['customer', 'return_url', 'configuration', 'flow_data', 'locale', 'on_behalf_of']);
      const customer = getCustomer(ctx.store, reqString(params, 'customer'));
      return ctx.store.insert(buildPortalSession(ctx, customer, optString(params, 'return_url') ?? null));
    },
  },
];

