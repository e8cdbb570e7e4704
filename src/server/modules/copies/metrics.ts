import { Counter, type Registry } from 'prom-client';
import type { CopyRecorder } from './recorder.js';

/**
 * `flowtab_copy_batches_total{size}`: statements that recorded copies, by how many copies each carried (1 = alone),
 * and `flowtab_copy_batch_fallbacks_total`: batches that failed and were recorded again copy by copy. Read from the
 * recorder when /metrics is scraped; per process.
 */
export function registerCopyMetrics(registry: Registry, recorder: CopyRecorder) {
  new Counter({
    name: 'flowtab_copy_batches_total',
    help: 'Copy statements by the number of copies they recorded together',
    labelNames: ['size'],
    registers: [registry],
    collect() {
      this.reset();
      recorder.stats().batchesBySize.forEach((count, size) => {
        if (count > 0) this.inc({ size: String(size) }, count);
      });
    },
  });
  new Counter({
    name: 'flowtab_copy_batch_fallbacks_total',
    help: 'Copy batches that failed and were recorded again one copy per statement',
    registers: [registry],
    collect() {
      this.reset();
      const { fallbacks } = recorder.stats();
      if (fallbacks > 0) this.inc(fallbacks);
    },
  });
}
