import { badRequest, notFound, StripeError } from '../errors.js';
import type { Store } from '../store.js';
import { diffKeys } from './catalog.js';
import {
  allowParams, applyMetadata, getOrThrow, matchesCreated, metadataParam, optInt, optObject, optString,
  paginate, reqInt, reqString, type Ctx, type Params, type Route,
} from './common.js';

// Customers, their credit balance (balance transactions) and card payment methods with test-card behaviour.

export type Customer = ReturnType<typeof buildCustomer>;
export type PaymentMethod = ReturnType<typeof buildPaymentMethod>;
export type CustomerBalanceTransaction = ReturnType<typeof buildBalanceTransaction>;

type CardBehavior = 'succeed' | 'decline' | 'fail_after_first' | 'dispute';
type TestCard = { brand: string; behavior: CardBehavior; declineCode?: string };

const TEST_CARDS: Record<string, TestCard> = {
  '4242424242424242': { brand: 'visa', behavior: 'succeed' },
  '5555555555554444': { brand: 'mastercard', behavior: 'succeed' },
  '4000000000000341': { brand: 'visa', behavior: 'fail_after_first' },
  '4000000000009995': { brand: 'visa', behavior: 'decline', declineCode: 'insufficient_funds' },
  '4000000000000002': { brand: 'visa', behavior: 'decline', declineCode: 'generic_decline' },
  '4000000000000259': { brand: 'visa', behavior: 'dispute' },
};

/** Stripe's test payment method ids, usable wherever a payment method id is accepted. */
const TEST_PAYMENT_METHODS: Record<string, string> = {
  pm_card_visa: '4242424242424242',
  pm_card_mastercard: '5555555555554444',
  pm_card_chargeCustomerFail: '4000000000000341',
  pm_card_chargeDeclined: '4000000000000002',
  pm_card_chargeDeclinedInsufficientFunds: '4000000000009995',
  pm_card_createDispute: '4000000000000259',
};

export function cardFor(number: string): TestCard {
  const known = TEST_CARDS[number];
  if (known) return known;
  if (!/^\d{12,19}$/.test(number) || !luhn(number)) {
    throw new StripeError(402, 'card_error', 'Your card number is incorrect.', { code: 'incorrect_number', param: 'number' });
  }
  const brand = number.startsWith('4') ? 'visa' : /^5[1-5]/.test(number) ? 'mastercard' : number.startsWith('3') ? 'amex' : 'unknown';
  return { brand, behavior: 'succeed' };
}

export function declineError(card: TestCard): StripeError {
  const message = card.declineCode === 'insufficient_funds' ? 'Your card has insufficient funds.' : 'Your card was declined.';
  return new StripeError(402, 'card_error', message, {
    code: 'card_declined',
    extra: { decline_code: card.declineCode ?? 'generic_decline' },
  });
}

function luhn(number: string): boolean {
  let sum = 0;
  for (let i = 0; i < number.length; i++) {
    let digit = Number(number[number.length - 1 - i]);
    if (i % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

function buildCustomer(store: Store, params: Params) {
  return {
    id: store.newId('cus', 14),
    object: 'customer' as const,
    address: null,
    balance: optInt(params, 'balance') ?? 0,
    created: store.now(),
    currency: null as string | null,
    default_source: null,
    delinquent: false,
    description: optString(params, 'description') ?? null,
    discount: null,
    email: optString(params, 'email') ?? null,
    invoice_prefix: store.newId('x', 8).slice(2).toUpperCase(),
    invoice_settings: { custom_fields: null, default_payment_method: null as string | null, footer: null, rendering_options: null },
    livemode: false,
    metadata: metadataParam(params.metadata),
    name: optString(params, 'name') ?? null,
    next_invoice_sequence: 1,
    phone: optString(params, 'phone') ?? null,
    preferred_locales: [] as string[],
    shipping: null,
    tax_exempt: 'none' as const,
    test_clock: null,
  };
}

function buildPaymentMethod(store: Store, number: string, brand: string) {
  return {
    id: store.newId('pm'),
    object: 'payment_method' as const,
    allow_redisplay: 'unspecified' as const,
    billing_details: { address: null, email: null, name: null, phone: null, tax_id: null },
    card: {
      brand,
      checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: 'pass' },
      country: 'US',
      display_brand: brand,
      exp_month: 12,
      exp_year: new Date().getUTCFullYear() + 5,
      fingerprint: number.slice(-8),
      funding: 'credit',
      last4: number.slice(-4),
      networks: { available: [brand], preferred: null },
      wallet: null,
    },
    created: store.now(),
    customer: null as string | null,
    livemode: false,
    metadata: {} as Record<string, string>,
    type: 'card' as const,
  };
}

function buildBalanceTransaction(store: Store, customer: Customer, amount: number, type: string, extra: { description?: string | null; invoice?: string | null; metadata?: Record<string, string> }) {
  return {
    id: store.newId('cbtxn'),
    object: 'customer_balance_transaction' as const,
    amount,
    checkout_session: null,
    created: store.now(),
    credit_note: null,
    currency: customer.currency ?? 'usd',
    customer: customer.id,
    customer_account: null,
    description: extra.description ?? null,
    ending_balance: customer.balance + amount,
    invoice: extra.invoice ?? null,
    livemode: false,
    metadata: extra.metadata ?? {},
    type,
  };
}

export function getCustomer(store: Store, id: string, param = 'customer'): Customer {
  const customer = getOrThrow<Customer>(store, id, 'customer', 'customer', param);
  if ((customer as { deleted?: boolean }).deleted) throw notFound('customer', id, param);
  return customer;
}

export function createCustomer(store: Store, params: Params): Customer {
  const customer = store.insert(buildCustomer(store, params));
  store.emit('customer.created', customer);
  return customer;
}

/** Creates a card payment method from a card number (hosted pages) or a `pm_card_*` test id. */
export function createCardPaymentMethod(store: Store, number: string): PaymentMethod {
  const card = cardFor(number);
  const pm = store.insert(buildPaymentMethod(store, number, card.brand));
  store.internal.cards[pm.id] = { number, successfulCharges: 0 };
  return pm;
}

export function cardBehavior(store: Store, paymentMethodId: string): { card: TestCard; successfulCharges: number } {
  const internal = store.internal.cards[paymentMethodId];
  if (!internal) return { card: { brand: 'visa', behavior: 'succeed' }, successfulCharges: 0 };
  return { card: cardFor(internal.number), successfulCharges: internal.successfulCharges };
}

/** Resolves a payment method id, materialising Stripe's `pm_card_*` test ids. */
export function resolvePaymentMethod(store: Store, id: string, param: string): PaymentMethod {
  const testNumber = TEST_PAYMENT_METHODS[id];
  if (testNumber) return createCardPaymentMethod(store, testNumber);
  return getOrThrow<PaymentMethod>(store, id, 'payment_method', 'PaymentMethod', param);
}

export function attachPaymentMethod(store: Store, pm: PaymentMethod, customer: Customer, makeDefault: boolean): void {
  if (pm.customer !== customer.id) {
    pm.customer = customer.id;
    store.touch();
    store.emit('payment_method.attached', pm);
  }
  if (makeDefault && customer.invoice_settings.default_payment_method !== pm.id) {
    const before = structuredClone(customer);
    customer.invoice_settings.default_payment_method = pm.id;
    store.emit('customer.updated', customer, diffKeys(before, customer));
  }
}

/** Adds a balance transaction; negative = credit the next invoice consumes. Emits customer.updated. */
export function addBalanceTransaction(
  store: Store,
  customer: Customer,
  amount: number,
  type: string,
  extra: { description?: string | null; invoice?: string | null; metadata?: Record<string, string> } = {},
): CustomerBalanceTransaction {
  const txn = store.insert(buildBalanceTransaction(store, customer, amount, type, extra));
  const before = structuredClone(customer);
  customer.balance += amount;
  customer.currency ??= 'usd';
  store.touch();
  store.emit('customer.updated', customer, diffKeys(before, customer));
  return txn;
}

function searchCustomers(store: Store, query: string): Customer[] {
  // Supports `email:'x'` and `metadata['k']:'v'` clauses joined by AND.
  const clauses = query.split(/\s+AND\s+/i);
  return store.all<Customer>('customer').filter((c) =>
    clauses.every((clause) => {
      const email = /^email:['"](.*)['"]$/.exec(clause.trim());
      if (email) return c.email === email[1];
      const meta = /^metadata\[['"](.+)['"]\]:['"](.*)['"]$/.exec(clause.trim());
      if (meta) return c.metadata[meta[1]!] === meta[2];
      throw badRequest(`Unsupported search query in the emulator: ${clause}`, 'parameter_invalid_string', 'query');
    }),
  );
}

export const customerRoutes: Route[] = [
  {
    method: 'POST',
    path: '/v1/customers',
    handler: ({ store }: Ctx, { params }) => {
      allowParams(params, ['email', 'name', 'description', 'metadata', 'phone', 'payment_method', 'invoice_settings', 'balance']);
      const customer = createCustomer(store, params);
      const pmId = optString(params, 'payment_method');
      if (pmId) attachPaymentMethod(store, resolvePaymentMethod(store, pmId, 'payment_method'), customer, false);
      const defaultPm = optString(optObject(params, 'invoice_settings') ?? {}, 'default_payment_method');
      if (defaultPm) attachPaymentMethod(store, resolvePaymentMethod(store, defaultPm, 'invoice_settings[default_payment_method]'), customer, true);
      return customer;
    },
  },
  {
    method: 'GET',
    path: '/v1/customers/search',
    handler: ({ store }, { params }) => {
      const data = searchCustomers(store, reqString(params, 'query'));
      const limit = optInt(params, 'limit') ?? 10;
      return { object: 'search_result', data: data.slice(0, limit), has_more: data.length > limit, next_page: null, url: '/v1/customers/search' };
    },
  },
  {
    method: 'GET',
    path: '/v1/customers/:id',
    handler: ({ store }, { pathParams }) => {
      const found = store.find(pathParams.id!);
      if (found && found.object === 'customer' && found.deleted === true) return found;
      return getCustomer(store, pathParams.id!, 'id');
    },
  },
  {
    method: 'POST',
    path: '/v1/customers/:id',
    handler: ({ store }, { pathParams, params }) => {
      allowParams(params, ['email', 'name', 'description', 'metadata', 'phone', 'invoice_settings', 'balance']);
      const customer = getCustomer(store, pathParams.id!, 'id');
      const before = structuredClone(customer);
      customer.email = optString(params, 'email') ?? customer.email;
      customer.name = optString(params, 'name') ?? customer.name;
      customer.description = optString(params, 'description') ?? customer.description;
      customer.phone = optString(params, 'phone') ?? customer.phone;
      customer.metadata = applyMetadata(customer.metadata, params);
      customer.balance = optInt(params, 'balance') ?? customer.balance;
      const defaultPm = optString(optObject(params, 'invoice_settings') ?? {}, 'default_payment_method');
      if (defaultPm) {
        const pm = resolvePaymentMethod(store, defaultPm, 'invoice_settings[default_payment_method]');
        if (pm.customer !== customer.id) pm.customer = customer.id;
        customer.invoice_settings.default_payment_method = pm.id;
      }
      store.touch();
      const prev = diffKeys(before, customer);
      if (Object.keys(prev).length > 0) store.emit('customer.updated', customer, prev);
      return customer;
    },
  },
  {
    method: 'GET',
    path: '/v1/customers',
    handler: ({ store }, { params }) => {
      const email = optString(params, 'email');
      const items = store
        .all<Customer>('customer')
        .filter((c) => !('deleted' in c) && (!email || c.email === email) && matchesCreated(params, c.created));
      return paginate(items, params, '/v1/customers');
    },
  },
  {
    method: 'POST',
    path: '/v1/customers/:id/balance_transactions',
    handler: ({ store }, { pathParams, params }) => {
      allowParams(params, ['amount', 'currency', 'description', 'metadata']);
      const customer = getCustomer(store, pathParams.id!, 'id');
      const amount = reqInt(params, 'amount');
      const currency = reqString(params, 'currency').toLowerCase();
      if (customer.currency && customer.currency !== currency) {
        throw badRequest(`Customer ${customer.id} has a balance in ${customer.currency}.`, 'parameter_invalid_string', 'currency');
      }
      customer.currency = currency;
      return addBalanceTransaction(store, customer, amount, 'adjustment', {
        description: optString(params, 'description') ?? null,
        metadata: metadataParam(params.metadata),
      });
    },
  },
  {
    method: 'GET',
    path: '/v1/customers/:id/balance_transactions',
    handler: ({ store }, { pathParams, params }) => {
      const customer = getCustomer(store, pathParams.id!, 'id');
      const items = store.all<CustomerBalanceTransaction>('customer_balance_transaction').filter((t) => t.customer === customer.id);
      return paginate(items, params, `/v1/customers/${customer.id}/balance_transactions`);
    },
  },
  {
    method: 'GET',
    path: '/v1/customers/:id/balance_transactions/:txn',
    handler: ({ store }, { pathParams }) => getOrThrow(store, pathParams.txn!, 'customer_balance_transaction', 'customer balance transaction'),
  },
  {
    method: 'GET',
    path: '/v1/payment_methods/:id',
    handler: ({ store }, { pathParams }) => getOrThrow(store, pathParams.id!, 'payment_method', 'PaymentMethod'),
  },
  {
    method: 'POST',
    path: '/v1/payment_methods/:id/attach',
    handler: ({ store }, { pathParams, params }) => {
      allowParams(params, ['customer']);
      const pm = resolvePaymentMethod(store, pathParams.id!, 'id');
      attachPaymentMethod(store, pm, getCustomer(store, reqString(params, 'customer')), false);
      return pm;
    },
  },
  {
    method: 'GET',
    path: '/v1/payment_methods',
    handler: ({ store }, { params }) => {
      const customer = optString(params, 'customer');
      const items = store.all<PaymentMethod>('payment_method').filter((pm) => !customer || pm.customer === customer);
      return paginate(items, params, '/v1/payment_methods');
    },
  },
  {
    method: 'GET',
    path: '/v1/customers/:id/payment_methods',
    handler: ({ store }, { pathParams, params }) => {
      const items = store.all<PaymentMethod>('payment_method').filter((pm) => pm.customer === pathParams.id);
      return paginate(items, params, `/v1/customers/${pathParams.id}/payment_methods`);
    },
  },
];
