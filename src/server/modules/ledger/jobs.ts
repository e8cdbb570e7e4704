import type { Logger } from 'pino';
import type { Db } from '../../db/client.js';
import { foldCreatorTotals } from './repository.js';

/**
 * How often each background process folds the creators' tails into their running totals (migration 0015). Every
 * earnings read sums its creator's tail, so the tail's length is that read's cost: folding every 5 s keeps a busy
 * creator's tail at a few seconds of copying (bench:earnings: at a minute's tail the busiest creator's read did 0.63×
 * the median creator's requests per second).
 */
export const FOLD_INTERVAL_MS = 5_000;

/**
 * Folds the tails on a timer, in every process that runs background work (pg-boss cron has minute resolution, too
 * coarse for this). Several processes may fold at once: fold_creator_totals skips what another fold holds and writes
 * totals in key order. Reads are exact whether or not a fold ran, so a missed round costs only a longer tail. While
 * the database is unreachable it says so once, and again when folding works again, not every 5 s.
 */
export function startTotalsFolder(db: Db, logger: Logger, options: { intervalMs?: number } = {}) {
  let running: Promise<void> | undefined;
  let isFailing = false;
  const fold = async () => {
    try {
      await foldCreatorTotals(db);
      if (isFailing) logger.info({ event: 'job.recovered', job: 'ledger.fold_totals' }, 'folding the creator totals works again');
      isFailing = false;
    } catch (error) {
      if (!isFailing) logger.error({ event: 'job.failed', job: 'ledger.fold_totals', err: error }, 'folding the creator totals failed; retrying every few seconds');
      isFailing = true;
    }
  };
  const timer = setInterval(() => {
    if (running) return; // a long fold (after an outage) is still moving its batches
    running = fold().finally(() => {
      running = undefined;
    });
  }, options.intervalMs ?? FOLD_INTERVAL_MS).unref();
  return {
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}
