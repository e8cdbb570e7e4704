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

/** `flowtab serve` in its own process, on the given database, sharing the tests' JWT secret. */
export async function startServerProcess(env: Record<string, string>): Promise<ServerProcess> {
  const port = await freePort();
  let output = '';
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'src/server/cli.ts'), 'serve'], {
    cwd: root,
    env: { ...process.env, ...TEST_ENV, LOG_LEVEL: 'warn', PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const url = `http://127.0.0.1:${port}`;
  await waitUntil(
    async () => {
      if (child.exitCode !== null) throw new Error(`server process exited: ${output}`);
      return fetch(`${url}/readyz`).then((r) => r.ok).catch(() => false);
    },
    { message: `the server process to be ready at ${url}/readyz`, timeoutMs: 60_000, intervalMs: 200, explain: () => output },
  );
  return {
    url,
    child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

export type WorkerProcess = { child: ChildProcess; output(): string; stop(): Promise<void> };

/** `flowtab worker` in its own process, on the given database; ready once it says it runs. */
export async function startWorkerProcess(env: Record<string, string>): Promise<WorkerProcess> {
  let output = '';
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'src/server/cli.ts'), 'worker'], {
    cwd: root,
    env: { ...process.env, ...TEST_ENV, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  await waitUntil(
    () => {
      if (child.exitCode !== null) throw new Error(`worker process exited: ${output}`);
      return output.includes('worker running');
    },
    { message: 'the worker process to start', timeoutMs: 60_000, intervalMs: 100, explain: () => output },
  );
  return {
    child,
    output: () => output,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
