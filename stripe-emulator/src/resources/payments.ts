import { badRequest, StripeError } from '../errors.js';
import type { Store } from '../store.js';
import { diffKeys } from './catalog.js';
import {
  allowParams, applyMetadata, getOrThrow, matchesCreated, metadataParam, optInt, optString, paginate,
  type Ctx, type Route,
} from './common.js';
import { cardBehavior, declineError, type PaymentMethod } from './customers.js';

// Payment intents and charges (only as invoices create them), refunds, disputes and the platform balance.
// Every movement of money is a balance transaction; the balance is their sum (fees are 0 in the emulator).

export type PaymentIntent = ReturnType<typeof buildPaymentIntent>;
export type Charge = ReturnType<typeof buildCharge>;
export type Refund = ReturnType<typeof buildRefund>;
export type Dispute = ReturnType<typeof buildDispute>;
export type BalanceTransaction = ReturnType<typeof buildBalanceTransaction>;

function buildPaymentIntent(store: Store, input: ChargeInput) {
  return {
    id: store.newId('pi'),
    object: 'payment_intent' as const,
    amount: input.amount,
    amount_capturable: 0,
    amount_details: { tip: {} },
    amount_received: 0,
    application: null,
    application_fee_amount: null,
    automatic_payment_methods: null,
    canceled_at: null,
    cancellation_reason: null,
    capture_method: 'automatic' as const,
    client_secret: null as string | null,
    confirmation_method: 'automatic' as const,
    created: store.now(),
    currency: input.currency,
    customer: input.customer,
    description: input.description,
    last_payment_error: null as Record<string, unknown> | null,
    latest_charge: null as string | null,
    livemode: false,
    metadata: {} as Record<string, string>,
    next_action: null,
    on_behalf_of: null,
    payment_method: input.paymentMethod,
    payment_method_options: {},
    payment_method_types: ['card'],
    processing: null,
    receipt_email: null,
    review: null,
    setup_future_usage: null,
    shipping: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: 'requires_payment_method' as 'requires_payment_method' | 'succeeded' | 'canceled',
    transfer_data: null,
    transfer_group: null,
  };
}

function buildCharge(store: Store, input: ChargeInput, pi: PaymentIntent, pm: PaymentMethod | undefined) {
  return {
    id: store.newId('ch'),
    object: 'charge' as const,
    amount: input.amount,
    amount_captured: 0,
    amount_refunded: 0,
    application: null,
    application_fee: null,
    application_fee_amount: null,
    balance_transaction: null as string | null,
    billing_details: { address: null, email: null, name: null, phone: null, tax_id: null },
    calculated_statement_descriptor: 'FLOWTAB',
    captured: false,
    created: store.now(),
    currency: input.currency,
    customer: input.customer,
    description: input.description,
    disputed: false,
    failure_balance_transaction: null,
    failure_code: null as string | null,
    failure_message: null as string | null,
    fraud_details: {},
    /** Not in 2026 API versions; kept so a charge leads back to its invoice. */
    invoice: input.invoice,
    livemode: false,
    metadata: {} as Record<string, string>,
    on_behalf_of: null,
    outcome: null as Record<string, unknown> | null,
    paid: false,
    payment_intent: pi.id,
    payment_method: input.paymentMethod,
    payment_method_details: pm ? { card: { ...pm.card }, type: 'card' } : null,
    receipt_email: null,
    receipt_number: null,
    receipt_url: null,
    refunded: false,
    review: null,
    shipping: null,
    source_transfer: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: 'pending' as 'pending' | 'succeeded' | 'failed',
    transfer_data: null,
    transfer_group: null,
  };
}

function buildRefund(store: Store, charge: Charge, amount: number, reason: string | null, metadata: Record<string, string>) {
  return {
    id: store.newId('re'),
    object: 'refund' as const,
    amount,
    balance_transaction: null as string | null,
    charge: charge.id,
    created: store.now(),
    currency: charge.currency,
    destination_details: { card: { reference_status: 'available', reference_type: 'acquirer_reference_number', type: 'refund' }, type: 'card' },
    metadata,
    payment_intent: charge.payment_intent,
    reason,
    receipt_number: null,
    source_transfer_reversal: null,
    status: 'succeeded' as const,
    transfer_reversal: null,
  };
}

function buildDispute(store: Store, charge: Charge, reason: string) {
  return {
    id: store.newId('dp'),
    object: 'dispute' as const,
    amount: charge.amount - charge.amount_refunded,
    balance_transactions: [] as string[],
    charge: charge.id,
    created: store.now(),
    currency: charge.currency,
    enhanced_eligibility_types: [] as string[],
    evidence: {} as Record<string, unknown>,
    evidence_details: { due_by: store.now() + 7 * 86400, has_evidence: false, past_due: false, submission_count: 0 },
    is_charge_refundable: false,
    livemode: false,
    metadata: {} as Record<string, string>,
    payment_intent: charge.payment_intent,
    payment_method_details: { card: { brand: 'visa', case_type: 'chargeback', network_reason_code: '10.4' }, type: 'card' },
    reason,
    status: 'needs_response' as 'needs_response' | 'under_review' | 'won' | 'lost',
  };
}

function buildBalanceTransaction(store: Store, amount: number, type: string, source: string, description: string | null) {
  const now = store.now();
  return {
    id: store.newId('txn'),
    object: 'balance_transaction' as const,
    amount,
    available_on: now,
    created: now,
    currency: 'usd',
    description,
    exchange_rate: null,
    fee: 0,
    fee_details: [] as unknown[],
    net: amount,
    reporting_category: type === 'charge' ? 'charge' : type === 'refund' ? 'refund' : type === 'adjustment' ? 'dispute' : type,
    source,
    status: 'available' as const,
    type,
  };
}

export function recordBalance(store: Store, amount: number, type: string, source: string, description: string | null = null): BalanceTransaction {
  return store.insert(buildBalanceTransaction(store, amount, type, source, description));
}

export type ChargeInput = {
  customer: string;
  paymentMethod: string | null;
  amount: number;
  currency: string;
  description: string | null;
  invoice: string | null;
};

export type ChargeResult = { paymentIntent: PaymentIntent; charge: Charge | null; error: StripeError | null };

/** Charges a customer's card the way an invoice payment does, emitting payment_intent.* and charge.* events. */
export function chargeCard(store: Store, input: ChargeInput): ChargeResult {
  const pi = store.insert(buildPaymentIntent(store, input));
  pi.client_secret = `${pi.id}_secret_${store.newId('x', 16).slice(2)}`;
  store.emit('payment_intent.created', pi);
  if (!input.paymentMethod) {
    const error = new StripeError(402, 'invalid_request_error', 'The customer has no default payment method.', { code: 'payment_intent_unexpected_state' });
    pi.last_payment_error = { code: 'payment_method_missing', message: error.message, type: 'invalid_request_error' };
    store.emit('payment_intent.payment_failed', pi);
    return { paymentIntent: pi, charge: null, error };
  }
  const pm = store.find<PaymentMethod>(input.paymentMethod, 'payment_method');
  const { card, successfulCharges } = cardBehavior(store, input.paymentMethod);
  const charge = store.insert(buildCharge(store, input, pi, pm));
  pi.latest_charge = charge.id;
  const fails = card.behavior === 'decline' || (card.behavior === 'fail_after_first' && successfulCharges >= 1);
  if (fails) {
    const error = declineError(card);
    charge.status = 'failed';
    charge.failure_code = 'card_declined';
    charge.failure_message = error.message;
    charge.outcome = { network_status: 'declined_by_network', reason: card.declineCode ?? 'generic_decline', risk_level: 'normal', seller_message: 'The bank did not return any further details with this decline.', type: 'issuer_declined' };
    pi.last_payment_error = { charge: charge.id, code: 'card_declined', decline_code: card.declineCode ?? 'generic_decline', message: error.message, payment_method: pm ?? null, type: 'card_error' };
    store.touch();
    store.emit('charge.failed', charge);
    store.emit('payment_intent.payment_failed', pi);
    return { paymentIntent: pi, charge, error };
  }
  charge.status = 'succeeded';
  charge.paid = true;
  charge.captured = true;
  charge.amount_captured = input.amount;
  charge.outcome = { network_status: 'approved_by_network', reason: null, risk_level: 'normal', seller_message: 'Payment complete.', type: 'authorized' };
  charge.balance_transaction = recordBalance(store, input.amount, 'charge', charge.id, input.description).id;
  pi.status = 'succeeded';
  pi.amount_received = input.amount;
  const internal = store.internal.cards[input.paymentMethod];
  if (internal) internal.successfulCharges += 1;
  store.touch();
  store.emit('charge.succeeded', charge);
  store.emit('payment_intent.succeeded', pi);
  if (card.behavior === 'dispute') store.defer(() => openDispute(store, charge, 'fraudulent'));
  return { paymentIntent: pi, charge, error: null };
}

export function openDispute(store: Store, charge: Charge, reason: string): Dispute {
  if (charge.status !== 'succeeded') throw badRequest(`Charge ${charge.id} did not succeed and cannot be disputed.`);
  if (charge.disputed) throw badRequest(`Charge ${charge.id} is already disputed.`, 'charge_disputed');
  const dispute = store.insert(buildDispute(store, charge, reason));
  dispute.balance_transactions.push(recordBalance(store, -dispute.amount, 'adjustment', dispute.id, `Chargeback withdrawal for ${charge.id}`).id);
  const before = structuredClone(charge);
  charge.disputed = true;
  store.touch();
  store.emit('charge.dispute.created', dispute);
  store.emit('charge.updated', charge, diffKeys(before, charge));
  return dispute;
}

export function closeDispute(store: Store, dispute: Dispute, status: 'won' | 'lost'): Dispute {
  if (dispute.status === 'won' || dispute.status === 'lost') throw badRequest(`Dispute ${dispute.id} is already closed.`);
  const before = structuredClone(dispute);
  dispute.status = status;
  if (status === 'won') {
    dispute.balance_transactions.push(recordBalance(store, dispute.amount, 'adjustment', dispute.id, `Chargeback reversal for ${dispute.charge}`).id);
  }
  store.touch();
  store.emit('charge.dispute.closed', dispute, diffKeys(before, dispute));
  return dispute;
}

export function createRefund(store: Store, charge: Charge, amount: number | undefined, reason: string | null, metadata: Record<string, string>): Refund {
  if (charge.status !== 'succeeded') throw badRequest(`Charge ${charge.id} did not succeed and cannot be refunded.`, 'charge_not_refundable');
  if (charge.disputed) throw badRequest(`Charge ${charge.id} has been charged back; cannot issue a refund.`, 'charge_disputed');
  const remaining = charge.amount - charge.amount_refunded;
  if (remaining === 0) throw badRequest(`Charge ${charge.id} has already been refunded.`, 'charge_already_refunded');
  const refundAmount = amount ?? remaining;
  if (refundAmount <= 0) throw badRequest('Invalid positive integer', 'parameter_invalid_integer', 'amount');
  if (refundAmount > remaining) {
    throw badRequest(
      `Refund amount ($${(refundAmount / 100).toFixed(2)}) is greater than unrefunded amount on charge ($${(remaining / 100).toFixed(2)})`,
      'amount_too_large',
      'amount',
    );
  }
  const refund = store.insert(buildRefund(store, charge, refundAmount, reason, metadata));
  refund.balance_transaction = recordBalance(store, -refundAmount, 'refund', refund.id, 'REFUND FOR CHARGE').id;
  const before = structuredClone(charge);
  charge.amount_refunded += refundAmount;
  charge.refunded = charge.amount_refunded === charge.amount;
  store.touch();
  store.emit('refund.created', refund);
  store.emit('charge.refunded', charge, diffKeys(before, charge));
  return refund;
}

function connectedBalance(store: Store, account: string): number {
  let total = 0;
  for (const t of store.all<{ id: string; object: string; destination: string; amount: number; amount_reversed: number }>('transfer')) {
    if (t.destination === account) total += t.amount - t.amount_reversed;
  }
  return total;
}

export const paymentRoutes: Route[] = [
  { method: 'GET', path: '/v1/payment_intents/:id', handler: ({ store }: Ctx, { pathParams }) => getOrThrow(store, pathParams.id!, 'payment_intent', 'payment_intent') },
  {
    method: 'GET',
    path: '/v1/payment_intents',
    handler: ({ store }, { params }) => {
      const customer = optString(params, 'customer');
      return paginate(store.all<PaymentIntent>('payment_intent').filter((p) => !customer || p.customer === customer), params, '/v1/payment_intents');
    },
  },
  { method: 'GET', path: '/v1/charges/:id', handler: ({ store }, { pathParams }) => getOrThrow(store, pathParams.id!, 'charge', 'charge') },
  {
    method: 'GET',
    path: '/v1/charges',
    handler: ({ store }, { params }) => {
      const customer = optString(params, 'customer');
      const pi = optString(params, 'payment_intent');
      const items = store
        .all<Charge>('charge')
        .filter((c) => (!customer || c.customer === customer) && (!pi || c.payment_intent === pi) && matchesCreated(params, c.created));
      return paginate(items, params, '/v1/charges');
    },
  },
  {
    method: 'POST',
    path: '/v1/refunds',
    handler: ({ store }, { params }) => {
      allowParams(params, ['charge', 'payment_intent', 'amount', 'reason', 'metadata']);
      const chargeId = optString(params, 'charge');
      const piId = optString(params, 'payment_intent');
      let charge: Charge;
      if (chargeId) charge = getOrThrow<Charge>(store, chargeId, 'charge', 'charge', 'charge');
      else if (piId) {
        const pi = getOrThrow<PaymentIntent>(store, piId, 'payment_intent', 'payment_intent', 'payment_intent');
        if (!pi.latest_charge) throw badRequest(`PaymentIntent ${pi.id} has no successful charge to refund.`, 'charge_not_refundable');
        charge = getOrThrow<Charge>(store, pi.latest_charge, 'charge', 'charge', 'payment_intent');
      } else throw badRequest('One of the following params should be provided for this request: payment_intent or charge.', 'parameter_missing');
      const reason = optString(params, 'reason') ?? null;
      return createRefund(store, charge, optInt(params, 'amount'), reason, metadataParam(params.metadata));
    },
  },
  { method: 'GET', path: '/v1/refunds/:id', handler: ({ store }, { pathParams }) => getOrThrow(store, pathParams.id!, 'refund', 'refund') },
  {
    method: 'GET',
    path: '/v1/refunds',
    handler: ({ store }, { params }) => {
      const charge = optString(params, 'charge');
      const pi = optString(params, 'payment_intent');
      const items = store.all<Refund>('refund').filter((r) => (!charge || r.charge === charge) && (!pi || r.payment_intent === pi));
      return paginate(items, params, '/v1/refunds');
    },
  },
  { method: 'GET', path: '/v1/disputes/:id', handler: ({ store }, { pathParams }) => getOrThrow(store, pathParams.id!, 'dispute', 'dispute') },
  {
    method: 'POST',
    path: '/v1/disputes/:id',
    handler: ({ store }, { pathParams, params }) => {
      allowParams(params, ['metadata', 'evidence', 'submit']);
      const dispute = getOrThrow<Dispute>(store, pathParams.id!, 'dispute', 'dispute');
      const before = structuredClone(dispute);
      dispute.metadata = applyMetadata(dispute.metadata, params);
      if (params.submit === 'true' && dispute.status === 'needs_response') dispute.status = 'under_review';
      store.touch();
      store.emit('charge.dispute.updated', dispute, diffKeys(before, dispute));
      return dispute;
    },
  },
  {
    method: 'POST',
    path: '/v1/disputes/:id/close',
    handler: ({ store }, { pathParams }) => closeDispute(store, getOrThrow<Dispute>(store, pathParams.id!, 'dispute', 'dispute'), 'lost'),
  },
  {
    method: 'GET',
    path: '/v1/disputes',
    handler: ({ store }, { params }) => {
      const charge = optString(params, 'charge');
      const pi = optString(params, 'payment_intent');
      const items = store.all<Dispute>('dispute').filter((d) => (!charge || d.charge === charge) && (!pi || d.payment_intent === pi));
      return paginate(items, params, '/v1/disputes');
    },
  },
  {
    method: 'GET',
    path: '/v1/balance',
    handler: ({ store }, { account }) => {
      const amount = account
        ? connectedBalance(store, account)
        : store.all<BalanceTransaction>('balance_transaction').reduce((sum, t) => sum + t.net, 0);
      return {
        object: 'balance',
        available: [{ amount, currency: 'usd', source_types: { card: amount } }],
        connect_reserved: [{ amount: 0, currency: 'usd' }],
        livemode: false,
        pending: [{ amount: 0, currency: 'usd', source_types: { card: 0 } }],
      };
    },
  },
  { method: 'GET', path: '/v1/balance_transactions/:id', handler: ({ store }, { pathParams }) => getOrThrow(store, pathParams.id!, 'balance_transaction', 'balance transaction') },
  {
    method: 'GET',
    path: '/v1/balance_transactions',
    handler: ({ store }, { params }) => {
      const type = optString(params, 'type');
      const source = optString(params, 'source');
      const items = store
        .all<BalanceTransaction>('balance_transaction')
        .filter((t) => (!type || t.type === type) && (!source || t.source === source) && matchesCreated(params, t.created));
      return paginate(items, params, '/v1/balance_transactions');
    },
  },
];
