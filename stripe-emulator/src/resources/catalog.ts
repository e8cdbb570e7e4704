import { badRequest, invalidParam } from '../errors.js';
import type { Store } from '../store.js';
import {
  allowParams, applyMetadata, deletedObject, getOrThrow, matchesCreated, metadataParam, optBool, optInt,
  optObject, optString, paginate, reqString, type Ctx, type Params, type Route,
} from './common.js';

// Products, prices and coupons: the catalog a subscription bills from.

export type Product = ReturnType<typeof buildProduct>;
export type Price = ReturnType<typeof buildPrice>;
export type Coupon = ReturnType<typeof buildCoupon>;

function buildProduct(store: Store, params: Params) {
  const now = store.now();
  return {
    id: optString(params, 'id') ?? store.newId('prod', 14),
    object: 'product' as const,
    active: optBool(params, 'active') ?? true,
    created: now,
    default_price: null as string | null,
    description: optString(params, 'description') ?? null,
    images: [] as string[],
    livemode: false,
    marketing_features: [] as unknown[],
    metadata: metadataParam(params.metadata),
    name: reqString(params, 'name'),
    package_dimensions: null,
    shippable: null,
    statement_descriptor: null,
    tax_code: null,
    type: 'service',
    unit_label: null,
    updated: now,
    url: null,
  };
}

function buildPrice(store: Store, params: Params, productId: string) {
  const recurring = optObject(params, 'recurring');
  const interval = recurring ? reqString(recurring, 'interval') : undefined;
  if (interval && !['day', 'week', 'month', 'year'].includes(interval)) {
    throw invalidParam('recurring[interval]', `Invalid recurring[interval]: must be one of day, week, month, or year`);
  }
  const unitAmount = optInt(params, 'unit_amount');
  if (unitAmount === undefined) throw badRequest('Missing required param: unit_amount.', 'parameter_missing', 'unit_amount');
  if (unitAmount < 0) throw invalidParam('unit_amount', 'This value must be greater than or equal to 0.', 'parameter_invalid_integer');
  return {
    id: store.newId('price'),
    object: 'price' as const,
    active: optBool(params, 'active') ?? true,
    billing_scheme: 'per_unit' as const,
    created: store.now(),
    currency: reqString(params, 'currency').toLowerCase(),
    custom_unit_amount: null,
    livemode: false,
    lookup_key: optString(params, 'lookup_key') ?? null,
    metadata: metadataParam(params.metadata),
    nickname: optString(params, 'nickname') ?? null,
    product: productId,
    recurring: interval
      ? {
          interval: interval as 'day' | 'week' | 'month' | 'year',
          interval_count: (recurring && optInt(recurring, 'interval_count')) ?? 1,
          meter: null,
          trial_period_days: null,
          usage_type: 'licensed' as const,
        }
      : null,
    tax_behavior: 'unspecified' as const,
    tiers_mode: null,
    transform_quantity: null,
    type: interval ? ('recurring' as const) : ('one_time' as const),
    unit_amount: unitAmount,
    unit_amount_decimal: String(unitAmount),
  };
}

function buildCoupon(store: Store, params: Params) {
  const percentOff = params.percent_off === undefined ? null : Number(params.percent_off);
  const amountOff = optInt(params, 'amount_off') ?? null;
  if ((percentOff === null) === (amountOff === null)) {
    throw badRequest('You must pass exactly one of percent_off or amount_off.', 'parameter_missing', 'percent_off');
  }
  if (percentOff !== null && !(percentOff > 0 && percentOff <= 100)) {
    throw invalidParam('percent_off', 'percent_off must be between 0 and 100.', 'parameter_invalid_integer');
  }
  const currency = optString(params, 'currency')?.toLowerCase() ?? null;
  if (amountOff !== null && !currency) throw badRequest('Missing required param: currency.', 'parameter_missing', 'currency');
  const duration = (optString(params, 'duration') ?? 'once') as 'once' | 'forever' | 'repeating';
  if (!['once', 'forever', 'repeating'].includes(duration)) throw invalidParam('duration', `Invalid duration: ${duration}`);
  const months = optInt(params, 'duration_in_months') ?? null;
  if (duration === 'repeating' && months === null) throw badRequest('Missing required param: duration_in_months.', 'parameter_missing', 'duration_in_months');
  const id = optString(params, 'id') ?? store.newId('co', 8).slice(3);
  if (store.find(id)) throw badRequest('Coupon already exists.', 'resource_already_exists', 'id');
  return {
    id,
    object: 'coupon' as const,
    amount_off: amountOff,
    applies_to: undefined,
    created: store.now(),
    currency,
    duration,
    duration_in_months: duration === 'repeating' ? months : null,
    livemode: false,
    max_redemptions: optInt(params, 'max_redemptions') ?? null,
    metadata: metadataParam(params.metadata),
    name: optString(params, 'name') ?? null,
    percent_off: percentOff,
    redeem_by: optInt(params, 'redeem_by') ?? null,
    times_redeemed: 0,
    valid: true,
  };
}

export function getPrice(store: Store, id: string, param = 'price'): Price {
  return getOrThrow<Price>(store, id, 'price', 'price', param);
}

export function getCoupon(store: Store, id: string, param = 'coupon'): Coupon {
  const coupon = getOrThrow<Coupon>(store, id, 'coupon', 'coupon', param);
  if (!coupon.valid) throw badRequest(`Coupon expired: ${id}`, 'coupon_expired', param);
  return coupon;
}

/**
 * What Stripe shows for a price on its hosted pages and line items: its product's name (a price's nickname is
 * internal, never shown to customers); the product id only if the product is gone.
 */
export function productName(store: Store, price: Price): string {
  return store.find<Product>(price.product, 'product')?.name ?? price.product;
}

/** Subscription items carry a legacy `plan` view of the price. */
export function planOf(price: Price) {
  return {
    id: price.id,
    object: 'plan' as const,
    active: price.active,
    amount: price.unit_amount,
    amount_decimal: price.unit_amount_decimal,
    billing_scheme: price.billing_scheme,
    created: price.created,
    currency: price.currency,
    interval: price.recurring?.interval ?? 'month',
    interval_count: price.recurring?.interval_count ?? 1,
    livemode: false,
    metadata: price.metadata,
    meter: null,
    nickname: price.nickname,
    product: price.product,
    tiers_mode: null,
    transform_usage: null,
    trial_period_days: null,
    usage_type: 'licensed' as const,
  };
}

export const catalogRoutes: Route[] = [
  {
    method: 'POST',
    path: '/v1/products',
    handler: ({ store }: Ctx, { params }) => {
      allowParams(params, ['id', 'name', 'description', 'metadata', 'active', 'default_price_data', 'type']);
      const product = buildProduct(store, params);
      if (store.find(product.id)) throw badRequest(`Product already exists.`, 'resource_already_exists', 'id');
      store.insert(product);
      const dpd = optObject(params, 'default_price_data');
      if (dpd) {
        const price = store.insert(buildPrice(store, dpd, product.id));
        product.default_price = price.id;
      }
      store.emit('product.created', product);
      return product;
    },
  },
  { method: 'GET', path: '/v1/products/:id', handler: ({ store }, { pathParams }) => getOrThrow(store, pathParams.id!, 'product', 'product') },
  {
    method: 'POST',
    path: '/v1/products/:id',
    handler: ({ store }, { pathParams, params }) => {
      allowParams(params, ['name', 'description', 'metadata', 'active', 'default_price']);
      const product = getOrThrow<Product>(store, pathParams.id!, 'product', 'product');
      const before = structuredClone(product);
      product.name = optString(params, 'name') ?? product.name;
      product.description = optString(params, 'description') ?? product.description;
      product.active = optBool(params, 'active') ?? product.active;
      product.default_price = optString(params, 'default_price') ?? product.default_price;
      product.metadata = applyMetadata(product.metadata, params);
      product.updated = store.now();
      store.touch();
      store.emit('product.updated', product, diffKeys(before, product));
      return product;
    },
  },
  {
    method: 'GET',
    path: '/v1/products',
    handler: ({ store }, { params }) => {
      const active = optBool(params, 'active');
      const items = store.all<Product>('product').filter((p) => (active === undefined || p.active === active) && matchesCreated(params, p.created));
      return paginate(items, params, '/v1/products');
    },
  },
  {
    method: 'POST',
    path: '/v1/prices',
    handler: ({ store }, { params }) => {
      allowParams(params, ['currency', 'unit_amount', 'product', 'product_data', 'recurring', 'nickname', 'lookup_key', 'metadata', 'active']);
      let productId = optString(params, 'product');
      if (!productId) {
        const productData = optObject(params, 'product_data');
        if (!productData) throw badRequest('Missing required param: product.', 'parameter_missing', 'product');
        const product = store.insert(buildProduct(store, productData));
        store.emit('product.created', product);
        productId = product.id;
      } else {
        getOrThrow(store, productId, 'product', 'product', 'product');
      }
      const price = store.insert(buildPrice(store, params, productId));
      store.emit('price.created', price);
      return price;
    },
  },
  { method: 'GET', path: '/v1/prices/:id', handler: ({ store }, { pathParams }) => getPrice(store, pathParams.id!, 'id') },
  {
    method: 'POST',
    path: '/v1/prices/:id',
    handler: ({ store }, { pathParams, params }) => {
      allowParams(params, ['metadata', 'active', 'nickname', 'lookup_key']);
      const price = getPrice(store, pathParams.id!, 'id');
      const before = structuredClone(price);
      price.active = optBool(params, 'active') ?? price.active;
      price.nickname = optString(params, 'nickname') ?? price.nickname;
      price.lookup_key = optString(params, 'lookup_key') ?? price.lookup_key;
      price.metadata = applyMetadata(price.metadata, params);
      store.touch();
      store.emit('price.updated', price, diffKeys(before, price));
      return price;
    },
  },
  {
    method: 'GET',
    path: '/v1/prices',
    handler: ({ store }, { params }) => {
      const product = optString(params, 'product');
      const active = optBool(params, 'active');
      const lookupKeys = Array.isArray(params.lookup_keys) ? params.lookup_keys : undefined;
      const items = store
        .all<Price>('price')
        .filter((p) => (!product || p.product === product) && (active === undefined || p.active === active))
        .filter((p) => !lookupKeys || (p.lookup_key !== null && lookupKeys.includes(p.lookup_key)));
      return paginate(items, params, '/v1/prices');
    },
  },
  {
    method: 'POST',
    path: '/v1/coupons',
    handler: ({ store }, { params }) => {
      allowParams(params, ['id', 'percent_off', 'amount_off', 'currency', 'duration', 'duration_in_months', 'max_redemptions', 'metadata', 'name', 'redeem_by']);
      const coupon = store.insert(buildCoupon(store, params));
      store.emit('coupon.created', coupon);
      return coupon;
    },
  },
  { method: 'GET', path: '/v1/coupons/:id', handler: ({ store }, { pathParams }) => getOrThrow(store, pathParams.id!, 'coupon', 'coupon') },
  { method: 'GET', path: '/v1/coupons', handler: ({ store }, { params }) => paginate(store.all('coupon'), params, '/v1/coupons') },
  {
    method: 'DELETE',
    path: '/v1/coupons/:id',
    handler: ({ store }, { pathParams }) => {
      const coupon = getOrThrow<Coupon>(store, pathParams.id!, 'coupon', 'coupon');
      store.remove(coupon.id);
      store.emit('coupon.deleted', coupon);
      return deletedObject(coupon.id, 'coupon');
    },
  },
];

export function diffKeys(before: object, after: object): Record<string, unknown> {
  const b = before as Record<string, unknown>;
  const a = after as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(a)) if (JSON.stringify(b[key]) !== JSON.stringify(a[key])) out[key] = b[key] ?? null;
  return out;
}

