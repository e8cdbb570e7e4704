import { badRequest } from '../errors.js';
import type { Store } from '../store.js';
import { diffKeys } from './catalog.js';
import {
  allowParams, applyMetadata, deletedObject, getOrThrow, matchesCreated, metadataParam, optInt, optObject,
  optString, paginate, reqInt, reqString, type Ctx, type Params, type Route,
} from './common.js';
import { recordBalance } from './payments.js';

// Connect: Express accounts, onboarding links, transfers and their reversals.

export type Account = ReturnType<typeof buildAccount>;
export type Transfer = ReturnType<typeof buildTransfer>;
export type TransferReversal = {
  id: string;
  object: 'transfer_reversal';
  amount: number;
  balance_transaction: string | null;
  created: number;
  currency: string;
  destination_payment_refund: string;
  metadata: Record<string, string>;
  source_refund: null;
  transfer: string;
};

const ONBOARDING_FIELDS = ['business_type', 'external_account', 'individual.dob.day', 'individual.first_name', 'individual.last_name', 'tos_acceptance.date', 'tos_acceptance.ip'];

function buildAccount(store: Store, params: Params) {
  const id = store.newId('acct', 16);
  const requested = optObject(params, 'capabilities') ?? {};
  const capabilities: Record<string, 'inactive' | 'pending' | 'active'> = {};
  for (const [name, value] of Object.entries(requested)) {
    if (typeof value === 'object' && !Array.isArray(value) && value.requested === 'true') capabilities[name] = 'inactive';
  }
  const type = optString(params, 'type') ?? 'express';
  return {
    id,
    object: 'account' as const,
    business_profile: { annual_revenue: null, estimated_worker_count: null, mcc: null, name: null, product_description: null, support_address: null, support_email: null, support_phone: null, support_url: null, url: null },
    business_type: null as string | null,
    capabilities,
    charges_enabled: false,
    controller: { fees: { payer: 'application' }, is_controller: true, losses: { payments: 'application' }, requirement_collection: 'stripe', stripe_dashboard: { type }, type: 'application' },
    country: optString(params, 'country') ?? 'US',
    created: store.now(),
    default_currency: 'usd',
    details_submitted: false,
    email: optString(params, 'email') ?? null,
    external_accounts: { object: 'list' as const, data: [] as Array<Record<string, unknown>>, has_more: false, total_count: 0, url: `/v1/accounts/${id}/external_accounts` },
    future_requirements: { alternatives: [], current_deadline: null, currently_due: [], disabled_reason: null, errors: [], eventually_due: [], past_due: [], pending_verification: [] },
    livemode: false,
    metadata: metadataParam(params.metadata),
    payouts_enabled: false,
    requirements: {
      alternatives: [] as unknown[],
      current_deadline: null,
      currently_due: [...ONBOARDING_FIELDS],
      disabled_reason: 'requirements.past_due' as string | null,
      errors: [] as unknown[],
      eventually_due: [...ONBOARDING_FIELDS],
      past_due: [...ONBOARDING_FIELDS],
      pending_verification: [] as string[],
    },
    settings: { payouts: { debit_negative_balances: true, schedule: { delay_days: 2, interval: 'daily' }, statement_descriptor: null } },
    tos_acceptance: { date: null as number | null },
    type,
  };
}

function buildTransfer(store: Store, params: Params, destination: Account) {
  const id = store.newId('tr');
  return {
    id,
    object: 'transfer' as const,
    amount: reqInt(params, 'amount'),
    amount_reversed: 0,
    balance_transaction: null as string | null,
    created: store.now(),
    currency: reqString(params, 'currency').toLowerCase(),
    description: optString(params, 'description') ?? null,
    destination: destination.id,
    destination_payment: store.newId('py'),
    livemode: false,
    metadata: metadataParam(params.metadata),
    reversals: { object: 'list' as const, data: [] as TransferReversal[], has_more: false, total_count: 0, url: `/v1/transfers/${id}/reversals` },
    reversed: false,
    source_transaction: optString(params, 'source_transaction') ?? null,
    source_type: 'card',
    transfer_group: optString(params, 'transfer_group') ?? null,
  };
}

function buildReversal(store: Store, transfer: Transfer, amount: number, params: Params): TransferReversal {
  return {
    id: store.newId('trr'),
    object: 'transfer_reversal',
    amount,
    balance_transaction: null,
    created: store.now(),
    currency: transfer.currency,
    destination_payment_refund: store.newId('pyr'),
    metadata: metadataParam(params.metadata),
    source_refund: null,
    transfer: transfer.id,
  };
}

export function getAccount(store: Store, id: string, param = 'id'): Account {
  return getOrThrow<Account>(store, id, 'account', 'account', param);
}

/** Completes onboarding: details submitted, requested capabilities active, payouts enabled. */
export function onboardAccount(store: Store, account: Account): Account {
  const before = structuredClone(account);
  account.details_submitted = true;
  account.payouts_enabled = true;
  account.charges_enabled = 'card_payments' in account.capabilities;
  for (const name of Object.keys(account.capabilities)) account.capabilities[name] = 'active';
  account.business_type = 'individual';
  account.tos_acceptance.date = store.now();
  account.requirements = { alternatives: [], current_deadline: null, currently_due: [], disabled_reason: null, errors: [], eventually_due: [], past_due: [], pending_verification: [] };
  if (account.external_accounts.data.length === 0) {
    account.external_accounts.data.push({ id: store.newId('ba'), object: 'bank_account', account: account.id, bank_name: 'STRIPE TEST BANK', country: 'US', currency: 'usd', default_for_currency: true, last4: '6789', routing_number: '110000000', status: 'new' });
    account.external_accounts.total_count = 1;
  }
  store.touch();
  const prev = diffKeys(before, account);
  if (Object.keys(prev).length > 0) store.emit('account.updated', account, prev);
  return account;
}

export const connectRoutes: Route[] = [
  {
    method: 'POST',
    path: '/v1/accounts',
    handler: ({ store }: Ctx, { params }) => {
      allowParams(params, ['type', 'email', 'country', 'capabilities', 'metadata', 'business_type', 'business_profile', 'controller', 'settings', 'tos_acceptance']);
      const type = optString(params, 'type');
      if (type && !['express', 'standard', 'custom'].includes(type)) throw badRequest(`Invalid type: ${type}`, 'parameter_invalid_string', 'type');
      const account = store.insert(buildAccount(store, params));
      return account;
    },
  },
  { method: 'GET', path: '/v1/accounts/:id', handler: ({ store }, { pathParams }) => getAccount(store, pathParams.id!) },
  {
    method: 'POST',
    path: '/v1/accounts/:id',
    handler: ({ store }, { pathParams, params }) => {
      allowParams(params, ['email', 'metadata', 'business_profile', 'capabilities', 'settings']);
      const account = getAccount(store, pathParams.id!);
      const before = structuredClone(account);
      account.email = optString(params, 'email') ?? account.email;
      account.metadata = applyMetadata(account.metadata, params);
      const requested = optObject(params, 'capabilities') ?? {};
      for (const [name, value] of Object.entries(requested)) {
        if (typeof value === 'object' && !Array.isArray(value) && value.requested === 'true' && !(name in account.capabilities)) {
          account.capabilities[name] = account.details_submitted ? 'active' : 'inactive';
        }
      }
      store.touch();
      const prev = diffKeys(before, account);
      if (Object.keys(prev).length > 0) store.emit('account.updated', account, prev);
      return account;
    },
  },
  {
    method: 'DELETE',
    path: '/v1/accounts/:id',
    handler: ({ store }, { pathParams }) => {
      const account = getAccount(store, pathParams.id!);
      store.remove(account.id);
      return deletedObject(account.id, 'account');
    },
  },
  { method: 'GET', path: '/v1/accounts', handler: ({ store }, { params }) => paginate(store.all<Account>('account').filter((a) => matchesCreated(params, a.created)), params, '/v1/accounts') },
  {
    method: 'POST',
    path: '/v1/accounts/:id/login_links',
    handler: (ctx, { pathParams }) => {
      const account = getAccount(ctx.store, pathParams.id!, 'account');
      return { object: 'login_link', created: ctx.store.now(), url: `${ctx.settings.baseUrl()}/connect/dashboard/${account.id}` };
    },
  },
  {
    method: 'POST',
    path: '/v1/account_links',
    handler: (ctx, { params }) => {
      allowParams(params, ['account', 'refresh_url', 'return_url', 'type', 'collect', 'collection_options']);
      const { store } = ctx;
      const account = getAccount(store, reqString(params, 'account'), 'account');
      const type = reqString(params, 'type');
      if (type !== 'account_onboarding' && type !== 'account_update') throw badRequest(`Invalid type: ${type}`, 'parameter_invalid_string', 'type');
      const refreshUrl = optString(params, 'refresh_url') ?? '';
      const returnUrl = optString(params, 'return_url') ?? '';
      const created = store.now();
      const token = store.newId('x', 32).slice(2);
      store.internal.accountLinks[token] = { account: account.id, refresh_url: refreshUrl, return_url: returnUrl, expires_at: created + 300 };
      // Links are single-use; the dashboard's way back outlives them.
      if (returnUrl) store.internal.accountReturnUrls[account.id] = returnUrl;
      store.touch();
      return { object: 'account_link', created, expires_at: created + 300, url: `${ctx.settings.baseUrl()}/connect/onboarding/${token}` };
    },
  },
  {
    method: 'POST',
    path: '/v1/transfers',
    handler: ({ store }, { params }) => {
      allowParams(params, ['amount', 'currency', 'destination', 'transfer_group', 'metadata', 'description', 'source_transaction', 'source_type']);
      const amount = reqInt(params, 'amount');
      if (amount <= 0) throw badRequest('Invalid positive integer', 'parameter_invalid_integer', 'amount');
      reqString(params, 'currency');
      const destinationId = reqString(params, 'destination');
      const destination = store.find<Account>(destinationId, 'account');
      if (!destination) throw badRequest(`No such destination: '${destinationId}'`, 'resource_missing', 'destination');
      if (destination.capabilities.transfers !== 'active' || !destination.payouts_enabled) {
        throw badRequest(
          'Your destination account needs to have at least one of the following capabilities enabled: transfers, crypto_transfers, legacy_payments',
          'insufficient_capabilities_for_transfer',
          'destination',
        );
      }
      const transfer = store.insert(buildTransfer(store, params, destination));
      transfer.balance_transaction = recordBalance(store, -amount, 'transfer', transfer.id, transfer.description).id;
      store.emit('transfer.created', transfer);
      return transfer;
    },
  },
  { method: 'GET', path: '/v1/transfers/:id', handler: ({ store }, { pathParams }) => getOrThrow(store, pathParams.id!, 'transfer', 'transfer') },
  {
    method: 'POST',
    path: '/v1/transfers/:id',
    handler: ({ store }, { pathParams, params }) => {
      allowParams(params, ['metadata', 'description']);
      const transfer = getOrThrow<Transfer>(store, pathParams.id!, 'transfer', 'transfer');
      const before = structuredClone(transfer);
      transfer.metadata = applyMetadata(transfer.metadata, params);
      transfer.description = optString(params, 'description') ?? transfer.description;
      store.touch();
      store.emit('transfer.updated', transfer, diffKeys(before, transfer));
      return transfer;
    },
  },
  {
    method: 'GET',
    path: '/v1/transfers',
    handler: ({ store }, { params }) => {
      const destination = optString(params, 'destination');
      const group = optString(params, 'transfer_group');
      const items = store
        .all<Transfer>('transfer')
        .filter((t) => (!destination || t.destination === destination) && (!group || t.transfer_group === group) && matchesCreated(params, t.created));
      return paginate(items, params, '/v1/transfers');
    },
  },
  {
    method: 'POST',
    path: '/v1/transfers/:id/reversals',
    handler: ({ store }, { pathParams, params }) => {
      allowParams(params, ['amount', 'metadata', 'description', 'refund_application_fee']);
      const transfer = getOrThrow<Transfer>(store, pathParams.id!, 'transfer', 'transfer');
      const remaining = transfer.amount - transfer.amount_reversed;
      if (remaining === 0) throw badRequest(`Transfer ${transfer.id} has already been fully reversed.`, 'transfer_already_reversed');
      const amount = optInt(params, 'amount') ?? remaining;
      if (amount <= 0) throw badRequest('Invalid positive integer', 'parameter_invalid_integer', 'amount');
      if (amount > remaining) {
        throw badRequest(`You cannot reverse more than the remaining amount of the transfer (${remaining} ${transfer.currency}).`, 'amount_too_large', 'amount');
      }
      const reversal = store.insert(buildReversal(store, transfer, amount, params));
      reversal.balance_transaction = recordBalance(store, amount, 'transfer_refund', reversal.id, `Reversal of ${transfer.id}`).id;
      const before = structuredClone(transfer);
      transfer.amount_reversed += amount;
      transfer.reversed = transfer.amount_reversed === transfer.amount;
      transfer.reversals.data.unshift(structuredClone(reversal));
      transfer.reversals.total_count += 1;
      store.touch();
      store.emit('transfer.reversed', transfer, diffKeys(before, transfer));
      return reversal;
    },
  },
  {
    method: 'GET',
    path: '/v1/transfers/:id/reversals',
    handler: ({ store }, { pathParams, params }) => {
      const transfer = getOrThrow<Transfer>(store, pathParams.id!, 'transfer', 'transfer');
      const items = store.all<TransferReversal>('transfer_reversal').filter((r) => r.transfer === transfer.id);
      return paginate(items, params, `/v1/transfers/${transfer.id}/reversals`);
    },
  },
  {
    method: 'GET',
    path: '/v1/transfers/:id/reversals/:rid',
    handler: ({ store }, { pathParams }) => getOrThrow(store, pathParams.rid!, 'transfer_reversal', 'transfer reversal'),
  },
];

