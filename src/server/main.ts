import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { buildApp } from './app.js';
import { type Config, ConfigError } from './config.js';
import { type AppContext, createContext, type StripeSetup } from './context.js';
import { type SeedResult, seedDemoData } from './seed/index.js';
import { prepareEmulatorBilling } from './integrations/stripe/bootstrap.js';
import { buildWebIfStale } from './web-build.js';
import { type Closer, startBackgroundWork } from './worker.js';
import { runHotRequests, runHotStatements } from './warm-up.js';
import { createInternalRequests } from './http/internal-requests.js';

const LOCAL_SECRET_KEY = 'sk_test_flowtab_local';

/**
 * Which Stripe to talk to: real Stripe (STRIPE_SECRET_KEY without STRIPE_API_BASE), an emulator already running
 * (STRIPE_API_BASE), or — in development, when neither is set — an emulator started in this process.
 */
export async function resolveStripe(config: Config, options: { mayStartEmulator: boolean }): Promise<{ setup: StripeSetup; closers: Closer[] }> {
  const { secretKey, webhookSecret, priceId, apiBase, emulatorPort } = config.stripe;
  if (apiBase || secretKey) {
    return { setup: { secretKey: secretKey ?? LOCAL_SECRET_KEY, webhookSecret, apiBase, priceId }, closers: [] };
  }
  if (!options.mayStartEmulator) {
    throw new Error('Set STRIPE_SECRET_KEY (real Stripe) or STRIPE_API_BASE (a running emulator); `flowtab start` starts an emulator for you.');
  }
  // Loaded only here: the emulator is a development tool and production never reaches this line.
  const { startEmulator } = await import('../../stripe-emulator/src/server.js');
  const emulator = await startEmulator({ port: emulatorPort, stateFile: path.join(config.dataDir, 'stripe-emulator.json') });
  return { setup: { secretKey: LOCAL_SECRET_KEY, webhookSecret: undefined, apiBase: emulator.url, priceId: undefined }, closers: [() => emulator.close()] };
}

/** `print` is for people at a terminal (the web build); `logger` for everything else. */
export type StartOptions = { isDevelopment: boolean; withScheduler: boolean; logger: Logger; print?: (line: string) => void };

/** Everything one server process runs: Stripe wiring, migrations, (demo data), the HTTP API and (the jobs). */
export async function startServer(
  config: Config,
  options: StartOptions,
): Promise<{ ctx: AppContext; app: FastifyInstance; closers: Closer[]; stripe: StripeSetup; seeded: SeedResult | undefined }> {
  const { logger } = options;
  const print = options.print ?? ((line: string) => console.log(line));
  // Development seeds demo logins with a public password and may start the emulator: never on a production config.
  if (options.isDevelopment && config.isProduction) throw new ConfigError('development start refuses FLOWTAB_ENV=production: use `flowtab serve`');
  // The web build (seconds, on a first start or after a change to the web app) overlaps the database's start-up.
  const webBuild = options.isDevelopment ? buildWebIfStale(path.resolve(import.meta.dirname, '../..'), print) : Promise.resolve();
  // Awaited below; until then a failure must not count as unhandled (the start fails there, with it).
  webBuild.catch(() => {});
  const stripe = await resolveStripe(config, { mayStartEmulator: options.isDevelopment });
  const closers: Closer[] = [...stripe.closers];
  const ctx = await createContext(config, { stripe: stripe.setup, logger, role: 'api' });
  closers.push(() => ctx.database.close());
  await ctx.database.migrate();
  await ctx.database.warmUp((db) => runHotStatements(db, ctx.copyRecorder.limits));

  // The caller prints the demo logins last, once start-up logging has settled (cli.ts).
  const seeded = options.isDevelopment ? await seedDemoData(ctx.db, { economics: config.economics }) : undefined;
  // On the emulator, register our webhook endpoint and the Premium price unless they were configured.
  if (stripe.setup.apiBase && (!stripe.setup.webhookSecret || !stripe.setup.priceId)) {
    const billing = await prepareEmulatorBilling(ctx.stripe, `http://127.0.0.1:${config.port}/v1/webhooks/stripe`);
    stripe.setup.webhookSecret ??= billing.webhookSecret;
    ctx.billing.priceId ??= billing.priceId;
  }

  await webBuild;
  const internal = createInternalRequests();
  const app = await buildApp(ctx, { logger, internal });
  if (!options.isDevelopment) await runHotRequests(app, internal.headers);
  await app.listen({ port: config.port, host: config.host });
  ctx.database.announceUrl(`http://127.0.0.1:${config.port}`);
  closers.push(() => closeHttp(app));
  if (options.withScheduler) closers.push(...(await startBackgroundWork(ctx, logger)));
  return { ctx, app, closers, stripe: stripe.setup, seeded };
}

/** How long a shutdown lets requests in flight finish before it cuts the connections that are left. */
const HTTP_CLOSE_GRACE_MS = 10_000;

/**
 * Stops taking requests and lets those in flight finish, then, after the grace period, cuts what is left: a browser's
 * preconnected socket that never sends a request is neither idle nor busy to Node, and would otherwise hold the
 * close until the 60 s headers timeout (seen as a minute-long shutdown whenever Chromium had the app open).
 */
async function closeHttp(app: FastifyInstance): Promise<void> {
  const cut = setTimeout(() => app.server.closeAllConnections(), HTTP_CLOSE_GRACE_MS);
  try {
    await app.close();
  } finally {
    clearTimeout(cut);
  }
}

/** Closes everything on SIGINT/SIGTERM in reverse start order; a second signal exits at once. */
export function closeOnSignals(logger: Logger, closers: Closer[]) {
  let isClosing = false;
  const shutdown = async (signal: string) => {
    if (isClosing) process.exit(1);
    isClosing = true;
    logger.info({ event: 'process.shutdown', signal }, 'shutting down');
    for (const close of [...closers].reverse()) {
      await close().catch((error) => logger.error({ err: error }, 'error while shutting down'));
    }
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}

export function describeDatabase(config: Config): string {
  return config.databaseUrl ? 'PostgreSQL (DATABASE_URL)' : `embedded PGlite in ${config.dataDir}/pglite`;
}
