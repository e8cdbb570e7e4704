import { Gauge, type Registry } from 'prom-client';
import type { Db } from '../../../db/client.js';
import { countNewestReconcileFailures } from './service.js';

/**
 * `flowtab_reconcile_failures`: the broken invariants the newest reconcile run found (SPEC §14; 0 before any run),
 * read from reconcile_runs when /metrics is scraped, so every process reports the same number, whichever ran it.
 */
export function registerReconcileMetrics(registry: Registry, db: Db) {
  new Gauge({
    name: 'flowtab_reconcile_failures',
    help: 'Broken ledger invariants found by the newest reconcile run (the daily finance.reconcile job or one run from the console)',
    registers: [registry],
    async collect() {
      try {
        this.set(await countNewestReconcileFailures(db));
      } catch {
        // Database unreachable: keep the last value (/readyz reports the outage) rather than fail the whole scrape.
      }
    },
  });
}
