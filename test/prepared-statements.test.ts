import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Db, openDatabase } from '../src/server/db/client.js';
import { rowsOf } from '../src/server/db/rows.js';
import { claimDueEmails, findNextDueAt } from '../src/server/modules/email/repository.js';
import { findPendingCreditApplication } from '../src/server/modules/payouts/repository.js';
import { createFlow, createMember } from './factories.js';
import { createTestApp, type TestApp } from './support/app.js';
import { createEmptyDatabase, isPostgres } from './support/database.js';

// db/client.ts prepares each statement with parameters once per connection (DATABASE_PREPARED_STATEMENTS, on by
// default) and leaves it off behind a pooler that cannot carry prepared statements. pg_prepared_statements lists
// the statements of the session that asks, so each pool here has one connection.
describe.runIf(isPostgres())('prepared statements (PostgreSQL)', () => {
  let created: Awaited<ReturnType<typeof createEmptyDatabase>>;
  beforeAll(async () => {
    created = await createEmptyDatabase(process.env.DATABASE_URL!);
  });
  afterAll(() => created?.drop());

  const preparedOf = async (db: Db) =>
    rowsOf<{ name: string; statement: string }>(await db.execute(sql`select name, statement from pg_prepared_statements order by name`));

  it('a statement with parameters is prepared once on its connection and reused; one without stays unprepared', async () => {
    const database = await openDatabase({ databaseUrl: created.url, poolSize: 1 });
    try {
      for (let i = 0; i < 3; i++) expect(rowsOf(await database.db.execute(sql`select ${i}::int + 1 as n`))).toEqual([{ n: i + 1 }]);
      const prepared = await preparedOf(database.db);
      // The statement above, once (three runs, one preparation); the listing itself has no parameters.
      expect(prepared).toHaveLength(1);
      expect(prepared[0]!.name).toMatch(/^s_[\w-]{27}$/);
      expect(prepared[0]!.statement).toBe('select $1::int + 1 as n');
    } finally {
      await database.close();
    }
  });

  it('off (DATABASE_PREPARED_STATEMENTS=false, for PgBouncer before 1.21): nothing is prepared', async () => {
    const database = await openDatabase({ databaseUrl: created.url, poolSize: 1, preparesStatements: false });
    try {
      for (let i = 0; i < 3; i++) await database.db.execute(sql`select ${i}::int + 1 as n`);
      expect(await preparedOf(database.db)).toEqual([]);
    } finally {
      await database.close();
    }
  });

  describe('through the API', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp();
    });
    afterAll(() => t?.close());

    it("the library's search gives the same answers on connections that prepared its statements before", async () => {
      const author = await createMember(t);
      const flows = [await createFlow(t, author, { title: 'Prepared alpha' }), await createFlow(t, author, { title: 'Prepared beta' })];
      // More runs than the pool has connections, and past the five after which PostgreSQL may keep a generic plan.
      for (let i = 0; i < 30; i++) {
        const list = await t.request({ method: 'GET', url: `/v1/flows?q=prepared&page_size=1&page=${(i % 2) + 1}` });
        expect(list.status).toBe(200);
        expect(list.body.items.map((f: { slug: string }) => f.slug)).toEqual([[...flows].reverse()[i % 2]!.slug]);
      }
      for (let i = 0; i < 10; i++) expect((await t.request({ method: 'GET', url: '/v1/flows?sort=new' })).status).toBe(200);
      // Requests one at a time reuse one connection (the pool hands out the last one released): this one.
      const statements = rowsOf<{ statement: string }>(await t.database.db.execute(sql`select statement from pg_prepared_statements`));
      // The plain list is prepared; a search planned for its words never is (a generic plan can be far slower), only a
      // walked one (below), which has no other plan.
      expect(statements.filter((s) => /unnest\(array\(select m\.id/.test(s.statement) && !/to_tsquery/.test(s.statement))).toHaveLength(1);
      expect(statements.filter((s) => /to_tsquery/.test(s.statement) && !/ts_match_vq/.test(s.statement))).toEqual([]);
    });
  });
  it("the outbox's due claim keeps its generic plan on the partial index of pending mail", async () => {
    const database = await openDatabase({ databaseUrl: created.url, poolSize: 1 });
    try {
      await database.migrate();
      await database.db.execute(sql`
        insert into email_outbox (cause_key, to_address, template, status, sent_at, next_attempt_at)
        select 'sent-' || i, 'member@example.com', 'welcome', 'sent', now(), now() - i * interval '1 second' from generate_series(1, 20000) i`);
      await database.db.execute(sql`analyze email_outbox`);
      // Past the five custom plans after which PostgreSQL compares them with a generic one.
      for (let i = 0; i < 12; i++) {
        expect(await claimDueEmails(database.db, { limit: 10, leaseMs: 60_000 })).toEqual([]);
        expect(await findNextDueAt(database.db)).toBeUndefined();
      }
      const plans = rowsOf<{ statement: string; generic_plans: number; custom_plans: number }>(
        await database.db.execute(sql`select statement, generic_plans::int, custom_plans::int from pg_prepared_statements where statement like '%email_outbox%'`),
      );
      // The claim; the look-up has no parameters left, so it is not prepared and is planned with its literal each time.
      // With the status sent as a parameter, the claim's generic plan could not use the index: 12 custom plans, 0 generic.
      expect(plans).toHaveLength(1);
      expect(plans[0]!.statement).toMatch(/^update "email_outbox"/);
      expect(plans[0]!.custom_plans).toBeLessThanOrEqual(5);
      expect(plans[0]!.generic_plans).toBeGreaterThanOrEqual(7);
    } finally {
      await database.close();
    }
  });

  it("a creator's pending credit application is found by its partial index with a generic plan", async () => {
    const database = await openDatabase({ databaseUrl: created.url, poolSize: 1 });
    try {
      await database.migrate();
      const [creator] = rowsOf<{ id: string }>(
        await database.db.execute(sql`insert into users (email, username, password_hash) values ('credits@example.com', 'credits', 'x') returning id`),
      );
      await database.db.execute(sql`
        insert into credit_applications (creator_id, amount_cents, status)
        select ${creator!.id}, 100, 'applied' from generate_series(1, 20000)`);
      await database.db.execute(sql`analyze credit_applications`);
      for (let i = 0; i < 12; i++) expect(await findPendingCreditApplication(database.db, creator!.id)).toBeUndefined();
      const plans = rowsOf<{ generic_plans: number; custom_plans: number }>(
        await database.db.execute(sql`select generic_plans::int, custom_plans::int from pg_prepared_statements where statement like 'select %credit_applications%'`),
      );
      // With the status sent as a parameter, the generic plan scanned every application: 12 custom plans, 0 generic.
      expect(plans).toHaveLength(1);
      expect(plans[0]!.custom_plans).toBeLessThanOrEqual(5);
      expect(plans[0]!.generic_plans).toBeGreaterThanOrEqual(7);
    } finally {
      await database.close();
    }
  });

  describe('lists and searches on a library of 20,000 flows', () => {
    let t: TestApp;
    let author: Awaited<ReturnType<typeof createMember>>;
    beforeAll(async () => {
      t = await createTestApp();
      author = await createMember(t);
      await createFlow(t, author, { title: 'Planned zeppelin' });
      await t.database.db.execute(sql`
        insert into flows (slug, title, summary, body, tags, author_id, status, created_at, published_at)
        select 'planned-' || i, 'Planned ' || i, 'A flow about ' || w.word, 'Open the page.', array[case when i % 4 = 0 then 'linkedin' else 'sales' end],
               ${author.id}, 'published', now() - i * interval '1 minute', now() - i * interval '1 minute'
          from generate_series(1, 20000) i,
               lateral (select 'topic' || chr(97 + i % 26) || chr(97 + (i / 26) % 26) as word) w`);
      await t.database.db.execute(sql`analyze flows`);
    });
    afterAll(() => t?.close());

    it("keeps PostgreSQL's generic plan: the page's statement is not planned again on every request", async () => {
      // Past the five custom plans after which PostgreSQL compares them with a generic one, one request at a time, so
      // on one connection (the pool hands out the last one released).
      for (let i = 0; i < 12; i++) {
        const list = await t.request({ method: 'GET', url: '/v1/flows?sort=new' });
        expect(list.status).toBe(200);
        expect(list.body.items).toHaveLength(20);
      }
      const [page] = rowsOf<{ generic_plans: number; custom_plans: number }>(
        await t.database.db.execute(sql`select generic_plans::int, custom_plans::int from pg_prepared_statements where statement like '%unnest(array(select m.id%'`),
      );
      // With its LIMITs sent as parameters, the generic plan looked dearer than each request's own: 12 custom plans, 0 generic.
      expect(page).toBeDefined();
      expect(page!.custom_plans).toBeLessThanOrEqual(5);
      expect(page!.generic_plans).toBeGreaterThanOrEqual(7);
    });

    it('walks a search for a common word from one prepared statement with a generic plan; a rare word is planned for itself', async () => {
      const searchStatements = async () =>
        rowsOf<{ statement: string; generic_plans: number; custom_plans: number }>(
          await t.database.db.execute(sql`select statement, generic_plans::int, custom_plans::int from pg_prepared_statements where statement like '%to_tsquery%'`),
        );
      // "planned" is in every flow: the planner walks the popularity order; "zeppelin" in one: it reads the word's index
      // (the summaries' 676 topics give the statistics words of every frequency, as a real library's have).
      for (let i = 0; i < 12; i++) {
        const common = await t.request({ method: 'GET', url: '/v1/flows?q=planned' });
        expect(common.body.items).toHaveLength(20);
        expect(common.body.has_more).toBe(true);
        const rare = await t.request({ method: 'GET', url: '/v1/flows?q=zeppelin' });
        expect(rare.body.items.map((flow: { title: string }) => flow.title)).toEqual(['Planned zeppelin']);
      }
      const [walked, ...others] = await searchStatements();
      // One prepared search, the walked one, run by the common word's 12 requests only, past the five custom plans: not
      // planned again for each request's words.
      expect(others).toEqual([]);
      expect(walked!.statement).toContain('ts_match_vq');
      expect(walked!.custom_plans + walked!.generic_plans).toBe(12);
      expect(walked!.custom_plans).toBeLessThanOrEqual(5);
      expect(walked!.generic_plans).toBeGreaterThanOrEqual(7);
    });

    it('a walked search or filter finds what plain SQL finds, in its order, for a guest and for the author', async () => {
      const expected = async (where: string, order: string) =>
        rowsOf<{ id: string }>(await t.database.db.execute(sql.raw(`select id from flows where status = 'published' and ${where} order by ${order} limit 20`))).map(
          (row) => row.id,
        );
      const planned = `to_tsquery('english', 'planned:*')`;
      const popular = 'copy_count desc, created_at desc, id desc';
      const cases = [
        { url: '/v1/flows?q=planned&sort=popular', where: `public_search_vector @@ ${planned}`, order: popular },
        { url: '/v1/flows?q=planned&tags=linkedin&sort=popular', where: `tags @> '{linkedin}' and public_search_vector @@ ${planned}`, order: popular },
        { url: '/v1/flows?tags=linkedin', where: `tags @> '{linkedin}'`, order: 'created_at desc, id desc' },
      ];
      for (const { url, where, order } of cases) {
        const ids = await expected(where, order);
        expect(ids).toHaveLength(20);
        // Past the five custom plans, as a guest and as the author (whose own flows match by their full text too).
        for (let i = 0; i < 8; i++) {
          for (const token of [undefined, author.token]) {
            const page = await t.request({ method: 'GET', url, token });
            expect(page.body.items.map((flow: { id: string }) => flow.id), url).toEqual(ids);
          }
        }
      }
      const walked = rowsOf<{ statement: string }>(
        await t.database.db.execute(sql`select statement from pg_prepared_statements where statement like '%ts_match_vq%' or statement like '%arraycontains%'`),
      );
      // Each case walked, for the guest and for the author: six statements prepared (and the test before's), four with
      // the tag; none planned per request.
      expect(walked.length).toBeGreaterThanOrEqual(6);
      expect(walked.filter((statement) => statement.statement.includes('arraycontains'))).toHaveLength(4);
    });

    it("plans a member's walked search (their own flows by their full text) without the member: one generic plan", async () => {
      // A library of many authors, the member one of the busiest, and the word in a quarter of the titles.
      await t.database.db.execute(sql`
        insert into users (email, username, password_hash)
        select 'planner' || i || '@example.test', 'planner' || i, 'x' from generate_series(1, 1000) i`);
      await t.database.db.execute(sql`
        update flows f set author_id = u.id
          from users u
         where f.slug ~ '^planned-[0-9]+$' and substr(f.slug, 9)::int % 10 >= 4 and u.username = 'planner' || (1 + substr(f.slug, 9)::int % 1000)`);
      await t.database.db.execute(sql`update flows set title = 'Drafted ' || substr(slug, 9) where slug ~ '^planned-[0-9]+$' and substr(slug, 9)::int % 4 <> 0`);
      await t.database.db.execute(sql`analyze flows`);
      for (let i = 0; i < 12; i++) {
        const page = await t.request({ method: 'GET', url: '/v1/flows?q=planned', token: author.token });
        expect(page.body.items).toHaveLength(20);
      }
      const [walked, ...others] = rowsOf<{ statement: string; parameter_types: string; generic_plans: number; custom_plans: number }>(
        await t.database.db.execute(
          sql`select statement, parameter_types::text, generic_plans::int, custom_plans::int from pg_prepared_statements
               where statement like '%ts_match_vq%' and statement like '%case when%' and statement like '%ts_rank%'`,
        ),
      );
      expect(others).toEqual([]);
      expect(walked!.custom_plans + walked!.generic_plans).toBe(12);
      expect(walked!.generic_plans).toBeGreaterThanOrEqual(7);
      // What keeps it there: a plan made for this member costs about what the generic one does (the like lookup still sees
      // the member; PostgreSQL adds to each plan made for its values the planning it costs). When the member's id was a value
      // the planner could see, a plan for the busiest author of bench:search's library (who wrote 14% of it) looked a
      // little cheaper than the generic one (1,080 against 1,117), so PostgreSQL never kept the generic plan and planned
      // every request again (0.6 ms of the member's 1.1 ms of database CPU per search).
      const types = walked!.parameter_types.replace(/[{}]/g, '').split(',');
      const values = types.map((type) => (type === 'uuid' ? `'${author.id}'` : type === 'text' ? `'planned:*'` : '0'));
      const costs = await t.database.db.transaction(async (tx) => {
        await tx.execute(sql.raw(`prepare member_search (${types.join(', ')}) as ${walked!.statement}`));
        const costOf = async (mode: string) => {
          await tx.execute(sql.raw(`set local plan_cache_mode = ${mode}`));
          const [row] = rowsOf<{ 'QUERY PLAN': unknown }>(await tx.execute(sql.raw(`explain (format json) execute member_search (${values.join(', ')})`)));
          const plan = typeof row!['QUERY PLAN'] === 'string' ? JSON.parse(row!['QUERY PLAN']) : row!['QUERY PLAN'];
          return (plan as [{ Plan: { 'Total Cost': number } }])[0].Plan['Total Cost'];
        };
        const result = { generic: await costOf('force_generic_plan'), custom: await costOf('force_custom_plan') };
        await tx.execute(sql`deallocate member_search`);
        return result;
      });
      // Without the InitPlan, here: 476.5 against 499.3; with it, 497.9.
      expect(costs.custom).toBeGreaterThan(costs.generic * 0.99);
    });
  });
});
