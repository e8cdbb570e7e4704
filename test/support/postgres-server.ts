import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './processes.js';

const run = promisify(execFile);

/** The newest PostgreSQL server binaries installed the Debian way, or undefined when there are none. */
export function findPostgresBin(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((version) => existsSync(path.join(root, version, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? path.join(root, versions[0], 'bin') : undefined;
}

/** A PostgreSQL server of the test's own, in a temporary directory, that the test may stop and start at will. */
export type PostgresServer = {
  /** postgres://postgres@127.0.0.1:<port>/postgres (trust authentication, TCP on 127.0.0.1 only). */
  url: string;
  /** `pg_ctl stop -m fast`: sessions are terminated (57P01), new connections are refused. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops it if running and deletes its directory. */
  destroy(): Promise<void>;
};

/**
 * initdb + pg_ctl start on a free port. PostgreSQL refuses to run as root, so as root every command runs as the
 * `postgres` user (`runuser`), which then owns the directory; otherwise as the current user.
 */
export async function startPostgresServer(bin: string): Promise<PostgresServer> {
  const dir = mkdtempSync(path.join(tmpdir(), 'flowtab-pg-'));
  const isRoot = process.getuid?.() === 0;
  if (isRoot) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    chownSync(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  const pgCommand = (tool: string, args: string[]) =>
    isRoot ? run('runuser', ['-u', 'postgres', '--', path.join(bin, tool), ...args]) : run(path.join(bin, tool), args);
  const dataDir = path.join(dir, 'data');
  const logFile = path.join(dir, 'server.log');
  const port = await freePort();
  await pgCommand('initdb', ['-D', dataDir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-sync']);
  const options = `-k ${dir} -p ${port} -c listen_addresses=127.0.0.1`;
  const withLog = async (step: Promise<unknown>, what: string) => {
    try {
      await step;
    } catch (error) {
      const log = existsSync(logFile) ? readFileSync(logFile, 'utf8').slice(-2000) : '(no log)';
      throw new Error(`${what} failed: ${(error as Error).message}\n${log}`, { cause: error });
    }
  };
  const start = () => withLog(pgCommand('pg_ctl', ['start', '-w', '-t', '30', '-D', dataDir, '-l', logFile, '-o', options]), 'pg_ctl start');
  const stopWith = (mode: 'fast' | 'immediate') => withLog(pgCommand('pg_ctl', ['stop', '-w', '-t', '30', '-m', mode, '-D', dataDir]), 'pg_ctl stop');
  await start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    start,
    stop: () => stopWith('fast'),
    async destroy() {
      await stopWith('immediate').catch(() => {}); // already stopped is fine
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
