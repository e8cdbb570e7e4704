import type { ReactNode } from 'react';
import type { AdminFinanceSummary } from '../../api/admin.js';
import { formatCents, formatCount, formatDateTime } from '../../lib/format.js';

type CardProps = { label: string; value: ReactNode; hint?: ReactNode; tone?: 'good' | 'bad' };

function FinanceCard({ label, value, hint, tone }: CardProps) {
  return (
    <div className={tone ? `card admin-finance-card is-${tone}` : 'card admin-finance-card'}>
      <dt className="money-label">{label}</dt>
      <dd className="admin-finance-value">{value}</dd>
      {hint && <dd className="muted small">{hint}</dd>}
    </div>
  );
}

const percent = new Intl.NumberFormat('en-US', { style: 'percent', maximumFractionDigits: 1 });

/** The month's money and subscribers, as the finance summary reports them (SPEC §14). */
export function FinanceCards({ summary }: { summary: AdminFinanceSummary }) {
  const { liabilities } = summary;
  const liabilitiesTotal = liabilities.pending_cents + liabilities.held_cents + liabilities.available_cents + liabilities.in_transit_cents;
  return (
    <dl className="admin-finance-cards" aria-label="Finance summary">
      <FinanceCard label="Collected" value={formatCents(summary.collected_cents)} hint="Subscription payments received" />
      <FinanceCard label="Refunded" value={formatCents(summary.refunded_cents)} />
      <FinanceCard label="Disputed" value={formatCents(summary.disputed_cents)} />
      <FinanceCard label="Creator earnings" value={formatCents(summary.creator_earnings_cents)} hint={`Pool cap ${formatCents(summary.pool_cap_cents)}`} />
      <FinanceCard label="Pool utilization" value={percent.format(summary.pool_utilization)} hint="Earnings ÷ pool cap" />
      <FinanceCard label="Platform net" value={formatCents(summary.platform_net_cents)} tone={summary.platform_net_cents < 0 ? 'bad' : undefined} />
      <FinanceCard label="Payouts paid" value={formatCents(summary.payouts_paid_cents)} />
      <FinanceCard
        label="Liabilities"
        value={formatCents(liabilitiesTotal)}
        hint={`Pending ${formatCents(liabilities.pending_cents)} · held ${formatCents(liabilities.held_cents)} · available ${formatCents(liabilities.available_cents)} · in transit ${formatCents(liabilities.in_transit_cents)}`}
      />
      <FinanceCard
        label="Subscribers"
        value={formatCount(summary.active_subscribers)}
        hint={`${formatCount(summary.new_subscribers)} new · ${formatCount(summary.churned_subscribers)} churned`}
      />
      <FinanceCard label="MRR" value={formatCents(summary.mrr_cents)} hint="Monthly recurring revenue" />
    </dl>
  );
}

/** The newest reconcile run: ok or failed (with what failed), and when. */
export function ReconcileStatus({ reconcile }: { reconcile: AdminFinanceSummary['reconcile'] }) {
  if (reconcile.ok === null || !reconcile.checked_at) {
    return <p className="muted">Reconcile has not run yet.</p>;
  }
  return (
    <div className="stack admin-reconcile-status">
      <p>
        <span className={reconcile.ok ? 'badge badge-good' : 'badge admin-badge-bad'}>{reconcile.ok ? 'OK' : 'Failed'}</span>{' '}
        <span className="muted">checked {formatDateTime(reconcile.checked_at)}</span>
      </p>
      {reconcile.details.length > 0 && (
        <>
          <p className="small">{reconcile.failures === 1 ? '1 broken invariant:' : `${reconcile.failures} broken invariants:`}</p>
          <ul className="admin-failures">
            {reconcile.details.map((detail, index) => (
              <li key={index}>{detail}</li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}
