import type { Config } from '../config.js';
import type { StripeSetup } from '../context.js';

/** The local emulator `flowtab start` runs, for commands in development that were given no Stripe settings. */
export async function developmentStripe(config: Config): Promise<StripeSetup | undefined> {
  if (config.isProduction || config.stripe.apiBase || config.stripe.secretKey) return undefined;
  const apiBase = `http://127.0.0.1:${config.stripe.emulatorPort}`;
  const isUp = await fetch(`${apiBase}/_emulator/now`, { signal: AbortSignal.timeout(1000) })
    .then((response) => response.ok)
    .catch(() => false);
  return isUp ? { secretKey: 'sk_test_flowtab_local', webhookSecret: undefined, apiBase, priceId: undefined } : undefined;
}
