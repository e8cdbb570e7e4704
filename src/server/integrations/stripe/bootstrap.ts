import type { StripeGateway } from './client.js';

const PRICE_LOOKUP_KEY = 'flowtab_premium_monthly';

/**
 * Development only (the emulator): makes sure the Premium product and its $10/month price exist, and registers this
 * server's webhook endpoint afresh, returning its signing secret — as one would do once by hand on real Stripe.
 */
export async function prepareEmulatorBilling(stripe: StripeGateway, webhookUrl: string): Promise<{ priceId: string; webhookSecret: string }> {
  const api = stripe.raw;
  const existing = await api.prices.list({ lookup_keys: [PRICE_LOOKUP_KEY], limit: 1 });
  const price =
    existing.data[0] ??
    (await api.prices.create(
      {
        currency: 'usd',
        unit_amount: 1000,
        recurring: { interval: 'month' },
        lookup_key: PRICE_LOOKUP_KEY,
        product_data: { name: 'Flowtab.Pro Premium' },
      },
      { idempotencyKey: `price-${PRICE_LOOKUP_KEY}` },
    ));
  const endpoints = await api.webhookEndpoints.list({ limit: 100 });
  for (const endpoint of endpoints.data.filter((e) => e.url === webhookUrl)) await api.webhookEndpoints.del(endpoint.id);
  const endpoint = await api.webhookEndpoints.create({ url: webhookUrl, enabled_events: ['*'] });
  return { priceId: price.id, webhookSecret: endpoint.secret! };
}
