import type { Db } from './db/client.js';
import { findSessionAccount } from './modules/auth/repository.js';
import { type CopyLimits, recordCopyAtomically } from './modules/copies/repository.js';
import { readEarningsOverview } from './modules/creators/repository.js';
import { findFlowByRef, listPublishedFlows } from './modules/flows/repository.js';
import { withdrawalKeyFor } from './modules/payouts/rules.js';

/** An id no row has: the warm-up's statements find nothing and write nothing. */
const NOBODY = '00000000-0000-0000-0000-000000000000';

/**
 * The statements most requests run, once, on a connection opened at start (db.warmUp): the library's newest list and
 * a search, a flow page, the earnings read, the login session's lookup and the copy. Each finds nothing (the copy's
 * session does not exist, so record_copy answers session_ended before anything is written), but its backend has read
 * the catalogs, compiled record_copy's functions and prepared the statements, and this process has run the code that
 * builds them. A new backend's first copy took tens of milliseconds; twenty of them at once, under traffic, made
 * the first seconds after a start wait on each other (bench:soak's first minute).
 */
export async function runHotStatements(db: Db, copyLimits: CopyLimits): Promise<void> {
  const list = { page: 1, page_size: 20 } as const;
  await listPublishedFlows(db, list, { readsEveryBody: false, authorId: undefined });
  await listPublishedFlows(db, { ...list, q: 'warm' }, { readsEveryBody: true, authorId: NOBODY });
  await findFlowByRef(db, 'warm-up', NOBODY);
  await readEarningsOverview(db, NOBODY, withdrawalKeyFor(new Date()));
  await findSessionAccount(db, NOBODY, NOBODY);
  await recordCopyAtomically(db, { sessionId: NOBODY, userId: NOBODY, flowRef: 'warm-up' }, copyLimits);
}
