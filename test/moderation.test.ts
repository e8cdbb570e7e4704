import { and, eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEntries, emailOutbox, flowReports, flows } from '../src/server/db/schema.js';
import { createAdmin, createFlow, createMember, type Member } from './factories.js';
import { createTestApp, type TestApp } from './support/app.js';
import { latestMail } from './support/mail.js';

/** Moderation (SPEC §14): members report flows; operators decide reports, take flows down, restore and feature them. */

let t: TestApp;
let admin: Member;
let member: Member;
beforeAll(async () => {
  t = await createTestApp();
  admin = await createAdmin(t);
  member = await createMember(t);
});
afterAll(() => t.close());

const report = (who: Member | undefined, ref: string, payload: Record<string, unknown> = { reason: 'spam' }) =>
  t.request({ method: 'POST', url: `/v1/flows/${ref}/reports`, token: who?.token, payload });

/** `who`: null for a guest. */
const decide = (id: string, payload: Record<string, unknown>, who: Member | null = admin) =>
  t.request({ method: 'PATCH', url: `/v1/admin/reports/${id}`, token: who?.token, payload });

const moderate = (id: string, payload: Record<string, unknown>, who: Member | null = admin) =>
  t.request({ method: 'PATCH', url: `/v1/admin/flows/${id}`, token: who?.token, payload });

const auditOf = (targetId: string) => t.database.db.select().from(auditEntries).where(eq(auditEntries.targetId, targetId)).orderBy(auditEntries.id);

const reportRowsOf = (flowId: string) => t.database.db.select().from(flowReports).where(eq(flowReports.flowId, flowId));

const takenDownMailsTo = (email: string) =>
  t.database.db.select().from(emailOutbox).where(and(eq(emailOutbox.toAddress, email), eq(emailOutbox.template, 'flow_taken_down')));

/** A published flow by a fresh author. */
async function publishedFlow(overrides: Record<string, unknown> = {}) {
  const author = await createMember(t);
  const flow = await createFlow(t, author, overrides);
  return { author, flow };
}

async function openReport(flowRef: string, reason = 'harmful') {
  const reporter = await createMember(t);
  const response = await report(reporter, flowRef, { reason, details: 'It asks the agent to scrape private data.' });
  expect(response.status).toBe(201);
  return { reporter, reportId: response.body.id as string };
}

describe('POST /v1/flows/{ref}/reports', () => {
  it('files one report per member and flow: 201, then 409', async () => {
    const { flow } = await publishedFlow();
    const first = await report(member, flow.slug, { reason: 'copyright', details: '  Copied from my blog post.  ' });
    expect(first.status).toBe(201);
    expect(first.body).toEqual({
      id: expect.any(String),
      flow_id: flow.id,
      reason: 'copyright',
      details: 'Copied from my blog post.',
      status: 'open',
      created_at: expect.any(String),
    });
    // By id this time: the same flow, the same member.
    const second = await report(member, flow.id, { reason: 'spam' });
    expect(second.status).toBe(409);
    expect(second.body.type).toBe('https://flowtab.pro/problems/already-reported');
    expect(await reportRowsOf(flow.id)).toHaveLength(1);
  });

  it('needs a login (401), refuses the author (400) and unknown or unpublished flows (404)', async () => {
    const { author, flow } = await publishedFlow();
    expect((await report(undefined, flow.slug)).status).toBe(401);
    const own = await report(author, flow.slug);
    expect(own.status).toBe(400);
    expect(own.body.type).toBe('https://flowtab.pro/problems/own-flow-report');
    expect((await report(member, 'no-such-flow')).status).toBe(404);
    expect((await report(member, '00000000-0000-4000-8000-000000000000')).status).toBe(404);
    const draft = await createFlow(t, author, { status: 'draft' });
    expect((await report(member, draft.slug)).status).toBe(404);
    expect(await reportRowsOf(flow.id)).toHaveLength(0);
    expect(await reportRowsOf(draft.id)).toHaveLength(0);
  });

  it('validates reason and details (400)', async () => {
    const { flow } = await publishedFlow();
    const invalid = [
      {},
      { reason: 'boring' },
      { reason: 'other' },
      { reason: 'other', details: '   ' },
      { reason: 'spam', details: 'x'.repeat(2_001) },
      { reason: 'spam', details: 42 },
      { reason: 'spam', extra: true },
    ];
    for (const payload of invalid) {
      const response = await report(member, flow.slug, payload);
      expect(response.status, JSON.stringify(payload)).toBe(400);
    }
    expect(await reportRowsOf(flow.id)).toHaveLength(0);
    const other = await report(member, flow.slug, { reason: 'other', details: 'x'.repeat(2_000) });
    expect(other.status).toBe(201);
    expect(other.body.details).toHaveLength(2_000);
  });

  it('limits a member to 20 reports a minute (429)', async () => {
    const author = await createMember(t);
    const targets = await Promise.all(Array.from({ length: 21 }, () => createFlow(t, author)));
    const reporter = await createMember(t);
    for (const target of targets.slice(0, 20)) expect((await report(reporter, target.id)).status).toBe(201);
    const refused = await report(reporter, targets[20]!.id);
    expect(refused.status).toBe(429);
    expect(await reportRowsOf(targets[20]!.id)).toHaveLength(0);
    // Another member still may.
    expect((await report(member, targets[20]!.id)).status).toBe(201);
  });

  it.runIf(process.env.DATABASE_URL)('ten reports at once by one member make exactly one row (PostgreSQL)', async () => {
    const { flow } = await publishedFlow();
    const reporter = await createMember(t);
    const responses = await Promise.all(Array.from({ length: 10 }, () => report(reporter, flow.slug)));
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses).toEqual([201, ...Array<number>(9).fill(409)]);
    expect(await reportRowsOf(flow.id)).toHaveLength(1);
  });
});

describe('the report queue', () => {
  it('is for admins only: guests 401, members 403', async () => {
    expect((await t.request({ method: 'GET', url: '/v1/admin/reports' })).status).toBe(401);
    expect((await t.request({ method: 'GET', url: '/v1/admin/reports', token: member.token })).status).toBe(403);
    expect((await t.request({ method: 'GET', url: '/v1/admin/flows', token: member.token })).status).toBe(403);
    const { flow } = await publishedFlow();
    const { reportId } = await openReport(flow.slug);
    expect((await decide(reportId, { status: 'dismissed', reason: 'fine' }, member)).status).toBe(403);
    expect((await decide(reportId, { status: 'dismissed', reason: 'fine' }, null)).status).toBe(401);
    expect((await moderate(flow.id, { featured: true, reason: 'nice' }, member)).status).toBe(403);
    expect((await moderate(flow.id, { featured: true, reason: 'nice' }, null)).status).toBe(401);
    const [row] = await reportRowsOf(flow.id);
    expect(row!.status).toBe('open');
    expect((await t.database.db.select().from(flows).where(eq(flows.id, flow.id)))[0]!.featured).toBe(false);
  });

  it('lists open reports with the flow, its author, the reporter and the flow’s open report count', async () => {
    const { author, flow } = await publishedFlow();
    const first = await openReport(flow.slug, 'spam');
    const second = await openReport(flow.slug, 'broken');
    const all: { id: string }[] = [];
    for (let page = 1; ; page++) {
      const response = await t.request({ method: 'GET', url: `/v1/admin/reports?page=${page}&page_size=100`, token: admin.token });
      expect(response.status).toBe(200);
      all.push(...response.body.items);
      if (!response.body.has_more) break;
    }
    const item = all.find((i) => i.id === first.reportId);
    expect(item).toEqual({
      id: first.reportId,
      flow: { id: flow.id, slug: flow.slug, title: flow.title, status: 'published', taken_down: false, author: { id: author.id, username: author.username }, open_reports: 2 },
      reporter: { id: first.reporter.id, username: first.reporter.username },
      reason: 'spam',
      details: 'It asks the agent to scrape private data.',
      status: 'open',
      action: null,
      resolution: null,
      resolved_by: null,
      resolved_at: null,
      created_at: expect.any(String),
    });
    expect(all.some((i) => i.id === second.reportId)).toBe(true);
    const resolved = await t.request({ method: 'GET', url: '/v1/admin/reports?status=resolved&page_size=100', token: admin.token });
    expect(resolved.status).toBe(200);
    expect(resolved.body.items.some((i: { id: string }) => i.id === first.reportId)).toBe(false);
    expect((await t.request({ method: 'GET', url: '/v1/admin/reports?status=closed', token: admin.token })).status).toBe(400);
  });
});

describe('PATCH /v1/admin/reports/{id}', () => {
  it('resolving with unpublish takes the flow down, resolves its other reports, mails the author and audits it all', async () => {
    const { author, flow } = await publishedFlow();
    const first = await openReport(flow.slug, 'harmful');
    const second = await openReport(flow.slug, 'spam');

    const response = await decide(first.reportId, { status: 'resolved', action: 'unpublish', reason: 'Scrapes private profiles; against the rules.' });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      id: first.reportId,
      status: 'resolved',
      action: 'unpublish',
      resolution: 'Scrapes private profiles; against the rules.',
      resolved_by: { id: admin.id, username: admin.username },
      resolved_at: expect.any(String),
      flow: { id: flow.id, status: 'draft', taken_down: true, open_reports: 0 },
      other_reports_resolved: 1,
    });

    // Off the library for everyone but its author.
    const library = await t.request({ method: 'GET', url: `/v1/flows?author=${author.username}` });
    expect(library.body.items.map((f: { id: string }) => f.id)).not.toContain(flow.id);
    expect((await t.request({ method: 'GET', url: `/v1/flows/${flow.slug}` })).status).toBe(404);
    expect((await t.request({ method: 'GET', url: `/v1/flows/${flow.slug}`, token: member.token })).status).toBe(404);
    const own = await t.request({ method: 'GET', url: `/v1/flows/${flow.slug}`, token: author.token });
    expect(own.status).toBe(200);
    expect(own.body.status).toBe('draft');
    const [row] = await t.database.db.select().from(flows).where(eq(flows.id, flow.id));
    expect(row!.takenDownAt).toBeInstanceOf(Date);
    // Its author cannot publish it again (the flows module refuses; only an operator restores it).
    const republish = await t.request({ method: 'PATCH', url: `/v1/flows/${flow.id}`, token: author.token, payload: { status: 'published' } });
    expect(republish.status).toBe(409);

    // The other open report is resolved with it.
    const reports = await reportRowsOf(flow.id);
    expect(reports.map((r) => [r.id, r.status, r.action]).sort()).toEqual(
      [
        [first.reportId, 'resolved', 'unpublish'],
        [second.reportId, 'resolved', 'unpublish'],
      ].sort(),
    );

    // The author is told what and why (the category), and how to appeal; never who reported it.
    const mail = await latestMail({ db: t.database.db, config: t.config }, author.email, 'flow_taken_down');
    expect(mail).toBeDefined();
    expect(mail!.row.causeKey).toMatch(new RegExp(`^flow-taken-down:${flow.id}:\\d+$`));
    expect(mail!.subject).toContain(flow.title);
    expect(mail!.text).toContain('reported as harmful');
    expect(mail!.text).toContain('reply to this mail');
    expect(mail!.text).not.toContain(first.reporter.username);
    expect(mail!.text).not.toContain('Scrapes private profiles');

    // Audit: both reports and the flow, with the flow's state before and after.
    const [firstAudit] = await auditOf(first.reportId);
    expect(firstAudit).toMatchObject({ actorId: admin.id, action: 'report.resolved', targetType: 'report', reason: 'Scrapes private profiles; against the rules.' });
    expect((await auditOf(second.reportId)).map((e) => e.action)).toEqual(['report.resolved']);
    const flowAudit = await auditOf(flow.id);
    expect(flowAudit).toHaveLength(1);
    expect(flowAudit[0]).toMatchObject({
      action: 'flow.taken_down',
      targetType: 'flow',
      before: { status: 'published', taken_down_at: null },
      after: { status: 'draft', taken_down_at: expect.any(String) },
    });
    expect(mail!.row.causeKey).toBe(`flow-taken-down:${flow.id}:${flowAudit[0]!.id}`);

    // A report already decided: 409, and nothing more happens.
    const again = await decide(first.reportId, { status: 'resolved', action: 'archive', reason: 'again' });
    expect(again.status).toBe(409);
    expect(again.body.type).toBe('https://flowtab.pro/problems/report-already-decided');
    expect(await takenDownMailsTo(author.email)).toHaveLength(1);
    expect(await auditOf(flow.id)).toHaveLength(1);
  });

  it('archive takes the flow down as archived', async () => {
    const { author, flow } = await publishedFlow();
    const { reportId } = await openReport(flow.slug, 'copyright');
    const response = await decide(reportId, { status: 'resolved', action: 'archive', reason: 'Copied from a paid course.' });
    expect(response.status).toBe(200);
    expect(response.body.flow).toMatchObject({ status: 'archived', taken_down: true });
    expect(response.body.other_reports_resolved).toBe(0);
    const mail = await latestMail({ db: t.database.db, config: t.config }, author.email, 'flow_taken_down');
    expect(mail!.text).toContain('archived');
    expect(mail!.text).toContain('copying someone else');
  });

  it('dismissing leaves the flow alone and mails nobody', async () => {
    const { author, flow } = await publishedFlow();
    const { reportId } = await openReport(flow.slug);
    expect((await decide(reportId, { status: 'dismissed', action: 'unpublish', reason: 'x' })).status).toBe(400);
    const response = await decide(reportId, { status: 'dismissed', reason: 'Works as described.' });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ status: 'dismissed', action: 'none', flow: { status: 'published', taken_down: false } });
    expect((await t.request({ method: 'GET', url: `/v1/flows/${flow.slug}` })).status).toBe(200);
    expect(await takenDownMailsTo(author.email)).toHaveLength(0);
    expect((await auditOf(reportId)).map((e) => e.action)).toEqual(['report.dismissed']);
    const dismissed = await t.request({ method: 'GET', url: '/v1/admin/reports?status=dismissed&page_size=100', token: admin.token });
    expect(dismissed.body.items.some((i: { id: string }) => i.id === reportId)).toBe(true);
  });

  it('needs a reason (400) and a known report (404)', async () => {
    const { flow } = await publishedFlow();
    const { reportId } = await openReport(flow.slug);
    for (const payload of [{ status: 'resolved', action: 'unpublish' }, { status: 'resolved', action: 'unpublish', reason: '   ' }, { status: 'open', reason: 'x' }]) {
      expect((await decide(reportId, payload)).status, JSON.stringify(payload)).toBe(400);
    }
    expect((await decide('00000000-0000-4000-8000-000000000000', { status: 'dismissed', reason: 'x' })).status).toBe(404);
    expect((await decide('not-a-uuid', { status: 'dismissed', reason: 'x' })).status).toBe(400);
    const [row] = await reportRowsOf(flow.id);
    expect(row!.status).toBe('open');
    expect(await auditOf(reportId)).toHaveLength(0);
  });

  it.runIf(process.env.DATABASE_URL)('two operators deciding at once: one wins, the other gets 409 (PostgreSQL)', async () => {
    const { author, flow } = await publishedFlow();
    const { reportId } = await openReport(flow.slug);
    const other = await createAdmin(t);
    const responses = await Promise.all([
      decide(reportId, { status: 'resolved', action: 'unpublish', reason: 'first' }),
      decide(reportId, { status: 'resolved', action: 'archive', reason: 'second' }, other),
    ]);
    expect(responses.map((r) => r.status).sort()).toEqual([200, 409]);
    expect(await takenDownMailsTo(author.email)).toHaveLength(1);
    expect(await auditOf(flow.id)).toHaveLength(1);
  });
});

describe.runIf(process.env.DATABASE_URL)('a report decided while the flow is taken down (PostgreSQL)', () => {
  it('never deadlocks: both lock the flow before its reports', async () => {
    const cases = await Promise.all(
      Array.from({ length: 6 }, async () => {
        const { author, flow } = await publishedFlow();
        const { reportId } = await openReport(flow.slug);
        return { author, flow, reportId };
      }),
    );
    const responses = await Promise.all(
      cases.flatMap(({ flow, reportId }) => [
        decide(reportId, { status: 'resolved', action: 'unpublish', reason: 'race: report' }),
        moderate(flow.id, { status: 'archived', reason: 'race: flow' }),
      ]),
    );
    for (const response of responses) expect(response.status, JSON.stringify(response.body)).toBeLessThan(500);
    for (const { author, flow, reportId } of cases) {
      const [row] = await t.database.db.select().from(flows).where(eq(flows.id, flow.id));
      expect(row!.takenDownAt).toBeInstanceOf(Date);
      const [reportRow] = await t.database.db.select().from(flowReports).where(eq(flowReports.id, reportId));
      expect(reportRow!.status).toBe('resolved');
      expect((await takenDownMailsTo(author.email)).length).toBeGreaterThanOrEqual(1);
    }
  });

  it('a report filed while the flow is taken down is refused (404) or resolved with it, never left open', async () => {
    const { flow } = await publishedFlow();
    const reporters = await Promise.all(Array.from({ length: 8 }, () => createMember(t)));
    const [down, ...reports] = await Promise.all([
      moderate(flow.id, { status: 'draft', reason: 'race: reports' }),
      ...reporters.map((reporter) => report(reporter, flow.id)),
    ]);
    expect(down.status).toBe(200);
    for (const response of reports) expect([201, 404]).toContain(response.status);
    const rows = await reportRowsOf(flow.id);
    expect(rows).toHaveLength(reports.filter((r) => r.status === 201).length);
    expect(rows.filter((r) => r.status === 'open')).toEqual([]);
  });
});

describe('PATCH /v1/admin/flows/{id}', () => {
  it('takes a flow down without a report, then restores it', async () => {
    const { author, flow } = await publishedFlow();
    const { reportId } = await openReport(flow.slug);

    const down = await moderate(flow.id, { status: 'archived', reason: 'Duplicate of an older flow.' });
    expect(down.status).toBe(200);
    expect(down.body).toEqual({
      id: flow.id,
      slug: flow.slug,
      title: flow.title,
      status: 'archived',
      featured: false,
      taken_down_at: expect.any(String),
      author: { id: author.id, username: author.username },
      copy_count: 0,
      open_reports: 0,
      created_at: expect.any(String),
    });
    expect((await t.request({ method: 'GET', url: `/v1/flows/${flow.slug}` })).status).toBe(404);
    const mail = await latestMail({ db: t.database.db, config: t.config }, author.email, 'flow_taken_down');
    expect(mail!.text).toContain('does not follow the library’s rules');
    expect(mail!.text).not.toContain('Duplicate of an older flow');
    const [reportRow] = await reportRowsOf(flow.id);
    expect(reportRow).toMatchObject({ id: reportId, status: 'resolved', action: 'archive' });

    // Asking again for the same state changes nothing: no second mail, no second entry.
    expect((await moderate(flow.id, { status: 'archived', reason: 'again' })).status).toBe(200);
    expect(await takenDownMailsTo(author.email)).toHaveLength(1);

    const restored = await moderate(flow.id, { status: 'published', reason: 'Appeal accepted: not a duplicate.' });
    expect(restored.status).toBe(200);
    expect(restored.body).toMatchObject({ status: 'published', taken_down_at: null });
    const page = await t.request({ method: 'GET', url: `/v1/flows/${flow.slug}`, token: member.token });
    expect(page.status).toBe(200);
    expect(page.body.status).toBe('published');
    const library = await t.request({ method: 'GET', url: `/v1/flows?author=${author.username}` });
    expect(library.body.items.map((f: { id: string }) => f.id)).toContain(flow.id);

    const actions = (await auditOf(flow.id)).map((e) => [e.action, e.before?.status, e.after?.status]);
    expect(actions).toEqual([
      ['flow.taken_down', 'published', 'archived'],
      ['flow.restored', 'archived', 'published'],
    ]);
  });

  it('features and unfeatures a flow', async () => {
    const { flow } = await publishedFlow();
    const featured = await moderate(flow.id, { featured: true, reason: 'Flow of the week.' });
    expect(featured.status).toBe(200);
    expect(featured.body.featured).toBe(true);
    const library = await t.request({ method: 'GET', url: '/v1/flows?featured=true&page_size=100' });
    expect(library.body.items.find((f: { id: string }) => f.id === flow.id)?.featured).toBe(true);
    const listed = await t.request({ method: 'GET', url: `/v1/admin/flows?featured=true&q=${flow.slug}`, token: admin.token });
    expect(listed.body.items.map((f: { id: string }) => f.id)).toEqual([flow.id]);

    expect((await moderate(flow.id, { featured: false, reason: 'The week is over.' })).body.featured).toBe(false);
    const entries = await auditOf(flow.id);
    expect(entries.map((e) => [e.action, e.before?.featured, e.after?.featured, e.reason])).toEqual([
      ['flow.featured', false, true, 'Flow of the week.'],
      ['flow.unfeatured', true, false, 'The week is over.'],
    ]);
  });

  it('needs a reason and a change (400), and a known flow (404)', async () => {
    const { flow } = await publishedFlow();
    for (const payload of [{ featured: true }, { featured: true, reason: '' }, { reason: 'nothing to change' }, { status: 'gone', reason: 'x' }]) {
      expect((await moderate(flow.id, payload)).status, JSON.stringify(payload)).toBe(400);
    }
    expect((await moderate('00000000-0000-4000-8000-000000000000', { featured: true, reason: 'x' })).status).toBe(404);
    expect(await auditOf(flow.id)).toHaveLength(0);
  });
});

describe('GET /v1/admin/flows', () => {
  it('finds flows by text, status, taken_down and open reports, with counts', async () => {
    const { author, flow } = await publishedFlow();
    const down = await createFlow(t, author);
    await openReport(flow.slug);
    await openReport(flow.slug);
    expect((await moderate(down.id, { status: 'draft', reason: 'Broken.' })).status).toBe(200);

    const byAuthor = await t.request({ method: 'GET', url: `/v1/admin/flows?q=${author.username}`, token: admin.token });
    expect(byAuthor.status).toBe(200);
    expect(byAuthor.body.total).toBe(2);
    const item = byAuthor.body.items.find((f: { id: string }) => f.id === flow.id);
    expect(item).toMatchObject({ status: 'published', open_reports: 2, taken_down_at: null, author: { id: author.id, username: author.username } });

    const takenDown = await t.request({ method: 'GET', url: `/v1/admin/flows?q=${author.username}&taken_down=true`, token: admin.token });
    expect(takenDown.body.items.map((f: { id: string }) => f.id)).toEqual([down.id]);
    const drafts = await t.request({ method: 'GET', url: `/v1/admin/flows?q=${author.username}&status=draft`, token: admin.token });
    expect(drafts.body.items.map((f: { id: string }) => f.id)).toEqual([down.id]);
    const live = await t.request({ method: 'GET', url: `/v1/admin/flows?q=${author.username}&taken_down=false`, token: admin.token });
    expect(live.body.items.map((f: { id: string }) => f.id)).toEqual([flow.id]);
    const mostReported = await t.request({ method: 'GET', url: '/v1/admin/flows?sort=reports&page_size=1', token: admin.token });
    expect(mostReported.body.items[0].open_reports).toBeGreaterThanOrEqual(2);
    // A search is text, never a pattern.
    const pattern = await t.request({ method: 'GET', url: '/v1/admin/flows?q=%25', token: admin.token });
    expect(pattern.body.total).toBe(0);
    const reported = await t.database.db.select().from(flowReports).where(inArray(flowReports.flowId, [flow.id, down.id]));
    expect(reported).toHaveLength(2);
  });
});
