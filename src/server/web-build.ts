import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import path from 'node:path';

/**
 * Builds the web app (Vite) and its server renderer into dist/web when the build is missing or older than any of its sources:
 * src/web/**, vite.config.ts and package.json. Builds into a fresh folder and swaps it in, so a server
 * serving the old build, or a second process building at the same time, never sees a half-written one.
 */
export async function buildWebIfStale(root: string, log: (message: string) => void): Promise<void> {
  const outDir = path.join(root, 'dist', 'web');
  const sources = [path.join(root, 'src', 'web'), path.join(root, 'vite.config.ts'), path.join(root, 'package.json')];
  const builtAt = modifiedAt(path.join(outDir, 'index.html'));
  const changedAt = Math.max(...sources.map(newestModification));
  if (builtAt !== undefined && builtAt >= changedAt) return;

  log(builtAt === undefined ? 'web app: building (first run)…' : 'web app: sources changed, rebuilding…');
  const startedAt = Date.now();
  const { build } = await import('vite');
  const tempDir = path.join(root, 'dist', `.web-${process.pid}-${randomUUID()}`);
  try {
    const configFile = path.join(root, 'vite.config.ts');
    await asProduction(async () => {
      await build({ configFile, logLevel: 'warn', build: { outDir: tempDir, emptyOutDir: true } });
      // The server renderer of the public pages, beside the files (in a dot folder the server never serves).
      await build({ configFile, logLevel: 'warn', build: { ssr: true, outDir: path.join(tempDir, '.ssr'), emptyOutDir: true } });
    });
    await swapIn(tempDir, outDir);
  } catch (error) {
    await rm(tempDir, { recursive: true, force: true });
    throw error;
  }
  log(`web app: built in ${((Date.now() - startedAt) / 1000).toFixed(1)}s into ${path.relative(root, outDir)}`);
}

/**
 * Vite builds React's production build only when NODE_ENV is production or unset; a process that set it otherwise
 * (vitest sets "test") would get development JSX with production React, which does not run. Set for the build only.
 */
async function asProduction(run: () => Promise<void>): Promise<void> {
  const previous = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await run();
  } finally {
    if (previous === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = previous;
  }
}

async function swapIn(freshDir: string, outDir: string) {
  const oldDir = `${freshDir}-old`;
  if (existsSync(outDir)) await rename(outDir, oldDir).catch(() => undefined);
  try {
    await rename(freshDir, outDir);
  } catch (error) {
    // Another process built at the same moment and swapped its build in first: theirs is as good as ours.
    if (!existsSync(path.join(outDir, 'index.html'))) throw error;
    await rm(freshDir, { recursive: true, force: true });
  }
  await rm(oldDir, { recursive: true, force: true });
}

function modifiedAt(file: string): number | undefined {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}

/** The newest modification time of a file, or of any file under a folder (0 when it does not exist). */
function newestModification(target: string): number {
  let stats;
  try {
    stats = statSync(target);
  } catch {
    return 0;
  }
  if (!stats.isDirectory()) return stats.mtimeMs;
  let newest = stats.mtimeMs;
  for (const entry of readdirSync(target, { withFileTypes: true })) {
    newest = Math.max(newest, newestModification(path.join(target, entry.name)));
  }
  return newest;
}
