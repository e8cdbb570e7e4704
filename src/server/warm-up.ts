import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { type Db, inTransaction } from './db/client.js';
import { flows, sessions, subscriptions, users } from './db/schema.js';
import { findSessionAccount } from './modules/auth/repository.js';
import { type CopyLimits, type CopyRecord, recordCopiesAtomically } from './modules/copies/repository.js';
import { readEarningsOverview } from './modules/creators/repository.js';
import { findFlowByRef, listPublishedFlows } from './modules/flows/repository.js';
import { withdrawalKeyFor } from './modules/payouts/rules.js';

/** An id no row has: the warm-up's statements find nothing and write nothing. */
const NOBODY = '00000000-0000-0000-0000-000000000000';

/**
 * The statements most requests run, once, on a connection opened at start (db.warmUp): the library's newest and
 * popular lists and a search (as a guest and as a subscriber), a flow page, the earnings read, the login session's
 * lookup and a paid copy. The reads find nothing; the copy is made and rolled back (copyAndRollBack). Each backend has
 * then read the catalogs, compiled record_copy's functions and planned their statements, and this process has run the
 * code that builds them. A new backend's first copy took tens of milliseconds (43-63 ms on the 2026-12-03 bench
 * database); twenty of them at once, under traffic, made the first seconds after a start wait on each other
 * (bench:soak's first minute).
 */
export async function runHotStatements(db: Db, copyLimits: CopyLimits): Promise<void> {
  const list = { page: 1, page_size: 20 } as const;
  const guest = { readsEveryBody: false, authorId: undefined };
  await listPublishedFlows(db, list, guest);
  await listPublishedFlows(db, { ...list, sort: 'popular' }, guest);
  await listPublishedFlows(db, { ...list, q: 'warm' }, guest);
  await listPublishedFlows(db, { ...list, q: 'warm' }, { readsEveryBody: true, authorId: NOBODY });
  await findFlowByRef(db, 'warm-up', NOBODY);
  await readEarningsOverview(db, NOBODY, withdrawalKeyFor(new Date()));
  await findSessionAccount(db, NOBODY, NOBODY);
  await copyAndRollBack(db, copyLimits);
}

/** Thrown to end the warm-up copy's transaction: inTransaction rolls back on any throw. */
const ROLL_BACK = new Error('the warm-up copy is rolled back');
const DAY_MS = 86_400_000;

/**
 * A paid copy all the way through record_copies, the way a batch records it (the period made, the creator credited,
 * the ledger posted, the counter moved) by a subscriber and of a flow made for it in the same transaction, which is
 * then rolled back: nothing of it stays, and the rows it touched were its own, so it waits on no one. Returns the
 * copy's record as it was before the rollback (the warm-up test checks that it went all the way: 'recorded', counted).
 * A copy stopped at its first check (an unknown session) left the rest of record_subscriber_copy unplanned: the first
 * real copy on that connection then took 8-16 ms instead of about 3.
 */
export async function copyAndRollBack(db: Db, copyLimits: CopyLimits): Promise<CopyRecord> {
  const mark = `warm-up-${randomBytes(6).toString('hex')}`;
  let record: CopyRecord | undefined;
  await inTransaction(db, async (tx) => {
    const member = (role: string) => ({ email: `${mark}-${role}@warm-up.invalid`, username: `${mark}-${role}`, passwordHash: '!' });
    const [author, subscriber] = await tx.insert(users).values([member('author'), member('subscriber')]).returning({ id: users.id });
    const [session] = await tx
      .insert(sessions)
      .values({ userId: subscriber!.id, expiresAt: new Date(Date.now() + 60_000) })
      .returning({ id: sessions.id });
    const [flow] = await tx
      .insert(flows)
      .values({ slug: mark, title: mark, summary: mark, body: mark, authorId: author!.id, publishedAt: new Date() })
      .returning({ id: flows.id });
    const now = Date.now();
    await tx.insert(subscriptions).values({
      id: `sub_${mark}`,
      userId: subscriber!.id,
      customerId: `cus_${mark}`,
      status: 'active',
      currentPeriodStart: new Date(now - DAY_MS),
      currentPeriodEnd: new Date(now + 29 * DAY_MS),
      planAmountCents: 1000,
    });
    [record] = await recordCopiesAtomically(tx, [{ sessionId: session!.id, userId: subscriber!.id, flowRef: flow!.id }], copyLimits);
    throw ROLL_BACK;
  }).catch((error: unknown) => {
    if (error !== ROLL_BACK) throw error;
  });
  return record!;
}

/** How many times runHotRequests makes each of its requests. */
const HOT_REQUEST_ROUNDS = 25;

/**
 * The library's most frequent requests, made to the app in-process (Fastify's inject, marked as the server's own: no
 * rate limit counts them and no request log line is written; /metrics counts them under their routes) before `flowtab
 * serve` listens: newest, a second page, popular, a search and the first listed flow's page. runHotStatements ran
 * their statements; this runs the code around them — routing, hooks, the viewer, building and mapping the statements,
 * the response serializers — which Node compiles on first use. Without it, the first second of bench:soak's 150 req/s
 * had both API processes at twice their steady CPU and requests waiting up to 1.5 s (minute 1's p99 352 ms; 23 ms with
 * it). Development (`flowtab start`) skips it, as it only lengthens the start.
 */
export async function runHotRequests(app: FastifyInstance, headers: Record<string, string>, rounds = HOT_REQUEST_ROUNDS): Promise<void> {
  const newest = await app.inject({ method: 'GET', url: '/v1/flows', headers });
  const first = newest.json<{ items?: { slug: string }[] }>().items?.[0];
  const urls = ['/v1/flows', '/v1/flows?page=2', '/v1/flows?sort=popular', '/v1/flows?q=warm', ...(first ? [`/v1/flows/${encodeURIComponent(first.slug)}`] : [])];
  for (let round = 0; round < rounds; round++) {
    for (const url of urls) await app.inject({ method: 'GET', url, headers });
  }
}
