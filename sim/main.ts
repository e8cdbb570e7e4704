import { parseArgs } from 'node:util';
import { ECONOMICS, runSimulation } from './harness/run.js';

// `npm run sim -- --runs N --seed S`: the randomized simulation of SPEC §3–§6 against the independent model.
// Exits 1 on a failure, after printing its seed, replay path and the shrunk command sequence.

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '100' },
    seed: { type: 'string' },
    path: { type: 'string' },
    'replay-path': { type: 'string' },
    'max-commands': { type: 'string', default: '30' },
    'sequences-per-world': { type: 'string', default: '150' },
    economics: { type: 'string', description: 'index into ECONOMICS (default: seed mod count)' },
    'shrink-budget': { type: 'string', default: '150' },
    help: { type: 'boolean', default: false },
  },
});

if (values.help) {
  console.log(`npm run sim -- [--runs N] [--seed S] [--path P --replay-path R] [--max-commands N] [--sequences-per-world N] [--economics I] [--shrink-budget N]

Runs N random command sequences (default 100) against one Stripe emulator and one database (PGlite, or the
PostgreSQL server of DATABASE_URL: a database is created and dropped), checking the app against the independent
model in sim/model. A failure prints the seed, the replay path and the shrunk sequence, and exits 1.
Economics variants (--economics): ${ECONOMICS.map((e, i) => `${i}: rate ${e.ratePerCopyCents} ¢, cap ${e.paidCopiesPerPeriod}, share ${e.creatorSharePercent}%, limit ${e.copyLimitPerPeriod}, hold ${e.holdDays} d, min ${e.minPayoutCents} ¢`).join('; ')}`);
  process.exit(0);
}

const seed = values.seed !== undefined ? Number(values.seed) : Math.floor(Math.random() * 2 ** 31);
const runs = Number(values.runs);
const economics = values.economics !== undefined ? ECONOMICS[Number(values.economics)] : undefined;
if (!Number.isInteger(seed) || !Number.isInteger(runs) || runs < 1 || (values.economics !== undefined && !economics)) {
  console.error('--seed and --runs must be integers, --runs ≥ 1, --economics an index of a variant');
  process.exit(2);
}

const started = Date.now();
console.log(`Simulation: ${runs} sequences, seed ${seed}, on ${process.env.DATABASE_URL ? 'PostgreSQL (DATABASE_URL)' : 'PGlite'}`);
const result = await runSimulation({
  runs,
  seed,
  path: values.path,
  replayPath: values['replay-path'],
  maxCommands: Number(values['max-commands']),
  sequencesPerWorld: Number(values['sequences-per-world']),
  economics,
  shrinkBudget: Number(values['shrink-budget']),
  log: (line) => console.log(line),
});
console.log(`What the sequences exercised:\n${result.coverage}`);
console.log(result.report);
console.log(
  `${result.sequences} sequences${result.shrinkRuns ? ` (+${result.shrinkRuns} while shrinking)` : ''}, ${result.restarts} app restarts, ${Math.round((Date.now() - started) / 1000)} s.`,
);
process.exit(result.isOk ? 0 : 1);
