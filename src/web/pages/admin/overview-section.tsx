import { useState } from 'react';
import { adminApi, adminDownloads } from '../../api/admin.js';
import type { ApiError } from '../../api/client.js';
import { useActionNotice, useQueryParams } from '../../components/admin/admin-table.js';
import { ConfirmAction } from '../../components/admin/confirm-dialog.js';
import { FinanceCards, ReconcileStatus } from '../../components/admin/finance-cards.js';
import { type ChartSeries, csvRecords, MonthChart } from '../../components/admin/month-chart.js';
import { EmptyState, ErrorState, Loading } from '../../components/states.js';
import { formatMonth } from '../../lib/format.js';
import { toApiError, useResource } from '../../lib/use-resource.js';

const MONTH_PATTERN = /^\d{4}-(0[1-9]|1[0-2])$/;

export function currentMonth(): string {
  return new Date().toISOString().slice(0, 7);
}

/**
 * The chart reads months.csv (one request; the server's own monthly figures, the same file an operator downloads)
 * rather than twelve summary calls. Columns are found by name, so a new column in the file changes nothing here.
 */
const CHART_COLUMNS: { column: string; label: string; kind: ChartSeries['kind'] }[] = [
  { column: 'collected_cents', label: 'Collected', kind: 'bar' },
  { column: 'creator_earnings_cents', label: 'Creator earnings', kind: 'bar' },
  { column: 'platform_net_cents', label: 'Platform net', kind: 'line' },
];

export function OverviewSection() {
  const { get, set } = useQueryParams();
  const requested = get('month');
  const month = MONTH_PATTERN.test(requested) ? requested : currentMonth();
  const summary = useResource((signal) => adminApi.financeSummary(month, { signal }), [month]);
  const { notice, announce } = useActionNotice();

  return (
    <section aria-labelledby="admin-overview-title">
      <div className="admin-section-head">
        <h1 id="admin-overview-title">Overview</h1>
        <div className="field admin-filter">
          <label htmlFor="admin-month">Month</label>
          <input
            id="admin-month"
            type="month"
            value={month}
            max={currentMonth()}
            onChange={(event) => {
              if (MONTH_PATTERN.test(event.target.value)) set({ month: event.target.value });
            }}
          />
        </div>
      </div>
      {notice}

      {summary.status === 'loading' && <Loading label="Loading the finance summary…" />}
      {summary.status === 'error' && <ErrorState error={summary.error} onRetry={summary.reload} what="the finance summary" />}
      {summary.status === 'ready' && (
        <>
          <h2 className="admin-subhead">{formatMonth(summary.data.month)}</h2>
          <FinanceCards summary={summary.data} />
          <section className="card" aria-labelledby="admin-reconcile-title">
            <h2 id="admin-reconcile-title">Reconcile</h2>
            <ReconcileStatus reconcile={summary.data.reconcile} />
            <ConfirmAction
              buttonLabel="Run reconcile now…"
              title="Run reconcile now"
              description={<p>Checks the ledger, balances and Stripe against each other. It changes nothing but is recorded in the audit log.</p>}
              confirmLabel="Run reconcile"
              isDestructive={false}
              onConfirm={async (reason) => {
                const result = await adminApi.reconcile(reason);
                return result.ok ? 'Reconcile passed.' : `Reconcile failed: ${result.failures} broken invariant(s).`;
              }}
              onDone={(message) => {
                announce(message);
                summary.reload();
              }}
            />
          </section>
        </>
      )}

      <MonthsPanel />
      <Downloads month={month} />
    </section>
  );
}

function MonthsPanel() {
  const months = useResource((signal) => adminApi.monthsCsv({ signal }), []);
  return (
    <section className="card" aria-labelledby="admin-months-title">
      <h2 id="admin-months-title">Last 12 months</h2>
      {months.status === 'loading' && <Loading label="Loading months…" />}
      {months.status === 'error' && <ErrorState error={months.error} onRetry={months.reload} what="the monthly figures" />}
      {months.status === 'ready' && <MonthsChart csv={months.data} />}
    </section>
  );
}

function MonthsChart({ csv }: { csv: string }) {
  const records = csvRecords(csv).filter((record) => MONTH_PATTERN.test(record.month ?? ''));
  if (records.length === 0) {
    return (
      <EmptyState title="No months yet">
        <p>Figures appear once the first subscription is paid.</p>
      </EmptyState>
    );
  }
  // Twelve months ending with the file's last, months without a row drawn as zero.
  const byMonth = new Map(records.map((record) => [record.month!, record]));
  const last = [...byMonth.keys()].sort().at(-1)!;
  const months = lastTwelveMonths(last);
  const columns = Object.keys(records[0]!);
  const series = CHART_COLUMNS.filter(({ column }) => columns.includes(column)).map(({ column, label, kind }) => ({
    label,
    kind,
    values: months.map((month) => Number.parseInt(byMonth.get(month)?.[column] ?? '', 10) || 0),
  }));
  if (series.length === 0) return <p className="muted">months.csv has none of the expected columns ({CHART_COLUMNS.map((c) => c.column).join(', ')}).</p>;
  return <MonthChart title="Money per month" months={months} series={series} />;
}

/** `2026-03` → the twelve months `2025-04` … `2026-03`. */
function lastTwelveMonths(last: string): string[] {
  const [year, month] = last.split('-').map(Number) as [number, number];
  return Array.from({ length: 12 }, (_, index) => {
    const date = new Date(Date.UTC(year, month - 12 + index, 1));
    return date.toISOString().slice(0, 7);
  });
}

function Downloads({ month }: { month: string }) {
  const [busy, setBusy] = useState<string>();
  const [error, setError] = useState<ApiError>();
  const run = async (name: string, download: () => Promise<void>) => {
    setBusy(name);
    setError(undefined);
    try {
      await download();
    } catch (caught) {
      setError(toApiError(caught));
    } finally {
      setBusy(undefined);
    }
  };
  return (
    <section className="card" aria-labelledby="admin-downloads-title">
      <h2 id="admin-downloads-title">Downloads</h2>
      <div className="actions">
        <button type="button" className="button" disabled={Boolean(busy)} onClick={() => void run('months', adminDownloads.months)}>
          {busy === 'months' ? 'Downloading…' : 'Download months.csv'}
        </button>
        <button type="button" className="button" disabled={Boolean(busy)} onClick={() => void run('ledger', () => adminDownloads.ledger(month))}>
          {busy === 'ledger' ? 'Downloading…' : `Download ledger.csv (${formatMonth(month)})`}
        </button>
      </div>
      {error && (
        <p className="notice notice-error admin-gap" role="alert">
          {error.title}
          {error.detail ? `: ${error.detail}` : ''}
        </p>
      )}
    </section>
  );
}
