/**
 * npm run bench:payouts-ratelimit — `flowtab payouts run` over 2,000 creators while the Stripe emulator enforces
 * Stripe's test-mode rate limit (25 requests/s, 429 `rate_limit` past it).
 *
 *   1. starts an emulator in its own process and onboards one Express account per creator (no limit yet);
 *   2. seeds a fresh PostgreSQL database (set-based, bench/payouts/seed.ts): every creator has available earnings;
 *   3. turns the rate limit on and runs the real CLI, `flowtab payouts run`, in a child process (its progress bar on
 *      stderr is kept, to show the waiting);
 *   4. checks exactly-once on both sides: one transfer per paid creator on the emulator (transfer group = the payout
 *      id), none for anybody else, payouts paid = eligible, and every ledger invariant (reconcile).
 *
 * Env: DATABASE_URL (server; default local), BENCH_CREATORS (2000), BENCH_COPIES (100000: the seed's spread leaves
 * a couple of creators without a copy), BENCH_RATE (25 requests/s), BENCH_LATENCY_MS (0: added to every request).
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import Stripe from 'stripe';
import { openDatabase } from '../../src/server/db/client.js';
import { rowsOf } from '../../src/server/db/rows.js';
import { reconcileLedger } from '../../src/server/modules/ledger/reconcile.js';
import { RECONCILE_CHECKS } from '../../src/server/reconcile-checks.js';
import { findPayoutCandidates } from '../../src/server/modules/payouts/repository.js';
import { TEST_ENV } from '../../test/support/app.js';
import { createBenchDatabase, SERVER_URL } from '../support/postgres.js';
import { createAccounts, startEmulatorProcess } from './emulator-process.js';
import { seedPayoutData, verifyLedger } from './seed.js';

const root = path.resolve(import.meta.dirname, '../..');
const CREATORS = Number(process.env.BENCH_CREATORS ?? 2000);
const COPIES = Number(process.env.BENCH_COPIES ?? 100_000);
const RATE = Number(process.env.BENCH_RATE ?? 25);
const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 0);
// One counted copy (7 ¢) makes a creator payable, so every creator with a copy is in the run.
const MIN_PAYOUT_CENTS = 7;

const log = (line: string) => process.stderr.write(`${line}\n`);
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

type Stats = { api_requests: number; rate_limited: number };

async function emulator<T>(url: string, path: string, json?: unknown): Promise<T> {
  const response = await fetch(`${url}${path}`, json === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(json) });
  if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

function runCli(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'src/server/cli.ts'), ...args], {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      process.stderr.write(chunk); // the progress bar, live
    });
    child.on('exit', (code) => resolve({ code, stdout, stderr, ms: performance.now() - started }));
  });
}

async function main() {
  log(`PostgreSQL ${new URL(SERVER_URL).host}; starting a Stripe emulator in its own process …`);
  const emu = await startEmulatorProcess();
  const bench = await createBenchDatabase('flowtab_bench_ratelimit');
  try {
    const accountIds = await createAccounts(emu.url, CREATORS);
    log(`${CREATORS} connected accounts onboarded on the emulator`);
    const database = await openDatabase({ databaseUrl: bench.url, poolSize: 4 });
    await database.migrate();
    const seeded = await seedPayoutData(bench.url, { copies: COPIES, creators: CREATORS, accountIds });
    const unbalanced = await verifyLedger(bench.url);
    const candidates = await findPayoutCandidates(database.db, { minCents: MIN_PAYOUT_CENTS });
    const eligibleCents = candidates.reduce((total, c) => total + c.availableCents, 0);
    log(`seeded ${seeded.copyRows} copies; ${candidates.length} creators to pay (${(eligibleCents / 100).toFixed(2)} USD); unbalanced transactions: ${unbalanced}`);

    await emulator(emu.url, '/_emulator/faults', { rate_limit: { requests_per_second: RATE }, latency_ms: LATENCY_MS });
    const before = await emulator<Stats>(emu.url, '/_emulator/stats');
    log(`rate limit on: ${RATE} requests/s; running \`flowtab payouts run\` …`);
    const run = await runCli(['payouts', 'run', '--as-of', new Date().toISOString()], {
      ...TEST_ENV,
      LOG_LEVEL: 'warn',
      DATABASE_URL: bench.url,
      STRIPE_API_BASE: emu.url,
      MIN_PAYOUT_CENTS: String(MIN_PAYOUT_CENTS),
    });
    const after = await emulator<Stats>(emu.url, '/_emulator/stats');
    await emulator(emu.url, '/_emulator/faults', {});
    if (run.code !== 0) log(`the run exited ${run.code}:\n${run.stdout}`);

    // Exactly once: the emulator's transfers against our payouts.
    const stripe = new Stripe('sk_test_bench', { host: '127.0.0.1', port: Number(new URL(emu.url).port), protocol: 'http', apiVersion: '2026-10-28.endive' });
    const transfers: Stripe.Transfer[] = [];
    for await (const transfer of stripe.transfers.list({ limit: 100 })) transfers.push(transfer);
    const payouts = rowsOf<{ id: string; status: string; amount_cents: string; stripe_transfer_id: string | null; connect_account_id: string }>(
      await database.db.execute(sql`select p.id, p.status, p.amount_cents, p.stripe_transfer_id, u.connect_account_id
                                      from payouts p join users u on u.id = p.creator_id`),
    );
    const byGroup = new Map<string, Stripe.Transfer[]>();
    const byDestination = new Map<string, number>();
    for (const transfer of transfers) {
      byGroup.set(transfer.transfer_group ?? '', [...(byGroup.get(transfer.transfer_group ?? '') ?? []), transfer]);
      const destination = typeof transfer.destination === 'string' ? transfer.destination : String(transfer.destination?.id);
      byDestination.set(destination, (byDestination.get(destination) ?? 0) + 1);
    }
    const paid = payouts.filter((p) => p.status === 'paid');
    const mismatched = paid.filter((p) => {
      const group = byGroup.get(`payout-${p.id}`) ?? [];
      return group.length !== 1 || group[0]!.id !== p.stripe_transfer_id || group[0]!.amount !== Number(p.amount_cents) || group[0]!.destination !== p.connect_account_id;
    });
    const destinationsPaidTwice = [...byDestination.values()].filter((n) => n > 1).length;
    const report = await reconcileLedger(database.db, { sharePercent: 70, paidCap: 100 }, RECONCILE_CHECKS);
    await database.close();

    const limited = after.rate_limited - before.rate_limited;
    const requests = after.api_requests - before.api_requests;
    const waitingLines = run.stderr.split('\n').filter((line) => line.includes("waiting on Stripe's rate limit"));
    const isExactlyOnce = mismatched.length === 0 && destinationsPaidTwice === 0 && transfers.length === paid.length && paid.length === candidates.length;
    console.log('');
    console.log(`Payout run under Stripe's rate limit: ${CREATORS} creators, ${RATE} requests/s${LATENCY_MS ? `, ${LATENCY_MS} ms per request` : ''}`);
    console.log(`  eligible creators                 ${String(candidates.length).padStart(8)}   ${(eligibleCents / 100).toFixed(2)} USD`);
    console.log(`  run time (flowtab payouts run)    ${seconds(run.ms).padStart(8)}   exit code ${run.code}`);
    console.log(`  payouts paid / other              ${String(paid.length).padStart(8)}   ${payouts.length - paid.length} not paid`);
    console.log(`  transfers on the emulator         ${String(transfers.length).padStart(8)}   ${(transfers.length / (run.ms / 1000)).toFixed(1)}/s over the run`);
    console.log(`  API requests during the run       ${String(requests).padStart(8)}   of which 429 rate_limit: ${limited}`);
    console.log(`  progress lines saying it waited   ${String(waitingLines.length).padStart(8)}   e.g. "${waitingLines[0]?.trim() ?? ''}"`);
    console.log(`  exactly once                      ${(isExactlyOnce ? 'yes' : 'NO').padStart(8)}   ${mismatched.length} payouts without exactly one matching transfer, ${destinationsPaidTwice} accounts paid twice`);
    console.log(`  reconcile after the run           ${(report.isClean ? 'clean' : 'NOT clean').padStart(8)}   ${report.isClean ? '' : JSON.stringify(report.failures.slice(0, 5))}`);
    console.log('');
    console.log(run.stdout.trim());
    if (!isExactlyOnce || !report.isClean || run.code !== 0) process.exitCode = 1;
  } finally {
    await bench.drop();
    await emu.stop();
  }
}

await main();
