import { sql } from 'drizzle-orm';
import { rowsOf } from '../../src/server/db/rows.js';
import { formatReconcileReport, reconcileLedger } from '../../src/server/modules/ledger/reconcile.js';
import { RECONCILE_CHECKS } from '../../src/server/reconcile-checks.js';
import { periodKeyOf } from '../model/model.js';
import type { Sequence } from './sequence.js';

// After a sequence: `flowtab reconcile` must be clean, and the app must agree with the independent model to the cent
// on every creator's balances, every period's copies, the transfers and the refunds Stripe holds.

export async function compareWithModel(seq: Sequence): Promise<string[]> {
  const { world, model } = seq;
  await seq.settle({ withRefunds: true });
  const differences: string[] = [];

  const report = await reconcileLedger(
    world.ctx.db,
    { sharePercent: world.economics.creatorSharePercent, paidCap: world.economics.paidCopiesPerPeriod },
    RECONCILE_CHECKS,
  );
  if (!report.isClean) differences.push(`flowtab reconcile:\n${formatReconcileReport(report)}`);

  for (const person of seq.people.values()) {
    const name = person.name;

    // Balances, as the creator sees them.
    const earnings = await world.request({ method: 'GET', url: '/v1/creators/me/earnings', token: person.token });
    const expected = model.balances(name);
    const actual = {
      pending: earnings.body.pending_cents,
      held: earnings.body.held_cents,
      available: earnings.body.available_cents,
      inTransit: earnings.body.in_transit_cents,
      paid: earnings.body.paid_cents,
      credited: earnings.body.credited_cents,
    };
    for (const key of Object.keys(expected) as (keyof typeof expected)[]) {
      if (actual[key] !== expected[key]) differences.push(`${name} ${key}: app ${actual[key]} ¢, model ${expected[key]} ¢`);
    }

    // This period's counts, as the member sees them.
    const me = await world.request({ method: 'GET', url: '/v1/subscriptions/me', token: person.token });
    const summary = model.subscriptionSummary(name);
    if (me.body.is_subscriber !== summary.isSubscriber) differences.push(`${name} is_subscriber: app ${me.body.is_subscriber}, model ${summary.isSubscriber}`);
    if (summary.isSubscriber) {
      if (me.body.copies_this_month !== summary.copiesThisMonth) differences.push(`${name} copies_this_month: app ${me.body.copies_this_month}, model ${summary.copiesThisMonth}`);
      if (me.body.copies_remaining !== summary.copiesRemaining) differences.push(`${name} copies_remaining: app ${me.body.copies_remaining}, model ${summary.copiesRemaining}`);
    }

    // Every billing period of the member with copies: counts, gross and state.
    const rows = rowsOf<{ subscription_id: string; start: string | number; copies_count: number; counted_copies: number; earned_cents: string | number; status: string }>(
      await world.ctx.db.execute(sql`
        select subscription_id, extract(epoch from period_start)::bigint as start, copies_count, counted_copies, earned_cents, status
          from billing_periods where user_id = ${person.id}`),
    );
    const appPeriods = new Map(rows.map((r) => [periodKeyOf(r.subscription_id, Number(r.start)), r]));
    for (const period of model.periods.values()) {
      if (period.person !== name) continue;
      const row = appPeriods.get(period.key);
      const money = model.moneyOf(period);
      if (!row) {
        differences.push(`period ${period.key} of ${name}: missing in the app (model: ${model.describePeriod(period)})`);
        continue;
      }
      const app = `${row.copies_count} copies, ${row.counted_copies} counted, ${Number(row.earned_cents)} ¢ gross, ${row.status}`;
      const mine = `${period.copies} copies, ${period.counted} counted, ${period.grossTotal} ¢ gross, ${money.status}`;
      if (app !== mine) differences.push(`period ${period.key} of ${name}: app ${app}; model ${mine} (${model.describePeriod(period)})`);
    }
    for (const [key, row] of appPeriods) {
      if (row.copies_count > 0 && !model.periods.has(key)) differences.push(`period ${key} of ${name}: the app has ${row.copies_count} copies in it, the model none`);
    }

    // Transfers to the creator's connected account, as Stripe lists them.
    if (person.accountId) {
      const transfers = await world.stripe.transfers.list({ destination: person.accountId, limit: 100 });
      const amounts = transfers.data.sort((a, b) => a.created - b.created).map((t) => t.amount);
      const wanted = model.expectedTransfers(name);
      if (JSON.stringify([...amounts].sort(numeric)) !== JSON.stringify([...wanted].sort(numeric))) {
        differences.push(`${name} transfers: Stripe has [${amounts.join(', ')}], model [${wanted.join(', ')}]`);
      }
    }

    // Refunds of every charge, and second subscriptions cancelled.
    const pv = model.personView(name);
    for (const [chargeId, wanted] of model.expectedRefunds(name)) {
      const actualRefunds = pv?.charges.find((c) => c.id === chargeId)?.refunds ?? [];
      if (JSON.stringify([...actualRefunds].sort(numeric)) !== JSON.stringify([...wanted].sort(numeric))) {
        differences.push(`${name} refunds of ${chargeId}: Stripe has [${actualRefunds.join(', ')}], model [${wanted.join(', ')}]`);
      }
    }
    differences.push(...model.duplicateProblems(name));
  }
  return differences;
}

const numeric = (a: number, b: number) => a - b;
