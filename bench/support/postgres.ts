import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const SERVER_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** A fresh database on the benchmark's PostgreSQL server, dropped by `drop()`. */
export async function createBenchDatabase(prefix: string) {
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  await admin(`create database ${name}`);
  const url = new URL(SERVER_URL);
  url.pathname = `/${name}`;
  return { name, url: url.toString(), drop: () => admin(`drop database if exists ${name} with (force)`) };
}

async function admin(statement: string) {
  const client = new pg.Client({ connectionString: SERVER_URL });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/** pgbench TPC-B on the same server, same client count: the yardstick the copy endpoint is measured against. */
export async function runPgbench(clients: number, seconds: number): Promise<number> {
  const db = await createBenchDatabase('flowtab_pgbench');
  const url = new URL(db.url);
  const args = ['-h', url.hostname, '-p', url.port || '5432', '-U', url.username || 'postgres'];
  try {
    execFileSync('pgbench', [...args, '-i', '-q', '-s', '10', db.name], { stdio: 'pipe' });
    const output = execFileSync('pgbench', [...args, '-c', String(clients), '-j', '2', '-T', String(seconds), db.name], { encoding: 'utf8' });
    const match = /tps = ([\d.]+)/.exec(output);
    if (!match) throw new Error(`pgbench printed no tps:\n${output}`);
    return Number(match[1]);
  } finally {
    await db.drop();
  }
}
