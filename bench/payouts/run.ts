/**
 * npm run bench:payouts — a payout run over 1,000,000 counted copies from 10,000 creators on PostgreSQL.
 *
 * For each size (100,000 copies, then 1,000,000; same creators) it seeds a fresh database with set-based SQL, then
 *   1. times the payout computation (findPayoutCandidates: the ledger's available balances of creators with payouts
 *      enabled, at least the minimum) against a plain GROUP BY over the same ledger rows — target ≤ 1.5× — and, for
 *      scale, against a GROUP BY over the counted copies;
 *   2. runs the payouts in a separate process (what `flowtab payouts run` does) against a Stripe emulator this script
 *      starts in its own process: payouts per second (reserve in the ledger, transfer with its idempotency key, settle);
 *   3. reports that process's peak RSS, which must not grow with the number of copies;
 *   4. checks every ledger invariant (reconcile) after the run.
 *
 * Env: DATABASE_URL (server; default local), BENCH_COPIES (1000000), BENCH_SMALL_COPIES (100000; 0 skips),
 * BENCH_CREATORS (10000), BENCH_CONCURRENCY (16 transfers in flight), BENCH_REPEAT (5 timings per query),
 * BENCH_PGBENCH=0 (skip pgbench TPC-B with 8 clients, which runs first: the machine's speed in the same run).
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { openDatabase } from '../../src/server/db/client.js';
import { reconcileLedger } from '../../src/server/modules/ledger/reconcile.js';
import { RECONCILE_CHECKS } from '../../src/server/reconcile-checks.js';
import { findPayoutCandidates } from '../../src/server/modules/payouts/repository.js';
import { createBenchDatabase, runPgbench, SERVER_URL } from '../support/postgres.js';
import { createAccounts, startEmulatorProcess } from './emulator-process.js';
import { seedPayoutData, verifyLedger } from './seed.js';

const root = path.resolve(import.meta.dirname, '../..');
const COPIES = Number(process.env.BENCH_COPIES ?? 1_000_000);
const SMALL_COPIES = Number(process.env.BENCH_SMALL_COPIES ?? 100_000);
const CREATORS = Number(process.env.BENCH_CREATORS ?? 10_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const REPEAT = Number(process.env.BENCH_REPEAT ?? 5);
const MIN_PAYOUT_CENTS = 1000;

const log = (line: string) => process.stderr.write(`${line}\n`);
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const ms = (value: number) => `${value.toFixed(0)} ms`;

type ChildResult = {
  summary: { eligible: number; created: number; paid: number; paid_cents: number; failed: number; still_processing: number };
  totalMs: number;
  payMs: number;
  sendingMs: number;
  reserveWaitMs: number;
  transferP50Ms: number;
  peakRssMb: number;
};

function runPayoutProcess(databaseUrl: string, emulatorUrl: string, asOf: Date): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'bench/payouts/payout-process.ts')], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: databaseUrl, STRIPE_API_BASE: emulatorUrl, BENCH_AS_OF: asOf.toISOString(), BENCH_CONCURRENCY: String(CONCURRENCY) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.on('exit', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      if (code !== 0) return reject(new Error(`payout process exited ${code}: ${out}`));
      resolve(JSON.parse(line) as ChildResult);
    });
  });
}

async function measureSize(copies: number, emulatorUrl: string, accountIds: string[]) {
  const bench = await createBenchDatabase('flowtab_bench_payouts');
  try {
    const database = await openDatabase({ databaseUrl: bench.url, poolSize: 4 });
    await database.migrate();
    log(`[${copies} copies] seeding …`);
    const seeded = await seedPayoutData(bench.url, { copies, creators: CREATORS, accountIds });
    const unbalanced = await verifyLedger(bench.url);
    log(`[${copies} copies] seeded ${seeded.copyRows} copies, ${seeded.earningRows} creator-period earnings, ${seeded.ledgerEntries} ledger entries`);

    const { db } = database;
    const plainLedger = () => db.execute(sql`select creator_id, sum(amount_cents) from ledger_entries where account = 'creator_available' group by creator_id`);
    const plainCopies = () => db.execute(sql`select creator_id, sum(payout_cents) from copies where is_counted group by creator_id`);
    const compute = () => findPayoutCandidates(db, { minCents: MIN_PAYOUT_CENTS });
    const time = async (run: () => Promise<unknown>) => {
      const started = performance.now();
      await run();
      return performance.now() - started;
    };
    for (const warm of [plainLedger, plainCopies, compute]) await warm();
    const samples = { plainLedger: [] as number[], plainCopies: [] as number[], compute: [] as number[] };
    for (let i = 0; i < REPEAT; i++) {
      samples.compute.push(await time(compute));
      samples.plainLedger.push(await time(plainLedger));
      samples.plainCopies.push(await time(plainCopies));
    }
    const candidates = await compute();
    const eligibleCents = candidates.reduce((total, c) => total + c.availableCents, 0);

    log(`[${copies} copies] running the payouts in a separate process (${candidates.length} creators to pay) …`);
    const asOf = new Date();
    const run = await runPayoutProcess(bench.url, emulatorUrl, asOf);

    const marked = await db.execute(sql`select count(*)::int as n from period_earnings where state = 'paid'`);
    const markedRows = Number((marked as { rows: { n: number }[] }).rows[0]!.n);
    log(`[${copies} copies] reconciling …`);
    const reconcileStarted = performance.now();
    const report = await reconcileLedger(db, { sharePercent: 70, paidCap: 100 }, RECONCILE_CHECKS);
    const reconcileMs = performance.now() - reconcileStarted;
    await database.close();
    return {
      copies,
      seeded,
      unbalanced,
      plainLedgerMs: median(samples.plainLedger),
      plainCopiesMs: median(samples.plainCopies),
      computeMs: median(samples.compute),
      candidates: candidates.length,
      eligibleCents,
      markedRows,
      run,
      reconcile: { isClean: report.isClean, failures: report.failures.slice(0, 5), ms: reconcileMs },
    };
  } finally {
    await bench.drop();
  }
}

async function main() {
  const tps = process.env.BENCH_PGBENCH === '0' ? undefined : await runPgbench(8, 10);
  if (tps !== undefined) log(`pgbench TPC-B, 8 clients: ${tps.toFixed(0)} tps`);
  log(`PostgreSQL ${new URL(SERVER_URL).host}; starting a Stripe emulator in its own process …`);
  const emulator = await startEmulatorProcess();
  try {
    const accountsStarted = performance.now();
    const accountIds = await createAccounts(emulator.url, CREATORS);
    log(`${CREATORS} connected accounts onboarded on the emulator in ${ms(performance.now() - accountsStarted)}`);
    const sizes = [...(SMALL_COPIES > 0 && SMALL_COPIES < COPIES ? [SMALL_COPIES] : []), COPIES];
    const results = [];
    for (const copies of sizes) results.push(await measureSize(copies, emulator.url, accountIds));

    console.log('');
    console.log(
      `Payout benchmark: ${CREATORS} creators (payouts enabled), minimum ${MIN_PAYOUT_CENTS} ¢, ${CONCURRENCY} transfers in flight${tps === undefined ? '' : `; pgbench TPC-B (8 clients) ${tps.toFixed(0)} tps`}`,
    );
    for (const r of results) {
      const ratio = r.computeMs / r.plainLedgerMs;
      console.log('');
      console.log(`${r.copies.toLocaleString('en-US')} counted copies → ${r.seeded.earningRows.toLocaleString('en-US')} creator-period earnings, ${r.seeded.ledgerEntries.toLocaleString('en-US')} ledger entries (unbalanced transactions: ${r.unbalanced})`);
      console.log(`  compute payouts (findPayoutCandidates)      ${ms(r.computeMs).padStart(9)}   ${r.candidates} creators ≥ minimum, ${(r.eligibleCents / 100).toFixed(2)} USD`);
      console.log(`  plain GROUP BY, same ledger rows            ${ms(r.plainLedgerMs).padStart(9)}   ratio ${ratio.toFixed(2)}× (target ≤ 1.5×) ${ratio <= 1.5 ? 'OK' : 'MISSED'}`);
      console.log(`  plain GROUP BY over the counted copies      ${ms(r.plainCopiesMs).padStart(9)}   ratio ${(r.computeMs / r.plainCopiesMs).toFixed(2)}×`);
      console.log(`  payout run (separate process)               ${ms(r.run.totalMs).padStart(9)}   created ${r.run.summary.created}, paid ${r.run.summary.paid} (${(r.run.summary.paid_cents / 100).toFixed(2)} USD), failed ${r.run.summary.failed}, unclear ${r.run.summary.still_processing}`);
      console.log(`  payouts per second, end to end              ${(r.run.summary.paid / (r.run.payMs / 1000)).toFixed(0).padStart(6)}/s   reserve (${r.markedRows.toLocaleString('en-US')} earnings rows marked paid) + transfer + settle, over ${ms(r.run.payMs)}`);
      console.log(`  transfers per second while sending          ${(r.run.summary.paid / (r.run.sendingMs / 1000)).toFixed(0).padStart(6)}/s   claim + transfers.create + settle, ${CONCURRENCY} in flight, p50 transfers.create ${r.run.transferP50Ms.toFixed(1)} ms; waited ${ms(r.run.reserveWaitMs)} on reservations`);
      console.log(`  peak RSS of the payout process              ${r.run.peakRssMb.toFixed(0).padStart(6)} MB`);
      console.log(`  reconcile after the run                     ${ms(r.reconcile.ms).padStart(9)}   ${r.reconcile.isClean ? 'clean' : `NOT clean: ${JSON.stringify(r.reconcile.failures)}`}`);
    }
    if (results.length === 2) {
      const [small, large] = results;
      console.log('');
      console.log(`peak RSS at ${large!.copies.toLocaleString('en-US')} copies / at ${small!.copies.toLocaleString('en-US')}: ${(large!.run.peakRssMb / small!.run.peakRssMb).toFixed(2)}× (${(large!.copies / small!.copies).toFixed(0)}× the copies)`);
    }
  } finally {
    await emulator.stop();
  }
}

await main();
