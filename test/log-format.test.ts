import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readHolder } from '../src/server/db/pglite-lock.js';
import { chooseLogFormat, consoleLog, createLogger, prettyDestination, waitForQuiet } from '../src/server/logger.js';
import { freePort } from './support/processes.js';
import { waitUntil } from './support/wait.js';

// Development logs for a person at a terminal (one pretty line each), JSON for machines (production, CI, a pipe),
// and the addresses and demo logins printed last, once start-up logging has settled.

const root = path.resolve(import.meta.dirname, '..');
const DEVELOPMENT = { logFormat: 'auto', isProduction: false } as const;

describe('which log format', () => {
  it('is pretty only for a terminal outside production and CI, unless LOG_FORMAT says', () => {
    const tty = { isTTY: true };
    const pipe = { isTTY: false };
    expect(chooseLogFormat(DEVELOPMENT, tty, {})).toBe('pretty');
    expect(chooseLogFormat(DEVELOPMENT, pipe, {})).toBe('json');
    expect(chooseLogFormat(DEVELOPMENT, {}, {})).toBe('json');
    expect(chooseLogFormat({ ...DEVELOPMENT, isProduction: true }, tty, {})).toBe('json');
    expect(chooseLogFormat(DEVELOPMENT, tty, { NODE_ENV: 'production' })).toBe('json');
    expect(chooseLogFormat(DEVELOPMENT, tty, { CI: 'true' })).toBe('json');
    expect(chooseLogFormat(DEVELOPMENT, tty, { CI: 'false' })).toBe('pretty');
    expect(chooseLogFormat({ ...DEVELOPMENT, logFormat: 'json' }, tty, {})).toBe('json');
    expect(chooseLogFormat({ logFormat: 'pretty', isProduction: true }, pipe, { CI: '1' })).toBe('pretty');
  });
});

describe('pretty lines', () => {
  it('one line per entry, with the request and the answer, and the same redaction as the JSON', () => {
    const written: string[] = [];
    const logger = createLogger({ logLevel: 'info' }, prettyDestination({ write: (text: string) => written.push(text) }));
    const token = 'secret-token-0123456789';
    logger.info({ req: { method: 'GET', url: '/v1/flows', headers: { authorization: `Bearer ${token}` } } }, 'incoming request');
    logger.info({ res: { statusCode: 200 }, responseTime: 12.4 }, 'request completed');
    logger.info({ event: 'copy.recorded', flow_id: 'f1' }, 'copy recorded');
    logger.error({ err: new Error('boom') }, 'failed');

    expect(written).toHaveLength(4);
    expect(written[0]).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: incoming request GET \/v1\/flows\n$/);
    expect(written.join('')).not.toContain(token);
    expect(written[1]).toMatch(/INFO: request completed → 200 in 12 ms\n$/);
    expect(written[2]).toMatch(/INFO: copy\.recorded: copy recorded \{"flow_id":"f1"\}\n$/);
    expect(written[3]).toMatch(/ERROR: failed/);
    expect(written[3]).toContain('boom');
    expect(written.slice(0, 3).every((line) => !line.startsWith('{') && line.split('\n').length === 2)).toBe(true);
  });

  it('consoleLog writes JSON to a pipe and pretty lines to a terminal, and knows when it last wrote', async () => {
    const pipe = { isTTY: false, text: '', write(text: string) { this.text += text; return true; } };
    const terminal = { isTTY: true, text: '', write(text: string) { this.text += text; return true; } };
    const asJson = consoleLog(DEVELOPMENT, pipe as unknown as NodeJS.WritableStream, {});
    const asPretty = consoleLog(DEVELOPMENT, terminal as unknown as NodeJS.WritableStream, {});
    expect([asJson.format, asPretty.format]).toEqual(['json', 'pretty']);
    createLogger({ logLevel: 'info' }, asJson.destination).info({ event: 'a.b' }, 'hello');
    createLogger({ logLevel: 'info' }, asPretty.destination).info({ event: 'a.b' }, 'hello');
    expect(JSON.parse(pipe.text)).toMatchObject({ level: 30, event: 'a.b', msg: 'hello' });
    expect(terminal.text).toMatch(/INFO.*a\.b: hello/);
    expect(Date.now() - asJson.lastWriteAt()).toBeLessThan(1000);

    // Quiet for 200 ms after the last line: a line 100 ms in restarts the wait.
    let last = Date.now();
    const log = { lastWriteAt: () => last };
    setTimeout(() => (last = Date.now()), 100);
    const started = Date.now();
    await waitForQuiet(log, { quietMs: 200, maxMs: 2000 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    // Never longer than maxMs, even with a line every 50 ms.
    const chatty = setInterval(() => (last = Date.now()), 50);
    const chattyStart = Date.now();
    await waitForQuiet(log, { quietMs: 200, maxMs: 400 });
    clearInterval(chatty);
    expect(Date.now() - chattyStart).toBeLessThan(1000);
  });
});

/** `flowtab start` on its own data directory and ports; `inTerminal`: under util-linux `script`, stdout is a TTY. */
function startFlowtab(env: Record<string, string>, inTerminal: boolean): { child: ChildProcess; output: () => string } {
  const command = [process.execPath, '--import', 'tsx', path.join(root, 'src/server/cli.ts'), 'start'];
  // No inherited CI, NODE_ENV or LOG_FORMAT: the format is chosen from the terminal alone.
  const childEnv = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmpdir(), TERM: 'xterm', ...env };
  const child = inTerminal
    ? spawn('script', ['-qfec', command.map((part) => `'${part}'`).join(' '), '/dev/null'], { cwd: root, env: childEnv, stdio: ['pipe', 'pipe', 'pipe'] })
    : spawn(command[0]!, command.slice(1), { cwd: root, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  return { child, output: () => output };
}

const hasExited = (child: ChildProcess) => child.exitCode !== null || child.signalCode !== null;

/**
 * SIGTERM to the server itself (its pid is in the embedded database's lock file), so that it closes the database
 * cleanly: killing `script` would cut the terminal under it mid-shutdown, and the next start would find the files
 * unclean. Then waits for `child` (the server, or `script` around it) to end.
 */
async function stop(child: ChildProcess, dataDir: string) {
  if (hasExited(child)) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const holder = readHolder(path.join(dataDir, 'pglite'));
  try {
    process.kill(holder?.pid ?? child.pid!, 'SIGTERM');
  } catch {
    child.kill('SIGTERM');
  }
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  await exited;
  clearTimeout(timer);
}

// eslint-disable-next-line no-control-regex -- ANSI escape sequences are what is stripped
const plain = (text: string) => text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r/g, '');

/** The lines of the start banner, from its first line to the last demo login. */
function bannerOf(output: string): { before: string[]; banner: string[] } {
  const lines = plain(output).split('\n');
  const first = lines.findIndex((line) => line.startsWith('Flowtab.Pro is running on'));
  return { before: lines.slice(0, Math.max(0, first)), banner: first < 0 ? [] : lines.slice(first) };
}

describe('flowtab start', () => {
  let dataDir: string;
  const children: ChildProcess[] = [];
  beforeAll(() => {
    dataDir = path.join(mkdtempSync(path.join(tmpdir(), 'flowtab-logs-')), 'data');
  });
  afterAll(async () => {
    for (const child of children) await stop(child, dataDir);
    rmSync(path.dirname(dataDir), { recursive: true, force: true });
  }, 150_000);

  async function run(inTerminal: boolean) {
    const [port, emulatorPort] = [await freePort(), await freePort()];
    const env = { DATA_DIR: dataDir, PORT: String(port), STRIPE_EMULATOR_PORT: String(emulatorPort) };
    const started = startFlowtab(env, inTerminal);
    children.push(started.child);
    await waitUntil(
      () => {
        if (started.child.exitCode !== null) throw new Error(`flowtab start exited: ${started.output()}`);
        return /demo_admin[^\n]*\n/.test(started.output());
      },
      { message: 'the start banner', timeoutMs: 170_000, intervalMs: 250, explain: started.output },
    );
    await stop(started.child, dataDir);
    return { ...bannerOf(started.output()), port, emulatorPort, output: started.output() };
  }

  it.skipIf(!existsSync('/usr/bin/script'))('in a terminal: pretty log lines, then the addresses and the demo logins last', async () => {
    const { before, banner, port, emulatorPort, output } = await run(true);
    const logLines = before.filter((line) => /^\[\d\d:\d\d:\d\d\.\d{3}\] (INFO|WARN)/.test(line));
    expect(logLines.some((line) => line.includes(`Server listening at http://127.0.0.1:${port}`)), output).toBe(true);
    expect(logLines.some((line) => line.includes('jobs.started')), output).toBe(true);
    expect(plain(output)).not.toMatch(/^\{"level"/m);
    expect(banner.join('\n')).toContain(`  App          http://localhost:${port}`);
    expect(banner.join('\n')).toContain(`  API docs     http://localhost:${port}/docs`);
    expect(banner.join('\n')).toContain(`  Mail outbox  http://localhost:${port}/dev/mail`);
    expect(banner.join('\n')).toContain(`  Stripe       http://127.0.0.1:${emulatorPort}`);
    expect(banner).toContain('Demo logins (just created):');
    expect(banner.some((line) => /^ {2}demo_admin +password: flowtab-demo/.test(line))).toBe(true);
    // Nothing logged between the banner's first line and its last login.
    const last = banner.findIndex((line) => line.includes('demo_admin'));
    expect(banner.slice(0, last).filter((line) => /^\[\d\d:\d\d|^\{/.test(line))).toEqual([]);
  }, 240_000);

  it('piped: JSON log lines, and on a restart the logins that are still there', async () => {
    const { before, banner, port, output } = await run(false);
    const logLines = before.filter((line) => line.startsWith('{'));
    expect(logLines.length, output).toBeGreaterThan(0);
    for (const line of logLines) expect(JSON.parse(line)).toMatchObject({ service: 'flowtab', level: expect.any(Number) });
    expect(logLines.some((line) => JSON.parse(line).msg === `Server listening at http://127.0.0.1:${port}`)).toBe(true);
    expect(before.some((line) => /^\[\d\d:\d\d:\d\d/.test(line))).toBe(false);
    expect(banner.join('\n')).toContain(`  App          http://localhost:${port}`);
    // A restart of the terminal test's database, unless that test was skipped (then this run seeded it).
    expect(banner).toContain(existsSync('/usr/bin/script') ? 'Demo logins:' : 'Demo logins (just created):');
    expect(banner.some((line) => /^ {2}maya_research +password: flowtab-demo +creator/.test(line))).toBe(true);
  }, 240_000);
});
