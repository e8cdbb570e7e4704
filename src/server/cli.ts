import { parseArgs } from 'node:util';
import { developmentStripe } from './cli/development-stripe.js';
import { payoutsRunCommand } from './cli/payouts.js';
import { startBanner } from './cli/start-banner.js';
import { ConfigError, loadConfig } from './config.js';
import { type AppContext, createContext } from './context.js';
import { inTransaction } from './db/client.js';
import { DatabaseInUseError } from './db/pglite-lock.js';
import { type SeedResult, seedDemoData } from './seed/index.js';
import { formatError } from './log-serializers.js';
import { consoleLog, createLogger, waitForQuiet } from './logger.js';
import { closeOnSignals, describeDatabase, resolveStripe, startServer } from './main.js';
import { WeakPasswordError } from './modules/auth/errors.js';
import { createAccount, withPasswordHash } from './modules/auth/service.js';
import { formatReconcileReport, reconcileLedger } from './modules/ledger/reconcile.js';
import { RECONCILE_CHECKS } from './reconcile-checks.js';
import { releaseAllHeldEarnings } from './modules/ledger/service.js';
import { findUserByLogin } from './modules/users/repository.js';
import { StoredEventNotFoundError } from './modules/webhooks/errors.js';
import { listDeadEvents, retryDeadEvent, sweepEvents } from './modules/webhooks/service.js';
import { startWorker } from './worker.js';

const HELP = `flowtab <command>

  start                 everything for development: migrate, demo data on an empty database, web app, API
                        (refuses FLOWTAB_ENV=production)
  serve                 the HTTP API (migrates first); FLOWTAB_ENV is production unless set
  migrate               apply database migrations
  seed [--force]        create the demo creators, flows and logins (refuses FLOWTAB_ENV=production)
  admin create --email E --username U   create an admin; the password comes from FLOWTAB_ADMIN_PASSWORD or, in a
                        terminal, a prompt (never the command line)
  reconcile             check every ledger invariant; exits 1 with a report when one fails
  earnings release [--as-of DATE]       make held earnings past their hold available
  webhooks replay [--since DATE]        fetch the Stripe events we lack, from the watermark (how far Stripe's event list
                        has been read) or from DATE, then process every unprocessed event but dead letters
  webhooks dead         list dead letters: events that failed WEBHOOK_MAX_ATTEMPTS times and are no longer retried
  webhooks retry EVENT  process one event (e.g. a dead letter) again now; exits 1 if it fails again
  payouts run [--as-of DATE] [--dry-run] [--creator ID]
                        release earnings held until DATE, then pay every creator with payouts enabled and available
                        >= MIN_PAYOUT_CENTS (one idempotent transfer each); safe to run twice or in two places at once
  worker                background jobs only (periodic jobs, mail, the PAYOUT_CRON schedule and payout queues);
                        FLOWTAB_ENV is production unless set
`;

async function main(argv: string[]) {
  const [command, ...rest] = argv;
  switch (command) {
    case 'start':
      refuseProduction('start', 'in production run `flowtab migrate`, then `flowtab serve` (and `flowtab worker`)');
      return start({ isDevelopment: true });
    case 'serve':
      return start({ isDevelopment: false });
    case 'migrate':
      return withContext(async (ctx) => {
        await ctx.database.migrate();
        console.log(`Migrations applied to ${describeDatabase(ctx.config)}.`);
      });
    case 'seed': {
      const { values } = parseArgs({ args: rest, options: { force: { type: 'boolean', default: false } } });
      refuseProduction('seed', 'create real accounts instead (`flowtab admin create` for an admin)');
      return withContext(async (ctx) => {
        await ctx.database.migrate();
        const payouts = { holdDays: ctx.config.holdDays, minPayoutCents: ctx.config.minPayoutCents };
        const result = await seedDemoData(ctx.db, { economics: ctx.config.economics, payouts, force: values.force });
        console.log(result.created ? 'Demo data created.' : 'The database already has users: nothing seeded (use --force to add the demo anyway).');
        printLogins(result.logins);
      });
    }
    case 'admin':
      return adminCommand(rest);
    case 'reconcile':
      return withContext(async (ctx) => {
        const report = await reconcileLedger(
          ctx.db,
          { sharePercent: ctx.config.economics.creatorSharePercent, paidCap: ctx.config.economics.paidCopiesPerPeriod },
          RECONCILE_CHECKS,
        );
        console.log(formatReconcileReport(report));
        if (!report.isClean) process.exitCode = 1;
      });
    case 'earnings': {
      const { positionals, values } = parseArgs({ args: rest, allowPositionals: true, options: { 'as-of': { type: 'string' } } });
      if (positionals[0] !== 'release') throw new UsageError('usage: flowtab earnings release [--as-of DATE]');
      const asOf = parseDate(values['as-of']) ?? new Date();
      return withContext(async (ctx) => {
        const total = await releaseAllHeldEarnings(ctx.db, { asOf, holdDays: ctx.config.holdDays });
        console.log(`Released ${total} creator-period earnings held until ${asOf.toISOString()}.`);
      });
    }
    case 'webhooks':
      return webhooksCommand(rest);
    case 'payouts': {
      const { positionals, values } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: { 'as-of': { type: 'string' }, 'dry-run': { type: 'boolean', default: false }, creator: { type: 'string', multiple: true } },
      });
      if (positionals[0] !== 'run') throw new UsageError('usage: flowtab payouts run [--as-of DATE] [--dry-run] [--creator ID]');
      const config = loadConfig();
      const summary = await payoutsRunCommand(
        config,
        { asOf: parseDate(values['as-of']), isDryRun: values['dry-run'] ?? false, creatorIds: values.creator },
        async () => (await developmentStripe(config)) ?? (await resolveStripe(config, { mayStartEmulator: false })).setup,
      );
      if (summary.failed > 0 || summary.still_processing > 0) process.exitCode = 1;
      return;
    }
    case 'worker': {
      const config = loadConfig(process.env, { defaultEnv: 'production' });
      const logger = createLogger(config, consoleLog(config).destination);
      const stripe = (await developmentStripe(config)) ?? (await resolveStripe(config, { mayStartEmulator: false })).setup;
      const { closers } = await startWorker(config, { stripe, logger });
      closeOnSignals(logger, closers);
      console.log(`Flowtab.Pro worker running on ${describeDatabase(config)}.`);
      return;
    }
    case undefined:
    case 'help':
    case '--help':
      console.log(HELP);
      return;
    default:
      console.error(`Unknown command "${command}".\n\n${HELP}`);
      process.exitCode = 2;
  }
}

async function start({ isDevelopment }: { isDevelopment: boolean }) {
  // SPEC §10: `start` is development unless told otherwise (and refuses production); `serve` is production.
  const config = loadConfig(process.env, { defaultEnv: isDevelopment ? 'development' : 'production' });
  const log = consoleLog(config);
  const logger = createLogger(config, log.destination);
  const { ctx, closers, stripe, seeded } = await startServer(config, { isDevelopment, withScheduler: config.runsJobs, logger });
  closeOnSignals(logger, closers);
  const logins = seeded ? await demoLoginsOf(ctx, seeded) : [];
  // Last, once the start-up logs (jobs, mail) have stopped: the addresses and logins stay on screen.
  await waitForQuiet(log);
  console.log(startBanner(config, { emulatorUrl: stripe.apiBase, logins, loginsAreNew: seeded?.created === true }));
}

/** The demo logins that exist on this database: all of them when just seeded, else those still there. */
async function demoLoginsOf(ctx: AppContext, seeded: SeedResult): Promise<SeedResult['logins']> {
  if (seeded.created) return seeded.logins;
  const present = await Promise.all(seeded.logins.map(async (login) => ((await findUserByLogin(ctx.db, login.username)) ? login : undefined)));
  return present.filter((login) => login !== undefined);
}

const WEBHOOKS_USAGE = 'usage: flowtab webhooks replay [--since DATE] | webhooks dead | webhooks retry EVENT';

async function webhooksCommand(args: string[]) {
  const { positionals, values } = parseArgs({ args, allowPositionals: true, options: { since: { type: 'string' } } });
  const [subcommand, eventId] = positionals;
  switch (subcommand) {
    case 'replay':
      return withContext(async (ctx) => {
        const since = parseDate(values.since);
        const waits = { count: 0, ms: 0 };
        const onRateLimitWait = ({ delayMs }: { delayMs: number }) => {
          if (waits.count++ === 0) console.error(`Stripe's rate limit: backing off (${delayMs} ms) and going on…`);
          waits.ms += delayMs;
        };
        const result = await sweepEvents(ctx, { since, onRateLimitWait });
        if (waits.count > 0) console.log(`Waited ${waits.count} times (${(waits.ms / 1000).toFixed(1)} s in all) on Stripe's rate limit.`);
        const readUntil = result.readUntil ? `Stripe's events are read up to ${result.readUntil.toISOString()}` : 'Stripe lists no events yet';
        const from = result.listedFrom ? `listed from ${result.listedFrom.toISOString()}` : 'no watermark yet: listed all Stripe keeps';
        console.log(`Fetched ${result.fetched} missed events (${from}; ${readUntil}).`);
        console.log(`Processed ${result.processed}; ${result.failed} still failing; ${result.dead} became dead letters.`);
        if (result.failed > 0) process.exitCode = 1;
      });
    case 'dead':
      return withContext(async (ctx) => {
        const { events, total } = await listDeadEvents(ctx.db, { limit: 1000 });
        if (total === 0) return console.log('No dead letters.');
        console.log(`${total} dead letter${total === 1 ? '' : 's'}${total > events.length ? ` (the ${events.length} most recent)` : ''}:`);
        for (const event of events) {
          console.log(`  ${event.id}  ${event.type}  object ${event.objectId ?? '-'}  ${event.attempts} attempts  dead since ${event.deadAt?.toISOString()}`);
          console.log(`      last error: ${(event.lastError ?? '').replace(/\s+/g, ' ').slice(0, 300)}`);
        }
        console.log('Retry one with: flowtab webhooks retry <event id>');
      });
    case 'retry':
      if (!eventId) throw new UsageError('usage: flowtab webhooks retry EVENT');
      return withContext(async (ctx) => {
        const result = await retryDeadEvent(ctx, eventId).catch((error: unknown) => {
          if (error instanceof StoredEventNotFoundError) throw new UsageError(error.message);
          throw error;
        });
        switch (result.outcome) {
          case 'processed':
            return console.log(`${result.eventId} (${result.type}) processed after ${result.attempts} attempts.`);
          case 'already_processed':
            return console.log(`${result.eventId} (${result.type}) was already processed: nothing to do.`);
          case 'failed':
            console.log(`${result.eventId} (${result.type}) failed again (attempt ${result.attempts}): ${result.error ?? ''}`);
            console.log(result.isDead ? 'It is still a dead letter.' : 'It is no longer a dead letter: the sweep will retry it.');
            process.exitCode = 1;
            return;
        }
      });
    default:
      throw new UsageError(WEBHOOKS_USAGE);
  }
}

const ADMIN_USAGE = 'usage: flowtab admin create --email E --username U (the password: FLOWTAB_ADMIN_PASSWORD, or a prompt in a terminal)';

async function adminCommand(args: string[]) {
  // A password in argv lands in shell history and in every `ps` listing: refused before anything is parsed.
  if (args.some((arg) => arg === '--password' || arg.startsWith('--password='))) {
    throw new UsageError(`--password is not accepted (a password on the command line is visible in shell history and \`ps\`): set FLOWTAB_ADMIN_PASSWORD, or run the command in a terminal to be asked for it.\n${ADMIN_USAGE}`);
  }
  const { positionals, values } = parseArgs({ args, allowPositionals: true, options: { email: { type: 'string' }, username: { type: 'string' } } });
  if (positionals[0] !== 'create' || !values.email || !values.username) throw new UsageError(ADMIN_USAGE);
  const password = process.env.FLOWTAB_ADMIN_PASSWORD || (await promptNewPassword());
  let account;
  try {
    account = await withPasswordHash({ email: values.email, username: values.username, password });
  } catch (error) {
    if (error instanceof WeakPasswordError) throw new UsageError(`The password ${error.rule}; nothing was created.`);
    throw error;
  }
  await withContext(async (ctx) => {
    await ctx.database.migrate();
    // The operator vouches for the address: an admin can publish and connect at once.
    const user = await inTransaction(ctx.db, (tx) => createAccount(tx, { ...account, role: 'admin', emailVerifiedAt: new Date() }));
    console.log(`Admin ${user.username} (${user.id}) created.`);
  });
}

/** Asks twice in a terminal, without echoing; with no terminal (a script, CI) there is no one to ask. */
async function promptNewPassword(): Promise<string> {
  if (!process.stdin.isTTY) {
    throw new UsageError(`No password: set FLOWTAB_ADMIN_PASSWORD (or run in a terminal to be asked).\n${ADMIN_USAGE}`);
  }
  const first = await readHidden('Password for the new admin (at least 10 characters): ');
  const second = await readHidden('The same password again: ');
  if (first !== second) throw new UsageError('The two passwords differ; nothing was created.');
  return first;
}

function readHidden(prompt: string): Promise<string> {
  const stdin = process.stdin;
  process.stdout.write(prompt);
  return new Promise((resolve, reject) => {
    let value = '';
    const finish = (outcome: () => void) => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stdout.write('\n');
      outcome();
    };
    const onData = (chunk: string) => {
      for (const char of chunk) {
        if (char === '\r' || char === '\n') return finish(() => resolve(value));
        if (char === '\u0003' || char === '\u0004') return finish(() => reject(new UsageError('Cancelled; nothing was created.')));
        if (char === '\u007f' || char === '\b') value = [...value].slice(0, -1).join('');
        else if (char >= ' ') value += char;
      }
    };
    stdin.setRawMode(true);
    stdin.setEncoding('utf8');
    stdin.on('data', onData);
    stdin.resume();
  });
}

/** For one-off commands: the database and Stripe as configured (never a fresh emulator). */
async function withContext(run: (ctx: AppContext) => Promise<void>) {
  const config = loadConfig();
  const stripe = config.stripe.apiBase || config.stripe.secretKey ? (await resolveStripe(config, { mayStartEmulator: false })).setup : OFFLINE_STRIPE;
  const ctx = await createContext(config, { stripe });
  try {
    await run(ctx);
  } finally {
    await ctx.database.close();
  }
}

// Commands that never call Stripe (migrate, seed, admin) run without it configured.
const OFFLINE_STRIPE = { secretKey: 'sk_test_offline', webhookSecret: undefined, apiBase: 'http://127.0.0.1:9', priceId: undefined };

function printLogins(logins: { username: string; password: string; role: string }[]) {
  for (const login of logins) console.log(`  ${login.username.padEnd(18)} password: ${login.password.padEnd(14)} ${login.role}`);
}

class UsageError extends Error {}

/**
 * Development commands stop before touching anything when FLOWTAB_ENV=production: the demo logins they create have
 * a public password, and their creators hold balances anyone could withdraw.
 */
function refuseProduction(command: string, instead: string) {
  if (process.env.FLOWTAB_ENV === 'production') {
    throw new UsageError(`flowtab ${command} is for development and refuses FLOWTAB_ENV=production (it creates demo logins with a public password): ${instead}.`);
  }
}

function parseDate(value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw new UsageError(`Not a date: "${value}" (use e.g. 2026-12-01 or 2026-12-01T06:00:00Z).`);
  return date;
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof UsageError || error instanceof DatabaseInUseError) {
    console.error(error.message);
  } else {
    // Without query parameters (a failed query's message lists them): see log-serializers.ts.
    console.error(formatError(error));
  }
  process.exit(1);
});
