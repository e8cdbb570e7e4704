import type { Logger } from 'pino';
import type { Config } from './config.js';
import { type AppContext, createContext, type StripeSetup } from './context.js';
import { startScheduler } from './jobs.js';
import type { Closer } from './main.js';
import { startEmailSender } from './modules/email/jobs.js';
import { startPayoutWorker } from './modules/payouts/jobs.js';

/**
 * `flowtab worker`: background jobs only, no HTTP. Any number of these (and of API processes with FLOWTAB_JOBS=on)
 * may share one PostgreSQL: the periodic jobs, the mail sender and the pg-boss payout queues are all safe to run twice.
 */
export async function startWorker(config: Config, options: { stripe: StripeSetup; logger: Logger }): Promise<{ closers: Closer[] }> {
  const { logger } = options;
  const ctx = await createContext(config, { stripe: options.stripe, logger });
  const closers: Closer[] = [() => ctx.database.close()];
  await ctx.database.migrate();
  closers.push(...(await startBackgroundWork(ctx, logger)));
  logger.info({ event: 'worker.started' }, 'worker started');
  return { closers };
}

/** Everything that runs in the background, in a worker or in a server process with FLOWTAB_JOBS=on. */
export async function startBackgroundWork(ctx: AppContext, logger: Logger): Promise<Closer[]> {
  const scheduler = startScheduler(ctx, logger);
  const emailSender = await startEmailSender(ctx, logger);
  const payouts = await startPayoutWorker(ctx, logger);
  return [scheduler.stop, emailSender.stop, payouts.stop];
}
