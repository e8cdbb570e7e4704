import { randomUUID } from 'node:crypto';
import { type SQL, sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { auditEntries } from '../src/server/db/schema.js';
import { createAdmin, createMember, type Member } from './factories.js';
import { createTestApp, type TestApp } from './support/app.js';
import { expectReconciled } from './support/reconcile.js';

// The audit log (SPEC §14): who changed what, filtered, as JSON and CSV; entries never change.

let t: TestApp;
let admin: Member;
let other: Member;
beforeAll(async () => {
  t = await createTestApp();
  admin = await createAdmin(t);
  other = await createAdmin(t);
});
afterAll(() => t?.close());
afterEach(async () => {
  await expectReconciled(t);
});

const getAudit = (query: string, token = admin.token) => t.request({ method: 'GET', url: `/v1/admin/audit${query}`, token });
const getCsv = (query: string, token = admin.token) => t.request({ method: 'GET', url: `/v1/admin/audit.csv${query}`, token });
const ids = (body: { items: { id: number }[] }) => body.items.map((e) => e.id);

type Seed = { actorId: string | null; action: string; targetType: string; targetId: string; reason: string; at: string; before?: object; after?: object };

/** Entries written straight into the table, at chosen times (the log is insert-only, so this is how any are made). */
async function seed(entries: Seed[]): Promise<number[]> {
  const rows = await t.database.db
    .insert(auditEntries)
    .values(
      entries.map((e) => ({
        actorId: e.actorId,
        action: e.action,
        targetType: e.targetType,
        targetId: e.targetId,
        reason: e.reason,
        before: (e.before ?? null) as Record<string, unknown> | null,
        after: (e.after ?? null) as Record<string, unknown> | null,
        createdAt: new Date(e.at),
      })),
    )
    .returning({ id: auditEntries.id });
  return rows.map((r) => r.id);
}

/** RFC 4180: CRLF rows, quoted fields with doubled quotes (and line breaks inside them). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let i = 0;
  let isQuoted = false;
  while (i < text.length) {
    const c = text[i]!;
    if (isQuoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i += 2;
      } else if (c === '"') {
        isQuoted = false;
        i++;
      } else {
        field += c;
        i++;
      }
    } else if (c === '"' && field === '') {
      isQuoted = true;
      i++;
    } else if (c === ',') {
      row.push(field);
      field = '';
      i++;
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i += 2;
    } else {
      if (c === '"' || c === '\n' || c === '\r') throw new Error(`malformed CSV at ${i}: ${JSON.stringify(text.slice(Math.max(0, i - 20), i + 20))}`);
      field += c;
      i++;
    }
  }
  if (field !== '' || row.length > 0) throw new Error('the CSV does not end with CRLF');
  return rows;
}

const HEADER = ['id', 'created_at', 'actor_id', 'actor_username', 'action', 'target_type', 'target_id', 'reason', 'before', 'after'];

describe('the guard', () => {
  it('guests get 401 and members 403 on the audit log and its CSV', async () => {
    const member = await createMember(t);
    for (const url of ['/v1/admin/audit', '/v1/admin/audit?actor=system', '/v1/admin/audit.csv']) {
      expect((await t.request({ method: 'GET', url })).status, url).toBe(401);
      const asMember = await t.request({ method: 'GET', url, token: member.token });
      expect(asMember.status, url).toBe(403);
      expect(String(asMember.headers['content-type'])).toContain('application/problem+json');
    }
  });
});

describe('GET /v1/admin/audit', () => {
  it('shows what a console change wrote: the actor, the action, the target, before, after and the reason', async () => {
    const member = await createMember(t);
    const patch = await t.request({
      method: 'PATCH',
      url: `/v1/admin/users/${member.id}`,
      token: admin.token,
      payload: { status: 'suspended', reason: 'spam wave' },
    });
    expect(patch.status).toBe(200);
    const log = await getAudit(`?target=user:${member.id}`);
    expect(log.status).toBe(200);
    expect(log.body).toEqual({
      items: [
        {
          id: patch.body.audit[0].id,
          actor: { id: admin.id, username: admin.username },
          action: 'user.suspended',
          target_type: 'user',
          target_id: member.id,
          before: { status: 'active' },
          after: { status: 'suspended' },
          reason: 'spam wave',
          created_at: expect.any(String),
        },
      ],
      total: 1,
      page: 1,
      page_size: 50,
      has_more: false,
    });
  });

  it('filters by actor (id, username in any case, or system), target (type:id or id), action and time; newest first, in pages', async () => {
    const target = randomUUID();
    const flowId = randomUUID();
    const [a, b, c, d, e] = await seed([
      { actorId: admin.id, action: 'user.suspended', targetType: 'user', targetId: target, reason: 'a', at: '2026-01-15T10:00:00Z' },
      { actorId: other.id, action: 'user.reinstated', targetType: 'user', targetId: target, reason: 'b', at: '2026-01-16T00:00:00Z' },
      { actorId: admin.id, action: 'flow.taken_down', targetType: 'flow', targetId: flowId, reason: 'c', at: '2026-01-16T23:59:59.999Z' },
      { actorId: null, action: 'reconcile.failed', targetType: 'reconcile', targetId: target, reason: 'd', at: '2026-01-17T00:00:00Z' },
      { actorId: other.id, action: 'user.payouts_paused', targetType: 'user', targetId: target, reason: 'e', at: '2026-01-18T08:30:00Z' },
    ]);
    // Everything seeded, newest first; the window keeps other tests' entries out.
    const window = '&from=2026-01-15&to=2026-01-18';
    expect(ids((await getAudit(`?page_size=100${window}`)).body)).toEqual([e, d, c, b, a]);

    expect(ids((await getAudit(`?actor=${admin.id}${window}`)).body)).toEqual([c, a]);
    expect(ids((await getAudit(`?actor=${other.username.toUpperCase()}${window}`)).body)).toEqual([e, b]);
    const system = await getAudit(`?actor=system${window}`);
    expect(ids(system.body)).toEqual([d]);
    expect(system.body.items[0].actor).toBeNull();
    expect((await getAudit(`?actor=nobody-by-that-name${window}`)).body).toMatchObject({ items: [], total: 0 });

    expect(ids((await getAudit(`?target=user:${target}`)).body)).toEqual([e, b, a]);
    expect(ids((await getAudit(`?target=${target}`)).body)).toEqual([e, d, b, a]);
    expect(ids((await getAudit(`?target=flow:${flowId}`)).body)).toEqual([c]);
    expect(ids((await getAudit(`?target=flow:${target}`)).body)).toEqual([]);
    expect(ids((await getAudit(`?target=${target}&action=user.reinstated`)).body)).toEqual([b]);

    // A date is its whole UTC day; a timestamp is exact (from inclusive, to exclusive).
    expect(ids((await getAudit(`?target=${target}&from=2026-01-16&to=2026-01-16`)).body)).toEqual([b]);
    expect(ids((await getAudit(`?from=2026-01-16&to=2026-01-16&actor=${admin.id}`)).body)).toEqual([c]);
    expect(ids((await getAudit(`?target=${target}&from=2026-01-16T00:00:00Z&to=2026-01-18T08:30:00Z`)).body)).toEqual([d, b]);
    expect(ids((await getAudit(`?target=${target}&from=2026-01-16T00:00:00.001Z`)).body)).toEqual([e, d]);
    expect(ids((await getAudit(`?target=${target}&to=2026-01-15T10:00:00Z`)).body)).toEqual([]);

    const first = await getAudit(`?target=${target}&page_size=2`);
    expect(first.body).toMatchObject({ total: 4, page: 1, page_size: 2, has_more: true });
    expect(ids(first.body)).toEqual([e, d]);
    const second = await getAudit(`?target=${target}&page_size=2&page=2`);
    expect(second.body).toMatchObject({ total: 4, page: 2, has_more: false });
    expect(ids(second.body)).toEqual([b, a]);
  });

  it('answers 400 to a malformed date, page or unknown parameter (never 500)', async () => {
    for (const query of ['?from=yesterday', '?to=2026-13-01', '?from=2026-01-01T10:00', '?from=0000-01-01', '?to=9999-12-31', '?from=2026-02-30', '?page=0', '?page_size=101', '?user=x', '?actor=']) {
      const response = await getAudit(query);
      expect(response.status, query).toBe(400);
    }
    expect((await getCsv('?from=yesterday')).status).toBe(400);
  });
});

describe('GET /v1/admin/audit.csv', () => {
  it('is text/csv with a header row, the same entries as the list, and reasons with commas, quotes and line breaks intact', async () => {
    const target = randomUUID();
    const reasons = ['plain', 'commas, and "quotes"', 'two\nlines\r\nand CRLF', '  spaced  ', 'naïve — “unicode” ✓'];
    const seeded = await seed(
      reasons.map((reason, i) => ({
        actorId: i % 2 === 0 ? admin.id : null,
        action: 'user.suspended',
        targetType: 'user',
        targetId: target,
        reason,
        at: `2026-02-0${i + 1}T12:00:00Z`,
        before: { status: 'active', note: 'a, "b"' },
        after: { status: 'suspended' },
      })),
    );
    const response = await getCsv(`?target=user:${target}`);
    expect(response.status).toBe(200);
    expect(String(response.headers['content-type'])).toMatch(/^text\/csv/);
    expect(String(response.headers['content-disposition'])).toMatch(/attachment; filename="flowtab-audit\.csv"/);
    const [header, ...rows] = parseCsv(response.body as string);
    expect(header).toEqual(HEADER);
    const list = await getAudit(`?target=user:${target}`);
    expect(rows.map((r) => Number(r[0]))).toEqual(ids(list.body));
    expect(rows.map((r) => Number(r[0]))).toEqual([...seeded].reverse());
    const byId = new Map(rows.map((r) => [Number(r[0]), r]));
    for (const [i, id] of seeded.entries()) {
      const row = byId.get(id)!;
      expect(row).toEqual([
        String(id),
        `2026-02-0${i + 1}T12:00:00.000Z`,
        i % 2 === 0 ? admin.id : '',
        i % 2 === 0 ? admin.username : '',
        'user.suspended',
        'user',
        target,
        reasons[i],
        JSON.stringify({ note: 'a, "b"', status: 'active' }),
        JSON.stringify({ status: 'suspended' }),
      ]);
    }
  });

  it('prefixes cells that a spreadsheet would run as a formula (= + - @) with a single quote', async () => {
    const target = randomUUID();
    const reasons = ['=HYPERLINK("http://evil.example","click")', '+1+1', '-2+3', '@SUM(A1:A2)', '\t=1+1', 'safe = fine'];
    await seed(reasons.map((reason, i) => ({ actorId: admin.id, action: 'user.suspended', targetType: 'user', targetId: target, reason, at: `2026-03-0${i + 1}T00:00:00Z` })));
    const [, ...rows] = parseCsv((await getCsv(`?target=${target}`)).body as string);
    expect(rows.map((r) => r[7])).toEqual([...reasons].reverse().map((r) => (/^[=+\-@\t]/.test(r) ? `'${r}` : r)));
    // The filter on a target of one type written as `type:id` in the CSV too: nothing else leaks in.
    expect(parseCsv((await getCsv(`?target=flow:${target}`)).body as string)).toEqual([HEADER]);
  });

  it('exports every matching entry, past one batch, once each and newest first', async () => {
    const target = randomUUID();
    await t.database.db.execute(sql`
      insert into audit_entries (actor_id, action, target_type, target_id, reason, created_at)
      select ${admin.id}::uuid, 'user.suspended', 'user', ${target}, 'bulk ' || n,
             timestamptz '2026-04-01 00:00:00+00' + (n % 700) * interval '1 second' + (n % 3) * interval '1 microsecond'
        from generate_series(1, 2345) as n`);
    const [header, ...rows] = parseCsv((await getCsv(`?target=user:${target}`)).body as string);
    expect(header).toEqual(HEADER);
    expect(rows).toHaveLength(2345);
    expect(new Set(rows.map((r) => r[0])).size).toBe(2345);
    const times = rows.map((r) => Date.parse(r[1]!));
    expect(times).toEqual([...times].sort((x, y) => y - x));
    expect((await getAudit(`?target=user:${target}&page_size=1`)).body.total).toBe(2345);
  });
});

/** What the database answered to a statement that must be refused (drizzle wraps the error: its cause says why). */
async function refusalOf(statement: SQL): Promise<string> {
  try {
    await t.database.db.execute(statement);
  } catch (error) {
    const { message, cause } = error as Error;
    return `${message} ${cause instanceof Error ? cause.message : ''}`;
  }
  return 'accepted';
}

describe('immutability', () => {
  it('the database refuses to update or delete an audit entry', async () => {
    const target = randomUUID();
    const [id] = await seed([{ actorId: admin.id, action: 'user.suspended', targetType: 'user', targetId: target, reason: 'kept', at: '2026-05-01T00:00:00Z' }]);
    expect(await refusalOf(sql`update audit_entries set reason = 'rewritten' where id = ${id}`)).toMatch(/immutable \(UPDATE refused\)/);
    expect(await refusalOf(sql`delete from audit_entries where id = ${id}`)).toMatch(/immutable \(DELETE refused\)/);
    expect(await refusalOf(sql`delete from audit_entries`)).toMatch(/immutable/);
    expect((await getAudit(`?target=${target}`)).body.items).toEqual([expect.objectContaining({ id, reason: 'kept' })]);
  });
});
