import { spawn } from 'node:child_process';
import path from 'node:path';
import { freePort } from '../../test/support/processes.js';

// The Stripe emulator in a process of its own (as `npm start` runs it), and the connected accounts a payout needs.

const root = path.resolve(import.meta.dirname, '../..');

export async function startEmulatorProcess() {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'stripe-emulator/src/main.ts')], {
    cwd: root,
    env: { ...process.env, STRIPE_EMULATOR_PORT: String(port) },
    stdio: 'ignore',
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (await fetch(`${url}/_emulator/now`).then((r) => r.ok).catch(() => false)) break;
    if (i > 200) throw new Error('the emulator did not start');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { url, pid: child.pid!, stop: () => new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : (child.once('exit', () => resolve()), child.kill('SIGTERM')))) };
}

export async function pool<T>(count: number, concurrency: number, run: (i: number) => Promise<T>): Promise<T[]> {
  const results = new Array<T>(count);
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < count) {
      const i = next++;
      results[i] = await run(i);
    }
  }));
  return results;
}

/** One Express account per creator on the emulator, onboarded (transfers active, payouts enabled). */
export async function createAccounts(emulatorUrl: string, count: number): Promise<string[]> {
  const headers = { authorization: 'Bearer sk_test_bench', 'content-type': 'application/x-www-form-urlencoded' };
  return pool(count, 32, async (i) => {
    const body = new URLSearchParams({ type: 'express', 'capabilities[transfers][requested]': 'true', 'metadata[bench_creator]': String(i) });
    const account = (await (await fetch(`${emulatorUrl}/v1/accounts`, { method: 'POST', headers, body })).json()) as { id: string };
    await fetch(`${emulatorUrl}/_emulator/accounts/${account.id}/onboard`, { method: 'POST' });
    return account.id;
  });
}
