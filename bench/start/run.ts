/**
 * npm run bench:start — `npm start` to `/healthz` 200, cold and warm (SPEC §17: cold ≤ 15 s, warm ≤ 5 s).
 *
 * Runs in a temporary copy of this checkout (its files that git tracks or would track, node_modules linked), so the
 * cold start really is one: no data directory and no dist/web. The developer's ./data and dist/ are never touched.
 * Cold: the first start (PGlite created, migrations, demo seed, web build). Warm: each start after it, same copy.
 *
 * Env: BENCH_WARM_RUNS (default 3), BENCH_KEEP=1 keeps the temporary copy (its path is printed).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../../test/support/processes.js';
import { waitUntil } from '../../test/support/wait.js';

const WARM_RUNS = Number(process.env.BENCH_WARM_RUNS ?? 3);
const COLD_TARGET_S = 15;
const WARM_TARGET_S = 5;
const root = path.resolve(import.meta.dirname, '../..');

/** The checkout's files as git sees them (tracked, or new and not ignored), copied; node_modules linked. */
function copyCheckout(): string {
  const copy = mkdtempSync(path.join(tmpdir(), 'flowtab-bench-start-'));
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8' })
    .split('\0')
    .filter((file) => file && file !== 'node_modules'); // a worktree's node_modules may be a link git does not ignore
  for (const file of files) {
    mkdirSync(path.dirname(path.join(copy, file)), { recursive: true });
    cpSync(path.join(root, file), path.join(copy, file), { preserveTimestamps: true });
  }
  symlinkSync(realpathSync(path.join(root, 'node_modules')), path.join(copy, 'node_modules'));
  return copy;
}

type Started = { seconds: number; child: ChildProcess; output: () => string };

/** `npm start` in the copy, timed until /healthz answers 200. Its own process group, so stopping it stops npm's children. */
async function timeStart(copy: string): Promise<Started> {
  const [port, emulatorPort] = [await freePort(), await freePort()];
  let output = '';
  const startedAt = performance.now();
  const child = spawn('npm', ['start'], {
    cwd: copy,
    detached: true,
    env: { ...process.env, DATA_DIR: path.join(copy, 'data'), PORT: String(port), STRIPE_EMULATOR_PORT: String(emulatorPort), LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  await waitUntil(
    async () => {
      if (child.exitCode !== null) throw new Error(`npm start exited: ${output}`);
      return fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok).catch(() => false);
    },
    { message: '/healthz to answer 200', timeoutMs: 180_000, intervalMs: 50, explain: () => output },
  );
  return { seconds: (performance.now() - startedAt) / 1000, child, output: () => output };
}

async function stop(started: Started): Promise<void> {
  const { child } = started;
  if (child.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  process.kill(-child.pid!, 'SIGTERM');
  await exited;
  // npm exits before its child when signalled: wait for the server to let go of the embedded database's lock.
  await waitUntil(
    () => {
      try {
        process.kill(-child.pid!, 0);
        return false;
      } catch {
        return true;
      }
    },
    { message: 'the server process to exit', timeoutMs: 30_000, intervalMs: 100 },
  );
}

const verdict = (seconds: number, target: number) => `${seconds.toFixed(1).padStart(5)} s   target ≤ ${target} s   ${seconds <= target ? 'met' : 'MISSED'}`;

async function main() {
  const copy = copyCheckout();
  try {
    const cold = await timeStart(copy);
    await stop(cold);
    const warm: number[] = [];
    for (let run = 0; run < WARM_RUNS; run++) {
      const started = await timeStart(copy);
      warm.push(started.seconds);
      await stop(started);
    }
    const sorted = [...warm].sort((a, b) => a - b);
    console.log(`npm start to /healthz 200, in a copy of this checkout (${copy})`);
    console.log(`cold (new data dir, no dist/web)   ${verdict(cold.seconds, COLD_TARGET_S)}`);
    console.log(`warm, median of ${WARM_RUNS}             ${verdict(sorted[Math.floor(sorted.length / 2)]!, WARM_TARGET_S)}`);
    console.log(`warm runs: ${warm.map((s) => s.toFixed(1)).join(', ')} s`);
  } finally {
    if (process.env.BENCH_KEEP !== '1') rmSync(copy, { recursive: true, force: true });
  }
}

await main();
