import type { AppContext } from '../../context.js';
import type { PublicConfigView } from './schemas.js';

type PriceFacts = { priceCents: number; currency: string };

/** How long a page waits for Stripe the first time; the lookup goes on and fills the cache for the next request. */
const PRICE_WAIT_MS = 3_000;
/** After a failed lookup, Stripe is asked again at most this often. */
const PRICE_RETRY_MS = 60_000;

/**
 * The Premium price is Stripe's (STRIPE_PRICE_ID, or the emulator's price made at start-up); the environment has no
 * price of its own. A Stripe Price's amount and currency can never change (a new price is a new id), so each process
 * asks once per price id and keeps the answer. Kept per Stripe gateway, so two apps in one process never share it.
 */
const prices = new WeakMap<object, Map<string, { facts?: PriceFacts; pending?: Promise<PriceFacts | undefined>; failedAt?: number }>>();

function lookUpPrice(ctx: AppContext, priceId: string): Promise<PriceFacts | undefined> {
  type Entry = { facts?: PriceFacts; pending?: Promise<PriceFacts | undefined>; failedAt?: number };
  let byId = prices.get(ctx.stripe);
  if (!byId) {
    byId = new Map<string, Entry>();
    prices.set(ctx.stripe, byId);
  }
  const entry = byId.get(priceId) ?? {};
  byId.set(priceId, entry);
  if (entry.facts) return Promise.resolve(entry.facts);
  if (entry.failedAt !== undefined && Date.now() - entry.failedAt < PRICE_RETRY_MS) return Promise.resolve(undefined);
  entry.pending ??= ctx.stripe
    .retrievePrice(priceId)
    .then((price): PriceFacts | undefined => {
      if (price.unit_amount === null) return undefined;
      entry.facts = { priceCents: price.unit_amount, currency: price.currency };
      return entry.facts;
    })
    .catch(() => {
      entry.failedAt = Date.now();
      return undefined;
    })
    .finally(() => {
      entry.pending = undefined;
    });
  return entry.pending;
}

async function findPrice(ctx: AppContext): Promise<PriceFacts | undefined> {
  const priceId = ctx.billing.priceId;
  if (!priceId) return undefined;
  let stopWaiting = () => {};
  const waited = new Promise<undefined>((resolve) => {
    const timer = setTimeout(resolve, PRICE_WAIT_MS);
    stopWaiting = () => clearTimeout(timer);
  });
  try {
    return await Promise.race([lookUpPrice(ctx, priceId), waited]);
  } finally {
    stopWaiting();
  }
}

/** GET /v1/config/public (SPEC §15): the numbers the web app shows, from the configuration and Stripe's price. */
export async function getPublicConfig(ctx: AppContext): Promise<PublicConfigView> {
  const { economics, holdDays, minPayoutCents } = ctx.config;
  const price = await findPrice(ctx);
  return {
    price_cents: price?.priceCents ?? null,
    currency: price?.currency ?? null,
    rate_per_copy_cents: economics.ratePerCopyCents,
    paid_copies_per_period: economics.paidCopiesPerPeriod,
    copy_limit_per_period: economics.copyLimitPerPeriod,
    creator_share_percent: economics.creatorSharePercent,
    hold_days: holdDays,
    min_payout_cents: minPayoutCents,
  };
}
