import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../src/server/db/rows.js';
import { releaseAllHeldEarnings } from '../src/server/modules/ledger/service.js';
import { seedDemoData } from '../src/server/seed/index.js';
import { createTestApp, type TestApp } from './support/app.js';
import { createTestDatabase } from './support/database.js';
import { expectReconciled } from './support/reconcile.js';

// The demo data (`flowtab seed`, `flowtab start`): its logins work, the operator console has something on every page,
// its history spans months, and the ledger it writes reconciles.

const PASSWORD = 'flowtab-demo';

describe('demo data', () => {
  let t: TestApp;

  beforeAll(async () => {
    const database = await createTestDatabase();
    t = await createTestApp({}, { database });
    const result = await seedDemoData(t.database.db, {
      economics: t.config.economics,
      payouts: { holdDays: t.config.holdDays, minPayoutCents: t.config.minPayoutCents },
    });
    expect(result.created).toBe(true);
  }, 300_000);

  afterAll(async () => {
    await t?.close();
  });

  const query = async <T>(statement: ReturnType<typeof sql>) => rowsOf<T>(await t.database.db.execute(statement));
  const logIn = async (login: string) => {
    const response = await t.request({ method: 'POST', url: '/v1/auth/token', payload: { login, password: PASSWORD } });
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    return response.body.access_token as string;
  };

  it('reconciles: every ledger invariant holds after seeding', async () => {
    await expectReconciled(t);
  });

  it('prints an admin login that opens the console, and members get 403 there', async () => {
    const again = await seedDemoData(t.database.db, { economics: t.config.economics });
    expect(again.created).toBe(false);
    expect(again.logins).toContainEqual(expect.objectContaining({ username: 'demo_admin', password: PASSWORD, role: expect.stringContaining('admin') }));

    const admin = await logIn('demo_admin');
    expect((await t.request({ method: 'GET', url: '/v1/users/me', token: admin })).body).toMatchObject({ username: 'demo_admin', role: 'admin' });
    const member = await logIn('demo_subscriber');
    expect((await t.request({ method: 'GET', url: '/v1/admin/reports?status=open', token: member })).status).toBe(403);
  });

  it('gives the moderation queue open reports of different kinds and one resolved by the admin', async () => {
    const admin = await logIn('demo_admin');
    const open = await t.request({ method: 'GET', url: '/v1/admin/reports?status=open', token: admin });
    expect(open.status, JSON.stringify(open.body)).toBe(200);
    const reasons = (open.body.items as { reason: string }[]).map((report) => report.reason);
    expect(new Set(reasons).size).toBeGreaterThanOrEqual(3);
    const resolved = await t.request({ method: 'GET', url: '/v1/admin/reports?status=resolved', token: admin });
    expect(resolved.body.items).toHaveLength(1);
    expect(resolved.body.items[0]).toMatchObject({ status: 'resolved', resolved_by: { username: 'demo_admin' } });
  });

  it('records the admin’s past console actions in the audit log, with reasons', async () => {
    const entries = await query<{ action: string; username: string; reason: string }>(sql`
      select a.action, u.username, a.reason from audit_entries a join users u on u.id = a.actor_id order by a.id`);
    expect(entries.map((entry) => entry.action)).toEqual(expect.arrayContaining(['report.resolved', 'flow.featured', 'user.suspended', 'refund.created']));
    for (const entry of entries) {
      expect(entry.username).toBe('demo_admin');
      expect(entry.reason.length).toBeGreaterThan(10);
    }
    const [suspended] = await query<{ status: string }>(sql`
      select u.status from audit_entries a join users u on u.id::text = a.target_id where a.action = 'user.suspended'`);
    expect(suspended?.status).toBe('suspended');
  });

  it('has a console refund of half a subscriber’s invoice, applied as its charge.refunded webhook would', async () => {
    const admin = await logIn('demo_admin');
    const refunds = await t.request({ method: 'GET', url: '/v1/admin/refunds', token: admin });
    expect(refunds.status, JSON.stringify(refunds.body)).toBe(200);
    expect(refunds.body.items).toHaveLength(1);
    expect(refunds.body.items[0]).toMatchObject({ amount_cents: 500, status: 'succeeded' });
    const [period] = await query<{ refunded_cents: number; charge_refunded: number }>(sql`
      select bp.refunded_cents::int, c.refunded_cents::int as charge_refunded
        from admin_refunds r join invoices i on i.id = r.invoice_id join billing_periods bp on bp.id = i.billing_period_id
        join charges c on c.id = r.charge_id`);
    expect(period).toEqual({ refunded_cents: 500, charge_refunded: 500 });
    // The period's creators keep half of what its copies earned (the reversal is in the ledger, reconciled above).
    const [reversed] = await query<{ count: number }>(sql`select count(*)::int as count from ledger_transactions where kind = 'earnings.reversed'`);
    expect(reversed!.count).toBeGreaterThan(0);
    const entries = await query<{ action: string }>(sql`select action from audit_entries where action = 'refund.created'`);
    expect(entries).toHaveLength(1);
  });

  it('has paid payouts and one failed with its reason, and leaves the demo creators free to connect', async () => {
    const payouts = await query<{ status: string; failure_reason: string | null; paid_at: string | null }>(sql`
      select status, failure_reason, paid_at from payouts order by created_at`);
    expect(payouts.filter((p) => p.status === 'paid').length).toBeGreaterThanOrEqual(2);
    const failed = payouts.filter((p) => p.status === 'failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]!.failure_reason).toMatch(/rejected/);
    expect(payouts.filter((p) => p.status === 'paid').every((p) => p.paid_at !== null)).toBe(true);

    const earnings = await t.request({ method: 'GET', url: '/v1/creators/me/earnings', token: await logIn('priya_growth') });
    expect(earnings.status).toBe(200);
    expect(earnings.body.connect.status).toBe('not_connected');
    expect(earnings.body.payouts.map((p: { status: string }) => p.status)).toEqual(expect.arrayContaining(['paid', 'failed']));
    expect(earnings.body.paid_cents).toBeGreaterThan(0);
  });

  it('leaves nothing held past its hold: the release job’s first tick after a start has nothing to release', async () => {
    const released = await releaseAllHeldEarnings(t.database.db, { asOf: new Date(), holdDays: t.config.holdDays });
    expect(released).toBe(0);
    const [held] = await query<{ held: number }>(sql`select count(*)::int as held from period_earnings where state = 'held'`);
    expect(held!.held, 'the demo has earnings still in their hold').toBeGreaterThan(0);
  });

  it('spreads the history over months: subscribers, collections and ledger entries in at least five, payouts in two', async () => {
    const months = await query<{ month: string; periods: number; collected: number }>(sql`
      select to_char(bp.period_start, 'YYYY-MM') as month, count(*)::int as periods, sum(i.amount_paid_cents)::int as collected
        from billing_periods bp join invoices i on i.id = bp.invoice_id
       group by 1 order by 1`);
    expect(months.length).toBeGreaterThanOrEqual(5);
    expect(months.every((m) => m.collected > 0)).toBe(true);
    const ledgerMonths = await query<{ month: string }>(sql`select distinct to_char(created_at, 'YYYY-MM') as month from ledger_entries`);
    expect(ledgerMonths.length).toBeGreaterThanOrEqual(5);
    const paidMonths = await query<{ month: string }>(sql`
      select distinct to_char(created_at, 'YYYY-MM') as month from ledger_entries where account = 'creator_paid'`);
    expect(paidMonths.length).toBeGreaterThanOrEqual(2);
    // Some readers are still subscribed: the console's MRR is not zero.
    const [active] = await query<{ count: number }>(sql`select count(*)::int as count from subscriptions where status = 'active'`);
    expect(active!.count).toBeGreaterThan(0);
    // Every entry has its transaction's date.
    const [undated] = await query<{ count: number }>(sql`
      select count(*)::int as count from ledger_entries e join ledger_transactions t on t.id = e.transaction_id where e.created_at <> t.created_at`);
    expect(undated!.count).toBe(0);
  });

  it('leaves the ledger immutable (the guard lifted to date the history is back on)', async () => {
    const error = await t.database.db.execute(sql`update ledger_entries set created_at = now() where id = (select min(id) from ledger_entries)`).then(
      () => undefined,
      (failure: unknown) => failure,
    );
    expect(String((error as Error | undefined)?.cause ?? error)).toMatch(/ledger entries are immutable/);
  });
});
