import { and, eq } from 'drizzle-orm';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { auditEntries, billingPeriods, emailOutbox, reconcileRuns, users } from '../src/server/db/schema.js';
import { jobDefinitions } from '../src/server/jobs/definitions.js';
import { runJob } from '../src/server/jobs/runner.js';
import { createAdmin, createMember, giveSubscription, type Member } from './factories.js';
import { createTestApp, type TestApp } from './support/app.js';
import { latestMail } from './support/mail.js';
import { expectReconciled } from './support/reconcile.js';

// SPEC §14: reconcile runs daily as a job; a failure sets flowtab_reconcile_failures in /metrics and mails every admin.
let t: TestApp;
let admins: Member[];
let member: Member;
const silent = pino({ level: 'silent' });
beforeAll(async () => {
  t = await createTestApp();
  admins = [await createAdmin(t), await createAdmin(t)];
  member = await createMember(t);
});
afterAll(() => t?.close());
afterEach(() => expectReconciled(t));

const runDaily = () => runJob(t.ctx, 'finance.reconcile', {}, { logger: silent });
const runNow = (token: string, payload: Record<string, unknown> = {}) => t.request({ method: 'POST', url: '/v1/admin/finance/reconcile', token, payload });
const runs = () => t.database.db.select().from(reconcileRuns).orderBy(reconcileRuns.id);
const reconcileMails = () => t.database.db.select().from(emailOutbox).where(eq(emailOutbox.template, 'reconcile_failed'));
const reconcileAudits = () => t.database.db.select().from(auditEntries).where(eq(auditEntries.action, 'reconcile.ran')).orderBy(auditEntries.id);

async function gauge(): Promise<number> {
  const response = await t.request({ method: 'GET', url: '/metrics' });
  expect(response.status).toBe(200);
  const line = String(response.body)
    .split('\n')
    .find((l) => l.startsWith('flowtab_reconcile_failures '));
  expect(line, 'flowtab_reconcile_failures in /metrics').toBeDefined();
  return Number(line!.split(' ')[1]);
}

describe('the daily reconcile job', () => {
  it('is scheduled once a day', () => {
    expect(jobDefinitions['finance.reconcile'].schedule?.(t.config)).toBe('17 5 * * *');
  });

  it('clean: an ok run, the gauge at 0, no mail; failing: a failure run, the gauge up, each admin mailed once however often it reruns', async () => {
    await giveSubscription(t, member, 'active', { isPaid: true });
    await runDaily();
    const [clean, ...none] = await runs();
    expect(none).toHaveLength(0);
    expect(clean).toMatchObject({ isOk: true, failures: [] });
    expect(await gauge()).toBe(0);
    expect(await reconcileMails()).toHaveLength(0);
    const summary = await t.request({ method: 'GET', url: '/v1/admin/finance/summary', token: admins[0]!.token });
    expect(summary.body.reconcile).toEqual({ ok: true, checked_at: clean!.checkedAt.toISOString(), failures: 0, details: [] });
    expect(await reconcileAudits()).toMatchObject([{ actorId: null, targetType: 'reconcile', targetId: String(clean!.id), reason: 'daily reconcile job', after: { ok: true, failures: 0 } }]);

    // Break an invariant the checks catch: a period's copy counter says 2 copies, and there are none.
    const [period] = await t.database.db.select().from(billingPeriods).where(eq(billingPeriods.userId, member.id));
    await t.database.db.update(billingPeriods).set({ copiesCount: 2 }).where(eq(billingPeriods.id, period!.id));
    // A suspended admin is not mailed.
    const suspended = await createAdmin(t);
    await t.database.db.update(users).set({ status: 'suspended' }).where(eq(users.id, suspended.id));

    // Twice at once (two workers, or the job beside the console): two runs recorded, one mail per admin.
    await Promise.all([runDaily(), runDaily()]);
    const failed = (await runs()).slice(1);
    expect(failed).toHaveLength(2);
    for (const run of failed) {
      expect(run.isOk).toBe(false);
      expect(run.failures).toEqual([`period counters match the copies: period ${period!.id}: counters say 2 copies / 0 counted / 0 ¢, copies say 0 / 0 / 0 ¢`]);
    }
    expect(await gauge()).toBe(1);
    const mails = await reconcileMails();
    expect(mails.map((m) => m.toAddress).sort()).toEqual(admins.map((a) => a.email).sort());
    const mail = await latestMail({ db: t.database.db, config: t.config }, admins[0]!.email, 'reconcile_failed');
    expect(mail!.subject).toBe('Flowtab.Pro reconcile failed: 1 broken invariant');
    expect(mail!.text).toContain(`period ${period!.id}: counters say 2 copies`);

    // Rerun by the job and by an admin: recorded and audited, nobody mailed again.
    await runDaily();
    const now = await runNow(admins[1]!.token, { reason: 'checking after the alert' });
    expect(now.status).toBe(200);
    expect(now.body).toEqual({
      id: expect.any(Number),
      ok: false,
      checked_at: expect.any(String),
      failures: 1,
      details: [expect.stringContaining(`period ${period!.id}`)],
      mailed: 0,
    });
    expect(await runs()).toHaveLength(5);
    expect(await reconcileMails()).toHaveLength(2);
    expect(await gauge()).toBe(1);
    const [audit] = await t.database.db
      .select()
      .from(auditEntries)
      .where(and(eq(auditEntries.action, 'reconcile.ran'), eq(auditEntries.targetId, String(now.body.id))));
    expect(audit).toMatchObject({ actorId: admins[1]!.id, targetType: 'reconcile', reason: 'checking after the alert', after: { ok: false, failures: 1 } });
    expect(await reconcileAudits()).toHaveLength(5);
    const failing = await t.request({ method: 'GET', url: '/v1/admin/finance/summary', token: admins[0]!.token });
    expect(failing.body.reconcile).toEqual({ ok: false, checked_at: now.body.checked_at, failures: 1, details: now.body.details });

    // Repaired: the next run (from the console, no reason given) is ok and the gauge drops to 0 in every process.
    await t.database.db.update(billingPeriods).set({ copiesCount: 0 }).where(eq(billingPeriods.id, period!.id));
    const repaired = await runNow(admins[0]!.token);
    expect(repaired.body).toMatchObject({ ok: true, failures: 0, details: [], mailed: 0 });
    expect(await gauge()).toBe(0);
    const [last] = await t.database.db.select().from(auditEntries).where(eq(auditEntries.targetId, String(repaired.body.id)));
    expect(last).toMatchObject({ actorId: admins[0]!.id, reason: 'run from the operator console' });
    expect(await reconcileMails()).toHaveLength(2);
    const toSuspended = await t.database.db.select().from(emailOutbox).where(and(eq(emailOutbox.template, 'reconcile_failed'), eq(emailOutbox.userId, suspended.id)));
    expect(toSuspended).toHaveLength(0);
  });
});
