import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../src/server/db/client.js';
import { users } from '../src/server/db/schema.js';
import { createTestApp } from './support/app.js';
import { createTestDatabase } from './support/database.js';

/** `flowtab admin create` (SPEC §13): the password comes from FLOWTAB_ADMIN_PASSWORD or a prompt, never argv, and follows the rule. */
const root = path.resolve(import.meta.dirname, '..');

async function runAdminCreate(args: string[], env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'src/server/cli.ts'), 'admin', 'create', ...args], {
    cwd: root,
    // No terminal on stdin: the command cannot prompt.
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmpdir(), LOG_LEVEL: 'silent', JWT_SECRET: 'test-secret-test-secret-test-secret-0123', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  clearTimeout(timer);
  return { code, output };
}

describe('flowtab admin create', () => {
  let scratch: string;
  let dataDir: string;
  /** On PostgreSQL (DATABASE_URL set): a database of this test's own; else the command's embedded PGlite in dataDir. */
  let database: (Database & { url: string | undefined }) | undefined;
  const target = (): Record<string, string> => (database?.url ? { DATABASE_URL: database.url } : { DATA_DIR: dataDir });

  beforeAll(async () => {
    scratch = mkdtempSync(path.join(tmpdir(), 'flowtab-admin-'));
    dataDir = path.join(scratch, 'data');
    if (process.env.DATABASE_URL) database = await createTestDatabase();
  });
  afterAll(async () => {
    await database?.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('refuses --password (it would sit in shell history and ps) before touching anything', async () => {
    const result = await runAdminCreate(['--email', 'root@example.com', '--username', 'root', '--password', 'a secret admin password'], target());
    expect(result.code, result.output).toBe(1);
    expect(result.output).toContain('--password is not accepted');
    expect(result.output).toContain('FLOWTAB_ADMIN_PASSWORD');
    expect(result.output).not.toContain('a secret admin password');
    expect(existsSync(dataDir)).toBe(false);
    const inline = await runAdminCreate(['--email', 'root@example.com', '--username', 'root', '--password=a secret admin password'], target());
    expect(inline.code).toBe(1);
    expect(inline.output).not.toContain('a secret admin password');
  });

  it('without FLOWTAB_ADMIN_PASSWORD and without a terminal to prompt in, says how to give one', async () => {
    const result = await runAdminCreate(['--email', 'root@example.com', '--username', 'root'], target());
    expect(result.code, result.output).toBe(1);
    expect(result.output).toMatch(/No password: set FLOWTAB_ADMIN_PASSWORD/);
  });

  it.each([
    ['short1234', /must be at least 10 characters/],
    ['root_admin', /must not be your username/],
    ['ROOT@example.com', /must not be your email address/],
  ])('refuses the weak password %s with the rule, creating nobody', async (password, rule) => {
    const result = await runAdminCreate(['--email', 'root@example.com', '--username', 'root_admin'], { ...target(), FLOWTAB_ADMIN_PASSWORD: password });
    expect(result.code, result.output).toBe(1);
    expect(result.output).toMatch(rule);
    expect(existsSync(dataDir)).toBe(false);
  });

  it('creates a verified admin with the password from FLOWTAB_ADMIN_PASSWORD, who can log in', async () => {
    const result = await runAdminCreate(['--email', 'root@example.com', '--username', 'root_admin'], { ...target(), FLOWTAB_ADMIN_PASSWORD: 'a long admin password' });
    expect(result.code, result.output).toBe(0);
    expect(result.output).toMatch(/Admin root_admin \(.+\) created\./);
    const db = database ?? (await openDatabase({ dataDir }));
    const t = await createTestApp({}, { database: db });
    try {
      const [admin] = await t.database.db.select().from(users).where(eq(users.username, 'root_admin'));
      expect(admin).toMatchObject({ role: 'admin', email: 'root@example.com' });
      expect(admin!.emailVerifiedAt).toBeInstanceOf(Date);
      const login = await t.request({ method: 'POST', url: '/v1/auth/token', payload: { login: 'root_admin', password: 'a long admin password' } });
      expect(login.status).toBe(200);
    } finally {
      // The app closes the database it was given; the PostgreSQL one is dropped by afterAll.
      if (database) await t.app.close();
      else await t.close();
    }
  });
});
