import type { Db } from '../../db/client.js';
import { type CopyLimits, type CopyRecord, type CopyRequest, recordCopiesAtomically, recordCopyAtomically } from './repository.js';

/**
 * How a process's copies reach the database: one `record_copy` statement each, or gathered into batches that
 * `record_copies` records in one statement (group commit, SPEC §17). Either way each copy gets its own outcome.
 */
export type CopyRecorder = {
  /** What every copy is recorded under; responses count paid copies left with the same economics. */
  readonly limits: CopyLimits;
  record(copy: CopyRequest): Promise<CopyRecord>;
  /** Statements sent so far by how many copies each carried (index 1 = alone), and batches that fell back to one copy each. */
  stats(): { batchesBySize: readonly number[]; fallbacks: number };
  /** Records the copies still waiting; copies after this are recorded one by one. */
  close(): Promise<void>;
};

/** One statement per copy: for PGlite, a transaction of the caller's (the seed), and COPY_BATCH_WINDOW_MS=0. */
export function createCopyRecorder(db: Db, limits: CopyLimits): CopyRecorder {
  let copies = 0;
  return {
    limits,
    async record(copy) {
      copies++;
      return recordCopyAtomically(db, copy, limits);
    },
    stats: () => ({ batchesBySize: [0, copies], fallbacks: 0 }),
    close: async () => {},
  };
}

/** The most copies in one statement; a batch this full is sent without waiting for the window to end. */
export const COPY_BATCH_MAX = 64;

type Waiting = { copy: CopyRequest; resolve: (record: CopyRecord) => void; reject: (error: unknown) => void };

/**
 * Copies arriving within `windowMs` of the first waiting one (or until COPY_BATCH_MAX wait) go to the database
 * together: one statement, one transaction, one WAL flush for all of them, on one pooled connection. Batches are
 * independent: several may be in flight at once, and `record_copies` takes its locks in a fixed order so they never
 * deadlock. A batch that fails for any reason (one copy's error, a lost connection) is recorded again copy by copy,
 * each in its own statement, so only the copy at fault fails; a member's copies keep their order there too.
 */
export function createCopyBatcher(db: Db, limits: CopyLimits, options: { windowMs: number }): CopyRecorder {
  let waiting: Waiting[] = [];
  let timer: NodeJS.Timeout | undefined;
  let isClosed = false;
  const inFlight = new Set<Promise<void>>();
  const batchesBySize: number[] = [0];
  let fallbacks = 0;

  function count(batchSize: number) {
    batchesBySize[batchSize] = (batchesBySize[batchSize] ?? 0) + 1;
  }

  function recordAlone(copy: CopyRequest) {
    count(1);
    return recordCopyAtomically(db, copy, limits);
  }

  function send() {
    clearTimeout(timer);
    timer = undefined;
    const batch = waiting;
    waiting = [];
    if (batch.length === 0) return;
    count(batch.length);
    const done = recordBatch(batch).finally(() => inFlight.delete(done));
    inFlight.add(done);
  }

  async function recordBatch(batch: Waiting[]) {
    let records: CopyRecord[];
    try {
      records = await recordCopiesAtomically(db, batch.map((entry) => entry.copy), limits);
    } catch {
      fallbacks++;
      await recordOneByOne(batch);
      return;
    }
    batch.forEach((entry, index) => entry.resolve(records[index]!));
  }

  /** Members in parallel, each member's copies in the order they came (as the batch would have taken them). */
  async function recordOneByOne(batch: Waiting[]) {
    const byMember = new Map<string, Waiting[]>();
    for (const entry of batch) byMember.set(entry.copy.userId, [...(byMember.get(entry.copy.userId) ?? []), entry]);
    await Promise.all(
      [...byMember.values()].map(async (entries) => {
        for (const entry of entries) await recordAlone(entry.copy).then(entry.resolve, entry.reject);
      }),
    );
  }

  return {
    limits,
    record(copy) {
      if (isClosed) return recordAlone(copy);
      return new Promise<CopyRecord>((resolve, reject) => {
        waiting.push({ copy, resolve, reject });
        if (waiting.length >= COPY_BATCH_MAX) send();
        else timer ??= setTimeout(send, options.windowMs);
      });
    },
    stats: () => ({ batchesBySize: Array.from(batchesBySize, (batches) => batches ?? 0), fallbacks }),
    async close() {
      isClosed = true;
      send();
      await Promise.all(inFlight);
    },
  };
}
