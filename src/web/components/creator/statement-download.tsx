import { useId, useState } from 'react';
import type { ApiError } from '../../api/client.js';
import { api } from '../../api/endpoints.js';
import { formatMonth } from '../../lib/format.js';
import { saveBlob } from '../../lib/save-file.js';
import { toApiError } from '../../lib/use-resource.js';

/** How far back the month picker goes when the earnings do not say (a new creator): this year and the last. */
const FALLBACK_MONTHS = 24;

/** UTC months from `first` (YYYY-MM) up to this one, newest first. */
export function monthsSince(first: string | undefined, now = new Date()): string[] {
  const months: string[] = [];
  const cursor = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  for (let i = 0; i < 120; i++) {
    const month = cursor.toISOString().slice(0, 7);
    months.push(month);
    if (first ? month <= first : i + 1 >= FALLBACK_MONTHS) break;
    cursor.setUTCMonth(cursor.getUTCMonth() - 1);
  }
  return months;
}

/**
 * The monthly statement (per flow: copies, gross, reversals, net; then the month's payouts with their Stripe transfer
 * ids). It needs the bearer token, so a plain link cannot fetch it: the CSV is fetched, then saved from a Blob URL.
 */
export function StatementDownload({ firstMonth }: { firstMonth: string | undefined }) {
  const id = useId();
  const months = monthsSince(firstMonth);
  const [month, setMonth] = useState(months[0]!);
  const [isBusy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError>();

  const download = async () => {
    setBusy(true);
    setError(undefined);
    try {
      saveBlob(new Blob([await api.statementCsv(month)], { type: 'text/csv;charset=utf-8' }), `flowtab-statement-${month}.csv`);
    } catch (caught) {
      setError(toApiError(caught));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="statement-download">
      <div className="statement-download-row">
        <label htmlFor={`${id}-month`}>Month</label>
        <select id={`${id}-month`} value={month} onChange={(event) => setMonth(event.target.value)}>
          {months.map((value) => (
            <option key={value} value={value}>
              {formatMonth(value)}
            </option>
          ))}
        </select>
        <button type="button" className="button" onClick={() => void download()} disabled={isBusy} aria-busy={isBusy || undefined}>
          {isBusy ? 'Preparing…' : 'Download statement (CSV)'}
        </button>
      </div>
      <p className="muted small">Per flow: copies, paid copies, gross, refunds and disputes, net; then the month’s payouts with their Stripe transfer ids. Days are UTC.</p>
      {error && (
        <p className="notice notice-error" role="alert">
          {error.detail || error.title}
        </p>
      )}
    </div>
  );
}
