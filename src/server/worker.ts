import { sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import { type AppContext, createContext, type StripeSetup } from './context.js';
import { rowsOf } from './db/rows.js';
import { startJobs } from './jobs/runner.js';
import { startEmailSender } from './modules/email/jobs.js';
import { startTotalsFolder } from './modules/ledger/jobs.js';

/** Something a process closes on shutdown, in reverse start order. */
export type Closer = () => Promise<unknown>;

/**
 * `flowtab worker`: background jobs only, no HTTP. Any number of these (and of API processes with FLOWTAB_JOBS=on)
 * may share one PostgreSQL: pg-boss hands each job to one of them, and every job is safe to run twice anyway.
 */
export async function startWorker(config: Config, options: { stripe: StripeSetup; logger: Logger }): Promise<{ closers: Closer[] }> {
  const { logger } = options;
  const ctx = await createContext(config, { stripe: options.stripe, logger, role: 'worker' });
  const closers: Closer[] = [() => ctx.database.close()];
  await ctx.database.migrate();
  await ctx.database.warmUp();
  closers.push(...(await startBackgroundWork(ctx, logger)));
  logger.info({ event: 'worker.started' }, 'worker started');
  return { closers };
}

/**
 * Everything that runs in the background, in a worker or in a server process with FLOWTAB_JOBS=on: every job of
 * jobs/definitions.ts on pg-boss, the outbox's wake-up that sends mail right after commit, and the creator totals'
 * fold every few seconds.
 */
export async function startBackgroundWork(ctx: AppContext, logger: Logger): Promise<Closer[]> {
  await warnWithoutAutovacuum(ctx, logger);
  const jobs = await startJobs(ctx, logger);
  const emailSender = await startEmailSender(ctx, logger);
  const folder = startTotalsFolder(ctx.db, logger);
  return [jobs.stop, emailSender.stop, folder.stop];
}

/**
 * Some tables change all the time (the running totals' tails, emptied every few seconds; the copy counters; flows'
 * popularity), and without PostgreSQL's autovacuum their dead rows pile up and every read passes over them: a
 * ten-minute soak's database CPU rose by half (README, Keep autovacuum on). A server running without it is said
 * at start, where the operator looks. (PGlite, for development, has no autovacuum to ask about.)
 */
async function warnWithoutAutovacuum(ctx: AppContext, logger: Logger): Promise<void> {
  if (ctx.database.kind !== 'postgres') return;
  const [setting] = rowsOf<{ autovacuum: string }>(await ctx.db.execute(sql`show autovacuum`));
  if (setting?.autovacuum !== 'off') return;
  logger.warn(
    { event: 'database.autovacuum_off' },
    'PostgreSQL runs with autovacuum off: tables that change all the time will pile up dead rows and reads will slow down; turn it on (README, Keep autovacuum on)',
  );
}
