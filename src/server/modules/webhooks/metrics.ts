import { Gauge, type Registry } from 'prom-client';
import type { Db } from '../../db/client.js';
import { countDeadLetters } from './service.js';

/**
 * `flowtab_webhook_dead_letters`: events no longer retried automatically (SPEC §6), counted in the database when
 * /metrics is scraped, so every process reports the same number and it drops as soon as one is retried by hand.
 */
export function registerWebhookMetrics(registry: Registry, db: Db) {
  new Gauge({
    name: 'flowtab_webhook_dead_letters',
    help: 'Stripe webhook events that failed WEBHOOK_MAX_ATTEMPTS times and wait to be retried by hand',
    registers: [registry],
    async collect() {
      try {
        this.set(await countDeadLetters(db));
      } catch {
        // Database unreachable: keep the last value (/readyz reports the outage) rather than fail the whole scrape.
      }
    },
  });
}
