import { niceCeiling, useElementWidth } from '../lib/chart.js';
import type { MonthlyEarning } from '../api/types.js';
import { formatCents, formatMonth, plural } from '../lib/format.js';

const STATUS_ORDER = ['paid', 'available', 'held', 'pending'] as const;
const HEIGHT = 220;
const NARROW = 480;
const PAD = { top: 16, right: 8, bottom: 28, left: 56 };

type MonthBar = { month: string; total: number; copies: number; segments: { status: string; cents: number }[] };

/** One bar per month, stacked by status. Voided earnings (an invoice never paid) were never money: not drawn. */
function toBars(earnings: MonthlyEarning[]): MonthBar[] {
  const byMonth = new Map<string, MonthBar>();
  for (const row of earnings) {
    if (row.status === 'void') continue;
    const bar = byMonth.get(row.month) ?? { month: row.month, total: 0, copies: 0, segments: [] };
    bar.total += row.amount_cents;
    bar.copies += row.copy_count;
    bar.segments.push({ status: row.status, cents: row.amount_cents });
    byMonth.set(row.month, bar);
  }
  const rank = (status: string) => {
    const index = STATUS_ORDER.indexOf(status as (typeof STATUS_ORDER)[number]);
    return index === -1 ? STATUS_ORDER.length : index;
  };
  return [...byMonth.values()]
    .sort((a, b) => a.month.localeCompare(b.month))
    .map((bar) => ({ ...bar, segments: bar.segments.sort((a, b) => rank(a.status) - rank(b.status)) }));
}

/** A round number at or above the largest bar, so the axis reads $0, $0.25, $0.50 rather than $0, $0.11, $0.21. */
function axisMaximum(cents: number): number {
  if (cents <= 0) return 100;
  if (cents <= 2) return 2; // keeps the half-way tick a whole cent
  return niceCeiling(cents);
}

/** Monthly earnings as stacked bars (paid, available, held, pending), with a table for screen readers. */
export function EarningsChart({ earnings }: { earnings: MonthlyEarning[] }) {
  const [figureRef, width] = useElementWidth<HTMLElement>(640, 240);
  const allBars = toBars(earnings);
  const bars = allBars.slice(width < NARROW ? -6 : -12);
  const max = axisMaximum(Math.max(...bars.map((bar) => bar.total)));
  const plotWidth = width - PAD.left - PAD.right;
  const plotHeight = HEIGHT - PAD.top - PAD.bottom;
  const slot = plotWidth / Math.max(bars.length, 1);
  const barWidth = Math.min(48, slot * 0.6);
  const y = (cents: number) => PAD.top + plotHeight - (cents / max) * plotHeight;
  const ticks = [0, 0.5, 1].map((f) => Math.round(max * f));
  const statuses = [...new Set(bars.flatMap((bar) => bar.segments.map((s) => s.status)))];

  return (
    <figure className="chart" ref={figureRef}>
      <svg viewBox={`0 0 ${width} ${HEIGHT}`} role="img" aria-labelledby="earnings-chart-title" preserveAspectRatio="xMidYMid meet">
        <title id="earnings-chart-title">
          Earnings per month: {bars.map((bar) => `${formatMonth(bar.month)} ${formatCents(bar.total)}`).join(', ')}
        </title>
        {ticks.map((tick) => (
          <g key={tick} className="chart-grid">
            <line x1={PAD.left} x2={width - PAD.right} y1={y(tick)} y2={y(tick)} />
            <text x={PAD.left - 8} y={y(tick)} dy="0.32em" textAnchor="end">
              {formatCents(tick)}
            </text>
          </g>
        ))}
        {bars.map((bar, index) => {
          const x = PAD.left + slot * index + (slot - barWidth) / 2;
          let top = y(0);
          return (
            <g key={bar.month}>
              {bar.segments.map((segment) => {
                const height = (segment.cents / max) * plotHeight;
                top -= height;
                return (
                  <rect key={segment.status} x={x} y={top} width={barWidth} height={Math.max(height, 0)} rx={3} className={`bar bar-${segment.status}`}>
                    <title>{`${formatMonth(bar.month)} · ${segment.status}: ${formatCents(segment.cents)}`}</title>
                  </rect>
                );
              })}
              <text x={x + barWidth / 2} y={HEIGHT - 8} textAnchor="middle" className="chart-label">
                {index === 0 || bar.month.endsWith('-01') ? formatMonth(bar.month) : formatMonth(bar.month).replace(/ \d{4}$/, '')}
              </text>
            </g>
          );
        })}
      </svg>
      <figcaption className="chart-legend">
        {statuses.map((status) => (
          <span key={status} className="legend-item">
            <span className={`legend-swatch bar-${status}`} aria-hidden="true" />
            {status}
          </span>
        ))}
      </figcaption>
      <details className="chart-table">
        <summary>Show as a table</summary>
        <table>
          <thead>
            <tr>
              <th scope="col">Month</th>
              <th scope="col" className="num">
                Paid copies
              </th>
              <th scope="col" className="num">
                Earned
              </th>
              <th scope="col">Status</th>
            </tr>
          </thead>
          <tbody>
            {[...allBars].reverse().map((bar) => (
              <tr key={bar.month}>
                <td>{formatMonth(bar.month)}</td>
                <td className="num">{plural(bar.copies, 'copy', 'copies')}</td>
                <td className="num">{formatCents(bar.total)}</td>
                <td>{bar.segments.map((s) => s.status).join(', ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}
