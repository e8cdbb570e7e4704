import cliProgress from 'cli-progress';
import type { Config } from '../config.js';
import { type AppContext, createContext, type StripeSetup } from '../context.js';
import { createTokenService } from '../modules/auth/session-tokens.js';
import { formatCents } from '../modules/ledger/money.js';
import { type PayoutRunProgress, runPayouts } from '../modules/payouts/runs.js';
import type { RunSummaryView } from '../modules/payouts/schemas.js';

// `flowtab payouts run [--as-of DATE] [--dry-run] [--creator ID]`: progress on stderr (a cli-progress bar on a terminal,
// lines on a pipe), a summary on stdout.

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
    const progress = payoutProgress();
    let summary: RunSummaryView;
    try {
      summary = await runPayouts(ctx, {
        asOf: args.asOf,
        isDryRun: args.isDryRun,
        creatorIds: args.creatorIds,
        onProgress: (step) => progress.update(step),
      });
    } finally {
      progress.stop();
    }
    return printSummary(summary);
  } finally {
    await ctx.database.close();
  }
}

const PHASES: Record<Exclude<PayoutRunProgress['phase'], 'reserve'>, string> = {
  release: 'releasing held earnings',
  retry: 'retrying open payouts   ',
  pay: 'paying creators         ',
};

/** What the bar says about Stripe's rate limit: waiting on it now, or how often it refused so far. */
export function rateLimitNote(rateLimit: PayoutRunProgress['rateLimit'], now = Date.now()): string {
  if (!rateLimit) return '';
  const refused = `${rateLimit.refused} request${rateLimit.refused === 1 ? '' : 's'} refused`;
  return rateLimit.waitingUntil > now ? `  waiting on Stripe's rate limit (${refused})` : `  (Stripe's rate limit: ${refused})`;
}

/** Where progress goes: stderr, or what a test reads. */
export type ProgressOutput = { isTTY?: boolean; write(text: string): unknown };

/** Told every step of a run; `stop` ends the bar (its last state stays on screen) once the run is over. */
export type PayoutProgress = { update(progress: PayoutRunProgress): void; stop(): void };

/** A bar (cli-progress) on a terminal; plain lines on a pipe, where a bar's redraws would be noise in a log. */
export function payoutProgress(output: ProgressOutput = process.stderr, now: () => number = Date.now, width = 30): PayoutProgress {
  return output.isTTY ? terminalBar(output, now, width) : pipeLines(output, now);
}

/**
 * One cli-progress bar per phase. It redraws ten times a second from the latest progress, so the rate-limit note
 * says "waiting" exactly while the run waits, even when no payout finishes meanwhile.
 */
function terminalBar(output: ProgressOutput, now: () => number, width: number): PayoutProgress {
  let latest: PayoutRunProgress | undefined;
  let phase: keyof typeof PHASES | undefined;
  const bar = new cliProgress.SingleBar({
    // cli-progress writes to the stream and reads its isTTY and columns, nothing else.
    stream: output as unknown as NodeJS.WritableStream,
    barsize: width,
    barCompleteChar: '#',
    barIncompleteChar: '-',
    fps: 10,
    format: (options, params) => {
      if (!phase) return '';
      if (phase === 'release') return `${PHASES.release}  ${params.value} released`;
      const drawn = cliProgress.Format.BarFormat(params.progress, options);
      return `${PHASES[phase]}  [${drawn}] ${params.value}/${params.total}${rateLimitNote(latest?.rateLimit, now())}`;
    },
  });
  return {
    update(progress) {
      // A reserved batch is part of paying: the bar shows payouts sent.
      if (progress.phase === 'reserve') return;
      latest = progress;
      if (progress.phase !== phase) {
        if (phase) bar.stop();
        phase = progress.phase;
        bar.start(progress.phase === 'release' ? 0 : progress.total, progress.done);
      } else {
        if (progress.phase !== 'release') bar.setTotal(progress.total);
        bar.update(progress.done);
      }
    },
    stop() {
      if (phase) bar.stop();
      phase = undefined;
    },
  };
}

/** A line per phase and per tenth, and one (at most every 5 s) while waiting on Stripe's rate limit. */
function pipeLines(output: ProgressOutput, now: () => number): PayoutProgress {
  let lastPhase = '';
  let lastTenth = -1;
  let waitNotedAt = -Infinity;
  return {
    update({ phase, done, total, rateLimit }) {
      if (phase === 'reserve') return;
      const label = PHASES[phase].trim();
      if (phase === 'release') {
        if (lastPhase !== phase) output.write(`${label}…\n`);
        lastPhase = phase;
        return;
      }
      const ratio = total === 0 ? 1 : Math.min(1, done / total);
      const tenth = Math.floor(ratio * 10);
      const isWaiting = rateLimit !== undefined && rateLimit.waitingUntil > now();
      if (lastPhase !== phase || tenth !== lastTenth) output.write(`${label}: ${done}/${total}${rateLimitNote(rateLimit, now())}\n`);
      else if (isWaiting && now() - waitNotedAt >= 5000) {
        output.write(`${label}: ${done}/${total}${rateLimitNote(rateLimit, now())}\n`);
        waitNotedAt = now();
      }
      lastTenth = tenth;
      lastPhase = phase;
    },
    stop() {},
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
