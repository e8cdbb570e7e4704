import fc from 'fast-check';
import { Model } from '../model/model.js';
import type { Economics } from '../model/types.js';
import { compareWithModel } from './checks.js';
import { Mismatch, simulationSequences } from './commands.js';
import { isProfiling, profileReport, timed } from './profile.js';
import { Sequence } from './sequence.js';
import { World } from './world.js';

// Runs the simulation: many sequences of commands (fast-check), each on fresh people in a shared world (one emulator,
// one database, the app), each checked against the independent model at every immediate answer and at its end.

/** Small economics so that caps, pools, minimums and the hold are all reached within a few months. */
export const ECONOMICS: Economics[] = [
  // The cap binds at full price (4 × 150 = 600 ≤ 700); coupons and goodwill credits make the pool bind first.
  { priceCents: 1000, ratePerCopyCents: 150, paidCopiesPerPeriod: 4, creatorSharePercent: 70, copyLimitPerPeriod: 6, holdDays: 14, minPayoutCents: 500 },
  // The pool binds at full price (the 4th copy would make 800 > 700).
  { priceCents: 1000, ratePerCopyCents: 200, paidCopiesPerPeriod: 5, creatorSharePercent: 70, copyLimitPerPeriod: 6, holdDays: 10, minPayoutCents: 700 },
  // Odd numbers: proportional reversals and pools that do not divide evenly.
  { priceCents: 1000, ratePerCopyCents: 233, paidCopiesPerPeriod: 3, creatorSharePercent: 67, copyLimitPerPeriod: 5, holdDays: 7, minPayoutCents: 300 },
];

export type SimulationOptions = {
  runs: number;
  seed: number;
  /** fast-check's replay path of a failure (with its seed), to run exactly that counterexample. */
  path?: string;
  /** The commands' own replay path (which ran), printed with a failure; needed with `path`. */
  replayPath?: string;
  maxCommands: number;
  /** A new world (emulator, database, app) every this many sequences, so none grows without bound. */
  sequencesPerWorld: number;
  economics?: Economics;
  /** Property runs allowed for shrinking a failure. */
  shrinkBudget: number;
  /** No new sequence starts after this long (the ones not run pass without running). */
  timeLimitMs?: number;
  log: (line: string) => void;
};

export type SimulationResult = {
  isOk: boolean;
  seed: number;
  economics: Economics;
  /** Sequences generated and run (numRuns reached, or up to the failing one). */
  sequences: number;
  /** Sequences run while shrinking a failure. */
  shrinkRuns: number;
  restarts: number;
  report: string;
  /** What the passing sequences exercised, summed. */
  coverage: string;
};

export async function runSimulation(options: SimulationOptions): Promise<SimulationResult> {
  const economics = options.economics ?? ECONOMICS[Math.abs(options.seed) % ECONOMICS.length]!;
  let world: World | undefined;
  let worldSequences = 0;
  let restarts = 0;
  let sequences = 0;
  let shrinkRuns = 0;
  let hasFailed = false;
  const started = Date.now();
  const coverage = new Map<string, number>();

  const currentWorld = async () => {
    if (world && worldSequences >= options.sequencesPerWorld) {
      restarts += world.restarts;
      await world.close();
      world = undefined;
    }
    if (!world) {
      world = await World.start(economics);
      worldSequences = 0;
    }
    worldSequences++;
    return world;
  };

  /** One sequence: the commands, then the full comparison. Throws a readable error on any disagreement. */
  const runSequence = async (commands: Iterable<fc.AsyncCommand<Model, Sequence>>) => {
    for (const command of commands) unwrap(command).reset?.();
    const model = new Model(economics);
    const seq = new Sequence(await currentWorld(), model);
    try {
      try {
        await fc.asyncModelRun(() => ({ model, real: seq }), commands);
      } catch (error) {
        throw withModelState(error, model);
      }
      const differences = await timed('final comparison', () => compareWithModel(seq));
      if (!hasFailed) for (const [what, count] of [...model.finalStats(), ...seq.stats]) coverage.set(what, (coverage.get(what) ?? 0) + count);
      if (differences.length) throw withModelState(new Mismatch(`after the sequence, the app and the model disagree:\n    ${differences.join('\n    ')}`), model);
    } finally {
      await timed('cleanup', () => seq.cleanup()).catch((error) => options.log(`  (cleanup failed: ${error instanceof Error ? error.message : String(error)})`));
    }
  };

  const property = fc.asyncProperty(simulationSequences({ maxCommands: options.maxCommands, replayPath: options.replayPath }), async ({ people, commands: random, epilogue }) => {
    const commands = [...people, ...random, ...epilogue];
    if (hasFailed) {
      // Shrinking: within budget, run; past it, pass at once so fast-check stops with the smallest failure so far.
      if (++shrinkRuns > options.shrinkBudget) return;
    } else {
      if (options.timeLimitMs !== undefined && Date.now() - started > options.timeLimitMs) return;
      sequences++;
      if (sequences % 25 === 0) options.log(`  ${sequences} sequences, ${Math.round((Date.now() - started) / 1000)} s`);
    }
    const sequenceStarted = Date.now();
    try {
      await runSequence(commands);
      if (process.env.SIM_TRACE) options.log(`  sequence ${sequences}: ${Date.now() - sequenceStarted} ms\n${[...commands].map((c) => `      ${String(c)}`).join('\n')}`);
    } catch (error) {
      // What failed and the commands, at once: a shrink cut short (a time limit, a killed run) must not lose them.
      if (!hasFailed) {
        const message = error instanceof Error ? error.message : String(error);
        options.log(`  sequence ${sequences} failed: ${message.split('\n').slice(0, 12).join('\n    ')}`);
        options.log(`  its commands:\n${[...commands].map((c) => `      ${String(c)}`).join('\n')}`);
        options.log(`  shrinking (at most ${options.shrinkBudget} runs)…`);
      }
      hasFailed = true;
      throw error;
    }
  });

  const details = await fc.check(property, {
    numRuns: options.runs,
    seed: options.seed,
    path: options.path,
    endOnFailure: options.path !== undefined,
  });

  let report: string;
  if (!details.failed) {
    report = `Simulation passed: ${sequences} sequences (seed ${options.seed}, economics ${JSON.stringify(economics)}).`;
  } else {
    type Shown = fc.AsyncCommand<Model, Sequence>;
    // fast-check's commands print as their replay path (`replayPath="…"`), which is read back below.
    type Commands = Iterable<{ cmd?: Shown }> & { toString(): string };
    const counterexample = details.counterexample?.[0] as { people: Shown[]; commands: Commands; epilogue: Shown[] } | undefined;
    const replayPath = /replayPath="([^"]*)"/.exec(String(counterexample?.commands ?? ''))?.[1] ?? '';
    const commands = [
      ...(counterexample?.people ?? []),
      ...[...(counterexample?.commands ?? [])].map((w) => (w.cmd ?? w) as Shown),
      ...(counterexample?.epilogue ?? []),
    ];
    // Replay the shrunk sequence once more: its commands then describe this very run, and we learn whether it reproduces.
    let replayError: unknown;
    try {
      await runSequence(commands);
    } catch (error) {
      replayError = error;
    }
    // Commands after the failing one never ran: leave them out.
    let last = commands.length - 1;
    while (last >= 0 && !unwrap(commands[last]!).hasRun) last--;
    const lines = commands.slice(0, last + 1).map((command, i) => `  ${String(i + 1).padStart(2)}. ${String(command)}`);
    if (last + 1 < commands.length) lines.push(`      (${commands.length - last - 1} more commands, not reached)`);
    const error = replayError ?? details.errorInstance;
    report = [
      `Simulation FAILED (seed ${details.seed}, path ${details.counterexamplePath}, after ${sequences} sequences and ${shrinkRuns} shrinking runs).`,
      `Economics: ${JSON.stringify(economics)}`,
      '',
      'Shrunk command sequence:',
      ...lines,
      '',
      replayError ? 'Replayed: it fails again with' : 'Replayed: it did NOT fail again (timing-dependent?); the original failure was',
      indent(error instanceof Error ? `${error.message}` : String(error)),
      '',
      `Replay it: npm run sim -- --seed ${details.seed} --path "${details.counterexamplePath}" --replay-path "${replayPath}"${
        options.economics ? ` --economics ${ECONOMICS.indexOf(options.economics)}` : ''
      } --max-commands ${options.maxCommands}`,
    ].join('\n');
  }
  if (world) {
    restarts += world.restarts;
    await world.close();
  }
  if (isProfiling) options.log(`Where the time went:\n${profileReport()}`);
  const coverageReport = [...coverage].sort((a, b) => a[0].localeCompare(b[0])).map(([what, count]) => `  ${what.padEnd(58)} ${count}`).join('\n');
  return { isOk: !details.failed, seed: options.seed, economics, sequences, shrinkRuns, restarts, report, coverage: coverageReport };
}

type Resettable = { reset?: () => void; hasRun?: boolean };
const unwrap = (command: unknown): Resettable => ((command as { cmd?: unknown }).cmd ?? command) as Resettable;

function withModelState(error: unknown, model: Model): Error {
  const periods = [...model.periods.values()].map((p) => `    ${model.describePeriod(p)}`);
  const balances = [...model.people.keys()].filter((n) => model.isCreator(n)).map((n) => `    ${n}: ${JSON.stringify(model.balances(n))}`);
  const message = error instanceof Error ? error.message : String(error);
  const view = model.describeView().map((line) => `    ${line}`);
  const wrapped = new Error(
    `${message}\n  model periods:\n${periods.join('\n') || '    (none)'}\n  model balances:\n${balances.join('\n') || '    (none)'}\n  Stripe, as last read:\n${view.join('\n') || '    (nothing)'}`,
  );
  wrapped.name = error instanceof Error ? error.name : 'Error';
  return wrapped;
}

const indent = (text: string) =>
  text
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
