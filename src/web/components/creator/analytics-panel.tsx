import { api } from '../../api/endpoints.js';
import type { CreatorAnalytics } from '../../api/types.js';
import { formatCents, formatCount } from '../../lib/format.js';
import { useResource } from '../../lib/use-resource.js';
import { EarningsChart } from '../earnings-chart.js';
import { ErrorState, Loading } from '../states.js';
import { type DateRange, describeRange } from './date-range.js';

/**
 * The range's totals and its chart, both from one answer of GET /v1/creators/me/analytics, so they always agree —
 * after a partial refund too: `earned_cents` is net of refunds and disputes, and the cards say so.
 */
export function AnalyticsPanel({ range }: { range: DateRange }) {
  const analytics = useResource((signal) => api.analytics({ from: range.from, to: range.to }, { signal }), [range.from, range.to]);
  if (analytics.status === 'loading') return <Loading label="Loading your copies and earnings…" />;
  if (analytics.status === 'error') return <ErrorState error={analytics.error} onRetry={analytics.reload} what="your analytics" />;
  return <AnalyticsView analytics={analytics.data} range={range} />;
}

function AnalyticsView({ analytics, range }: { analytics: CreatorAnalytics; range: DateRange }) {
  const { totals } = analytics;
  const reversed = totals.gross_cents - totals.earned_cents;
  const label = describeRange(range);
  return (
    <div className="analytics" data-testid="analytics" data-from={analytics.from} data-to={analytics.to}>
      <div className="analytics-cards" data-testid="analytics-cards">
        <Figure label="Earned" value={formatCents(totals.earned_cents)} testId="total-earned" hint="Net of refunds and disputes" isHighlighted />
        <Figure label="Paid copies" value={formatCount(totals.counted_copies)} testId="total-counted" hint={`of ${formatCount(totals.copies)} copies in all`} />
        <Figure label="Copies" value={formatCount(totals.copies)} testId="total-copies" hint="Free and past-the-limit copies too" />
        <Figure
          label="Refunds and disputes"
          value={formatCents(reversed)}
          testId="total-reversed"
          hint={`Taken back from ${formatCents(totals.gross_cents)} earned when copied`}
        />
      </div>
      <p className="analytics-basis muted small" data-testid="analytics-basis">
        {analytics.basis === 'net'
          ? `Net of refunds and disputes: each day shows what its copies earn now, after any refund or dispute of the subscriber’s payment. Days are UTC, ${label}.`
          : `Gross: before refunds and disputes. Days are UTC, ${label}.`}
      </p>
      <EarningsChart days={analytics.days} caption={`Copies and net earnings, ${label}`} />
    </div>
  );
}

function Figure({ label, value, hint, testId, isHighlighted = false }: { label: string; value: string; hint: string; testId: string; isHighlighted?: boolean }) {
  return (
    <div className={isHighlighted ? 'analytics-card is-highlighted' : 'analytics-card'}>
      <p className="money-label">{label}</p>
      <p className="analytics-value" data-testid={testId}>
        {value}
      </p>
      <p className="muted small">{hint}</p>
    </div>
  );
}
