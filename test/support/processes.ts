import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { TEST_ENV } from './app.js';
import { waitUntil } from './wait.js';

const root = path.resolve(import.meta.dirname, '../..');

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export type ServerProcess = { url: string; child: ChildProcess; stop(): Promise<void> };

/** `flowtab <command>` in its own process, sharing the tests' JWT secret; `output` is what it printed so far. */
function spawnFlowtab(command: string, env: Record<string, string>) {
  const state = { output: '' };
  // Through the `flowtab` command itself, as deployed: its first line sets Node's flags (bin/flowtab.js).
  const child = spawn(path.join(root, 'bin/flowtab.js'), [command], {
    cwd: root,
    env: { ...process.env, ...TEST_ENV, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (chunk) => (state.output += chunk));
  child.stderr.on('data', (chunk) => (state.output += chunk));
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  return { child, state, stop };
}

/** `flowtab serve` in its own process, on the given database, sharing the tests' JWT secret. */
export async function startServerProcess(env: Record<string, string>): Promise<ServerProcess> {
  const port = await freePort();
  const { child, state, stop } = spawnFlowtab('serve', { PORT: String(port), ...env });
  const url = `http://127.0.0.1:${port}`;
  await waitUntil(
    async () => {
      if (child.exitCode !== null) throw new Error(`server process exited: ${state.output}`);
      return fetch(`${url}/readyz`).then((r) => r.ok).catch(() => false);
    },
    { message: `the server process to be ready at ${url}/readyz`, timeoutMs: 60_000, intervalMs: 200, explain: () => state.output },
  );
  return { url, child, stop };
}

export type WorkerProcess = { child: ChildProcess; output(): string; stop(): Promise<void> };

/** `flowtab worker` in its own process, once it has started its jobs. */
export async function startWorkerProcess(env: Record<string, string>): Promise<WorkerProcess> {
  const { child, state, stop } = spawnFlowtab('worker', env);
  await waitUntil(
    () => {
      if (child.exitCode !== null) throw new Error(`worker process exited: ${state.output}`);
      return state.output.includes('worker running');
    },
    { message: 'the worker process to start', timeoutMs: 60_000, intervalMs: 200, explain: () => state.output },
  );
  return { child, output: () => state.output, stop };
}

