import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../src/server/db/rows.js';
import { type CopyRecorder, createCopyBatcher } from '../src/server/modules/copies/recorder.js';
import type { CopyRecord, CopyRequest } from '../src/server/modules/copies/repository.js';
import { createFlow, createMember, giveSubscription, type Member } from './factories.js';
import { createTestApp, type TestApp } from './support/app.js';

/**
 * The copy batcher (group commit, SPEC §17): copies waiting together are recorded by one record_copies statement,
 * each with its own outcome; a batch that fails is recorded again copy by copy. Driven here with a window long enough
 * that everything started in one tick shares one batch, on PGlite and on PostgreSQL. (Its rules are record_copy's:
 * test/record-copy-parity.test.ts drives both forms over one table of cases.)
 */
const PAID_CAP = 3;

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ PAID_COPIES_PER_PERIOD: String(PAID_CAP) });
});
afterAll(() => t?.close());

function openBatcher(): CopyRecorder {
  const limits = { economics: t.config.economics, copiesPerMinute: t.config.rateLimits.copyPerMinute };
  return createCopyBatcher(t.database.db, limits, { windowMs: 200 });
}

function copyOf(member: Member, flowRef: string): CopyRequest {
  const claims = t.ctx.tokens.verify(member.token);
  if (claims?.kind !== 'session') throw new Error('not a session token');
  return { userId: claims.userId, sessionId: claims.sessionId, flowRef };
}

const brief = (record: CopyRecord) => ({ outcome: record.outcome, flowId: record.flowId, isCounted: record.isCounted, copiesCount: record.copiesCount });

async function countedCopiesOf(member: Member): Promise<number> {
  const result = await t.database.db.execute(sql`select count(*)::int as n from copies where user_id = ${member.id} and is_counted`);
  return Number(rowsOf<{ n: number }>(result)[0]!.n);
}

describe('copies recorded in batches', () => {
  it('every copy of one batch gets its own outcome: counted, free, duplicate, not found, subscription required', async () => {
    const creator = await createMember(t);
    const [subscriber, other, guest] = await Promise.all([createMember(t), createMember(t), createMember(t)]);
    await giveSubscription(t, subscriber, 'active', { isPaid: true });
    await giveSubscription(t, other, 'active', { isPaid: true });
    const premium = await createFlow(t, creator);
    const free = await createFlow(t, creator, { is_premium: false });
    const batcher = openBatcher();

    const copies = [
      copyOf(subscriber, premium.id),
      copyOf(guest, premium.id),
      copyOf(other, premium.slug),
      copyOf(subscriber, 'no-such-flow'),
      copyOf(guest, free.id),
      copyOf(subscriber, premium.id),
      copyOf(other, free.slug),
    ];
    const records = await Promise.all(copies.map((copy) => batcher.record(copy)));
    expect(records.map(brief)).toEqual([
      { outcome: 'recorded', flowId: premium.id, isCounted: true, copiesCount: 1 },
      { outcome: 'subscription_required', flowId: premium.id, isCounted: false, copiesCount: 0 },
      { outcome: 'recorded', flowId: premium.id, isCounted: true, copiesCount: 1 },
      { outcome: 'not_found', flowId: null, isCounted: false, copiesCount: 0 },
      { outcome: 'free', flowId: free.id, isCounted: false, copiesCount: 0 },
      { outcome: 'duplicate', flowId: premium.id, isCounted: false, copiesCount: 1 },
      { outcome: 'recorded', flowId: free.id, isCounted: false, copiesCount: 2 },
    ]);
    // One statement for all seven, and the flow's counter moved by the two copies kept.
    expect(batcher.stats()).toEqual({ batchesBySize: [0, 0, 0, 0, 0, 0, 0, 1], fallbacks: 0 });
    const counted = await t.database.db.execute(sql`select coalesce(sum(copies), 0)::int as n from flow_copy_counters where flow_id = ${premium.id}`);
    expect(Number(rowsOf<{ n: number }>(counted)[0]!.n)).toBe(2);
    await batcher.close();
  });

  it('one subscriber twice in a batch, at the paid cap: the first counts, the second is free, as one after the other', async () => {
    const creator = await createMember(t);
    const subscriber = await createMember(t);
    await giveSubscription(t, subscriber, 'active', { isPaid: true });
    const flows = await Promise.all(Array.from({ length: PAID_CAP + 1 }, () => createFlow(t, creator)));
    const batcher = openBatcher();
    // Up to one under the cap, one by one (each its own batch) …
    for (const flow of flows.slice(0, PAID_CAP - 1)) expect((await batcher.record(copyOf(subscriber, flow.id))).isCounted).toBe(true);
    // … then the last paid copy and one more, together.
    const [last, over] = await Promise.all(flows.slice(PAID_CAP - 1).map((flow) => batcher.record(copyOf(subscriber, flow.id))));
    expect([brief(last!), brief(over!)]).toEqual([
      { outcome: 'recorded', flowId: flows[PAID_CAP - 1]!.id, isCounted: true, copiesCount: PAID_CAP },
      { outcome: 'recorded', flowId: flows[PAID_CAP]!.id, isCounted: false, copiesCount: PAID_CAP + 1 },
    ]);
    expect(await countedCopiesOf(subscriber)).toBe(PAID_CAP);
    expect(batcher.stats().batchesBySize[2]).toBe(1);
    await batcher.close();
  });

  it('a copy that fails fails alone: the batch is rolled back and recorded again copy by copy, each copy once', async () => {
    const creator = await createMember(t);
    const [first, second] = await Promise.all([createMember(t), createMember(t)]);
    await giveSubscription(t, first, 'active', { isPaid: true });
    await giveSubscription(t, second, 'active', { isPaid: true });
    const [good, bad, alsoGood] = await Promise.all([createFlow(t, creator), createFlow(t, creator), createFlow(t, creator)]);
    // A statement error in the middle of the batch, after other copies' writes: any copy of `bad` breaks a check.
    await t.database.db.execute(sql.raw(`alter table copies add constraint test_refuses_one_flow check (flow_id <> '${bad.id}') not valid`));
    try {
      const batcher = openBatcher();
      const results = await Promise.allSettled([
        batcher.record(copyOf(first, good.id)),
        batcher.record(copyOf(second, good.id)),
        batcher.record(copyOf(first, bad.id)),
        batcher.record(copyOf(first, alsoGood.id)),
      ]);
      expect(results.map((result) => result.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
      expect(results.flatMap((result) => (result.status === 'fulfilled' ? [brief(result.value)] : []))).toEqual([
        { outcome: 'recorded', flowId: good.id, isCounted: true, copiesCount: 1 },
        { outcome: 'recorded', flowId: good.id, isCounted: true, copiesCount: 1 },
        { outcome: 'recorded', flowId: alsoGood.id, isCounted: true, copiesCount: 2 },
      ]);
      // The batch of four, then four statements of one (the failed copy's included).
      expect(batcher.stats()).toEqual({ batchesBySize: [0, 4, 0, 0, 1], fallbacks: 1 });
      // Nothing of the failed batch stayed: each good copy is there once, counted once, with its ledger entry once.
      expect(await countedCopiesOf(first)).toBe(2);
      expect(await countedCopiesOf(second)).toBe(1);
      const ledger = await t.database.db.execute(sql`select coalesce(sum(amount_cents), 0)::int as n from ledger_entries where creator_id = ${creator.id}`);
      expect(Number(rowsOf<{ n: number }>(ledger)[0]!.n)).toBe(3 * t.config.economics.ratePerCopyCents);
      await batcher.close();
    } finally {
      await t.database.db.execute(sql`alter table copies drop constraint test_refuses_one_flow`);
    }
  });

  it('closing records the copies still waiting, at once; copies after that are recorded one by one', async () => {
    const creator = await createMember(t);
    const subscriber = await createMember(t);
    await giveSubscription(t, subscriber, 'active', { isPaid: true });
    const [before, after] = await Promise.all([createFlow(t, creator), createFlow(t, creator)]);
    const batcher = createCopyBatcher(t.database.db, { economics: t.config.economics, copiesPerMinute: 1000 }, { windowMs: 60_000 });
    const waiting = batcher.record(copyOf(subscriber, before.id));
    await batcher.close();
    expect((await waiting).outcome).toBe('recorded');
    expect((await batcher.record(copyOf(subscriber, after.id))).outcome).toBe('recorded');
    expect(batcher.stats().batchesBySize).toEqual([0, 2]);
  });
});
