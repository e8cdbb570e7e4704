import type { Config } from '../config.js';
import { type AppContext, createContext, type StripeSetup } from '../context.js';
import { createTokenService } from '../modules/auth/session-tokens.js';
import { formatCents } from '../modules/ledger/money.js';
import { type PayoutRunProgress, runPayouts } from '../modules/payouts/runs.js';
import type { RunSummaryView } from '../modules/payouts/schemas.js';

// `flowtab payouts run [--as-of DATE] [--dry-run] [--creator ID]`: a progress bar on stderr, a summary on stdout.

export type PayoutsRunArgs = { asOf?: Date; isDryRun: boolean; creatorIds?: string[] };

/**
 * The embedded PGlite database belongs to one process: while `flowtab start` runs on it, this command asks that
 * server to run the payouts (an admin request signed with the server's own JWT secret) instead of opening the files.
 */
async function runningServerUrl(config: Config): Promise<string | undefined> {
  if (config.databaseUrl) return undefined;
  const url = `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${config.port}`;
  const isUp = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(1000) })
    .then((response) => response.ok)
    .catch(() => false);
  return isUp ? url : undefined;
}

export async function payoutsRunCommand(
  config: Config,
  args: PayoutsRunArgs,
  resolveStripeSetup: () => Promise<StripeSetup>,
): Promise<RunSummaryView> {
  const serverUrl = args.creatorIds ? undefined : await runningServerUrl(config);
  if (serverUrl) {
    process.stderr.write(`The embedded database is in use by the server at ${serverUrl}: asking it to run the payouts…\n`);
    const token = createTokenService(config.jwtSecret).issueOperator();
    const response = await fetch(`${serverUrl}/v1/admin/payouts/run`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ as_of: args.asOf?.toISOString(), dry_run: args.isDryRun }),
    });
    const body = (await response.json()) as RunSummaryView & { detail?: string };
    if (!response.ok) throw new Error(`The server refused the payout run (${response.status}): ${body.detail ?? JSON.stringify(body)}`);
    return printSummary(body);
  }
  const ctx: AppContext = await createContext(config, { stripe: await resolveStripeSetup() });
  try {
    await ctx.database.migrate();
    const summary = await runPayouts(ctx, {
      asOf: args.asOf,
      isDryRun: args.isDryRun,
      creatorIds: args.creatorIds,
      onProgress: progressBar(),
    });
    process.stderr.write('\n');
    return printSummary(summary);
  } finally {
    await ctx.database.close();
  }
}

const PHASES: Record<PayoutRunProgress['phase'], string> = {
  release: 'releasing held earnings',
  retry: 'retrying open payouts   ',
  reserve: 'paying creators         ',
  pay: 'paying creators         ',
};

/** What the bar says about Stripe's rate limit: waiting on it now, or how often it refused so far. */
export function rateLimitNote(rateLimit: PayoutRunProgress['rateLimit'], now = Date.now()): string {
  if (!rateLimit) return '';
  const refused = `${rateLimit.refused} request${rateLimit.refused === 1 ? '' : 's'} refused`;
  return rateLimit.waitingUntil > now ? `  waiting on Stripe's rate limit (${refused})` : `  (Stripe's rate limit: ${refused})`;
}

/** A bar on a terminal; on a pipe, a line per phase and per tenth, and one (at most every 5 s) while waiting on Stripe's rate limit. */
export function progressBar(
  width = 30,
  output: { isTTY?: boolean; write(text: string): unknown } = process.stderr,
  now: () => number = Date.now,
): (progress: PayoutRunProgress) => void {
  const isTty = Boolean(output.isTTY);
  let lastPhase = '';
  let lastTenth = -1;
  let waitNotedAt = -Infinity;
  return ({ phase: reported, done, total, rateLimit }) => {
    // A reserved batch is part of paying: the bar shows payouts sent.
    if (reported === 'reserve') return;
    const phase = reported;
    const label = PHASES[phase];
    const isWaiting = rateLimit !== undefined && rateLimit.waitingUntil > now();
    if (phase === 'release') {
      if (isTty) output.write(`\r${label}  ${done} released`);
      else if (lastPhase !== phase) output.write(`${label.trim()}…\n`);
      lastPhase = phase;
      return;
    }
    const ratio = total === 0 ? 1 : Math.min(1, done / total);
    if (isTty) {
      if (lastPhase !== phase) output.write('\n');
      const filled = Math.round(ratio * width);
      // \x1b[K clears what a longer previous line left behind.
      output.write(`\r${label}  [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total}${rateLimitNote(rateLimit, now())}\x1b[K`);
    } else {
      const tenth = Math.floor(ratio * 10);
      if (lastPhase !== phase || tenth !== lastTenth) output.write(`${label.trim()}: ${done}/${total}${rateLimitNote(rateLimit, now())}\n`);
      else if (isWaiting && now() - waitNotedAt >= 5000) {
        // On a pipe, the waiting is said at most every 5 seconds.
        output.write(`${label.trim()}: ${done}/${total}${rateLimitNote(rateLimit, now())}\n`);
        waitNotedAt = now();
      }
      lastTenth = tenth;
    }
    lastPhase = phase;
  };
}

function printSummary(summary: RunSummaryView): RunSummaryView {
  const line = (label: string, value: number, cents?: number) =>
    `  ${label.padEnd(22)} ${String(value).padStart(6)}${cents === undefined ? '' : `   ${formatCents(cents)}`}`;
  const lines = [
    `${summary.is_dry_run ? 'Dry run' : 'Payout run'} ${summary.run_key} (as of ${summary.as_of})`,
    ...(summary.is_dry_run
      ? [line('would pay creators', summary.eligible, summary.eligible_cents), '  (a dry run releases, reserves and sends nothing)']
      : [
          line('earnings released', summary.released),
          line('eligible creators', summary.eligible, summary.eligible_cents),
          line('payouts created', summary.created),
          line('open payouts retried', summary.retried),
          line('paid', summary.paid, summary.paid_cents),
          line('failed', summary.failed),
          line('still processing', summary.still_processing),
        ]),
  ];
  if (summary.failed > 0) lines.push('', 'Failed payouts went back to the creators’ available balance; the next run pays them again.');
  if (summary.still_processing > 0) lines.push('', 'Stripe did not answer clearly for some payouts: run again later (same idempotency keys, never paid twice).');
  console.log(lines.join('\n'));
  return summary;
}
