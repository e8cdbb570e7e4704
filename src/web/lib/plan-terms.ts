import type { PublicConfig } from '../api/types.js';
import { formatCents } from './format.js';

/**
 * The plan's numbers in words, from GET /v1/config/public: what the subscribe buttons and the pricing page say.
 * The price is unknown while billing is not configured (price_cents null): the words then leave the number out.
 */

/** `$10` for whole amounts, `$9.50` otherwise, in the plan's currency. */
export function formatPrice(cents: number, currency: string | null): string {
  const code = (currency ?? 'usd').toUpperCase();
  const digits = cents % 100 === 0 ? 0 : 2;
  try {
    return new Intl.NumberFormat('en-US', { style: 'currency', currency: code, minimumFractionDigits: digits, maximumFractionDigits: digits }).format(cents / 100);
  } catch {
    return formatCents(cents); // an unknown currency code: dollars, as the rest of the app shows money
  }
}

/** `$10/month`, or undefined while the price is not known. */
export function planPricePerMonth(config: PublicConfig | undefined): string | undefined {
  if (!config || config.price_cents === null) return undefined;
  return `${formatPrice(config.price_cents, config.currency)}/month`;
}

/** "Subscribe for $10/month", or "Subscribe" while the price is not known. */
export function subscribeLabel(config: PublicConfig | undefined, verb = 'Subscribe'): string {
  const price = planPricePerMonth(config);
  return price ? `${verb} for ${price}` : verb;
}
