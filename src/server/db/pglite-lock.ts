import { closeSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Who holds an embedded database directory: the process, and the server URL when it serves HTTP. */
export type LockHolder = { pid: number; url?: string };

export class DatabaseInUseError extends Error {
  constructor(
    readonly dir: string,
    readonly holder: LockHolder,
  ) {
    super(
      `The embedded database in ${dir} is in use by process ${holder.pid}${holder.url ? ` (the server at ${holder.url})` : ''}. ` +
        'Two processes must never open one PGlite directory: stop it first, or use DATABASE_URL for several processes.',
    );
  }
}

/**
 * An exclusive lock file next to the PGlite files: a second process gets a clear error instead of a corrupted
 * database. A lock left behind by a process that no longer exists is taken over.
 */
export function lockDirectory(dir: string): { setUrl(url: string): void; release(): void } {
  const file = path.join(dir, 'flowtab.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      closeSync(openSync(file, 'wx'));
      const write = (holder: LockHolder) => writeFileSync(file, JSON.stringify(holder));
      write({ pid: process.pid });
      return {
        setUrl: (url) => write({ pid: process.pid, url }),
        release: () => rmSync(file, { force: true }),
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = readHolder(dir);
      if (holder && isAlive(holder.pid) && holder.pid !== process.pid) throw new DatabaseInUseError(dir, holder);
      rmSync(file, { force: true });
    }
  }
  throw new Error(`could not lock ${dir}`);
}

export function readHolder(dir: string): LockHolder | undefined {
  try {
    return JSON.parse(readFileSync(path.join(dir, 'flowtab.lock'), 'utf8')) as LockHolder;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
