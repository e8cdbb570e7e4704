import { expect, it } from 'vitest';
import { runSimulation } from '../sim/harness/run.js';

// A bounded run of the randomized simulation (`npm run sim` runs as many as you like): random sequences of members,
// creators, Stripe and infrastructure commands, each checked against the independent model in sim/model and by
// `flowtab reconcile`. The seed is fixed so a failure here reproduces; SIM_SEED / SIM_RUNS change it.

const seed = Number(process.env.SIM_SEED ?? 20261202);
const runs = Number(process.env.SIM_RUNS ?? 8);

it(
  `the simulation agrees with the independent model (${runs} sequences, seed ${seed})`,
  async () => {
    const log: string[] = [];
    const result = await runSimulation({
      runs,
      seed,
      maxCommands: 25,
      sequencesPerWorld: runs,
      shrinkBudget: 30,
      // Well under the suite's budget on a busy machine: past it, no new sequence starts.
      timeLimitMs: Number(process.env.SIM_TIME_LIMIT_MS ?? 75_000),
      log: (line) => log.push(line),
    });
    console.info(`simulation: ${result.sequences} of ${runs} sequences ran (seed ${seed}), ${result.restarts} app restarts`);
    expect(result.isOk, `${result.report}\n${log.join('\n')}`).toBe(true);
    expect(result.sequences).toBeGreaterThan(0);
  },
  240_000,
);
