import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from './processes.js';
import { waitUntil } from './wait.js';

/** Debian's PgBouncer (package `pgbouncer`; .ci/run installs it). */
export const PGBOUNCER_BIN = '/usr/sbin/pgbouncer';

export const hasPgBouncer = () => existsSync(PGBOUNCER_BIN);

export type PgBouncer = {
  /** `url` (a database on the server behind the bouncer) with its host and port replaced by the bouncer's. */
  through(url: string): string;
  stop(): Promise<void>;
};

/**
 * PgBouncer in transaction mode on a free port of 127.0.0.1, in front of the PostgreSQL server of `serverUrl` (every
 * database, trust authentication as the server has), at most `poolSize` server connections per database. PgBouncer
 * refuses to run as root, so as root it runs as the `postgres` user, which then owns its directory.
 */
export async function startPgBouncer(serverUrl: string, options: { poolSize: number }): Promise<PgBouncer> {
  const server = new URL(serverUrl);
  const user = decodeURIComponent(server.username) || 'postgres';
  const port = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), 'flowtab-pgbouncer-'));
  const ini = path.join(dir, 'pgbouncer.ini');
  writeFileSync(path.join(dir, 'userlist.txt'), `"${user}" ""\n`);
  writeFileSync(
    ini,
    [
      '[databases]',
      `* = host=${server.hostname} port=${server.port || 5432}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      'auth_type = trust',
      `auth_file = ${path.join(dir, 'userlist.txt')}`,
      'pool_mode = transaction',
      `default_pool_size = ${options.poolSize}`,
      'max_client_conn = 1000',
      '',
    ].join('\n'),
  );
  const isRoot = process.getuid?.() === 0;
  if (isRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    for (const file of [dir, ini, path.join(dir, 'userlist.txt')]) chownSync(file, uid, gid);
  }
  let output = '';
  const child: ChildProcess = spawn(PGBOUNCER_BIN, [...(isRoot ? ['-u', 'postgres'] : []), ini], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      });
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitUntil(
      () => {
        if (child.exitCode !== null) throw new Error(`pgbouncer exited: ${output}`);
        return isListening(port);
      },
      { message: `pgbouncer to listen on 127.0.0.1:${port}`, timeoutMs: 10_000, explain: () => output },
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    through(url) {
      const parsed = new URL(url);
      parsed.hostname = '127.0.0.1';
      parsed.port = String(port);
      return parsed.toString();
    },
    stop,
  };
}

function isListening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.end();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
