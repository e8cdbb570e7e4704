import { useId } from 'react';
import { formatCents, formatMonth } from '../../lib/format.js';
import { niceCeiling, useElementWidth } from '../../lib/chart.js';

export type ChartSeries = {
  label: string;
  /** One value per month, in cents. */
  values: number[];
  kind: 'bar' | 'line';
};

const HEIGHT = 240;
const PAD = { top: 16, right: 12, bottom: 28, left: 64 };

const compactUsd = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', notation: 'compact', maximumFractionDigits: 1 });
const formatTick = (cents: number) => (Math.abs(cents) >= 100_000 ? compactUsd.format(cents / 100) : formatCents(cents));

/**
 * Up to twelve months as bars (one series) with a line over them (another), drawn at 1:1 so labels stay legible,
 * with the same figures as a table for screen readers and for anyone who wants the numbers.
 */
export function MonthChart({ title, months, series }: { title: string; months: string[]; series: ChartSeries[] }) {
  const id = useId();
  const [figureRef, width] = useElementWidth<HTMLElement>(720, 260);
  const all = series.flatMap((s) => s.values);
  const max = niceCeiling(Math.max(0, ...all)) || 100;
  const min = -niceCeiling(-Math.min(0, ...all));
  const plotWidth = width - PAD.left - PAD.right;
  const plotHeight = HEIGHT - PAD.top - PAD.bottom;
  const slot = plotWidth / Math.max(months.length, 1);
  const bars = series.filter((s) => s.kind === 'bar');
  const lines = series.filter((s) => s.kind === 'line');
  const barWidth = Math.min(36, (slot * 0.7) / Math.max(bars.length, 1));
  const y = (cents: number) => PAD.top + ((max - cents) / (max - min)) * plotHeight;
  // A small negative month leaves its tick a few pixels under $0: label only $0 then, so the two do not overlap.
  const hasRoomBelowZero = y(min) - y(0) >= 14;
  const ticks = min < 0 ? (hasRoomBelowZero ? [min, 0, max] : [0, max]) : [0, Math.round(max / 2), max];
  const isNarrow = width < 520;
  const summary = series.map((s) => `${s.label}: ${months.map((m, i) => `${formatMonth(m)} ${formatCents(s.values[i] ?? 0)}`).join(', ')}`).join('. ');

  return (
    <figure className="chart admin-chart" ref={figureRef}>
      <svg viewBox={`0 0 ${width} ${HEIGHT}`} role="img" aria-labelledby={`${id}-title`}>
        <title id={`${id}-title`}>{`${title}. ${summary}`}</title>
        {ticks.map((tick) => (
          <g key={tick} className="chart-grid">
            <line x1={PAD.left} x2={width - PAD.right} y1={y(tick)} y2={y(tick)} />
            <text x={PAD.left - 8} y={y(tick)} dy="0.32em" textAnchor="end">
              {formatTick(tick)}
            </text>
          </g>
        ))}
        {months.map((month, index) => {
          const center = PAD.left + slot * index + slot / 2;
          // Narrow: every other month, counted back from the newest, which always has its label.
          const showLabel = !isNarrow || (months.length - 1 - index) % 2 === 0;
          const isFirstLabel = index === (isNarrow ? (months.length - 1) % 2 : 0);
          return (
            <g key={month}>
              {bars.map((s, b) => {
                const value = s.values[index] ?? 0;
                const x = center - (barWidth * bars.length) / 2 + barWidth * b;
                const top = y(Math.max(value, 0));
                return (
                  <rect key={s.label} x={x} y={top} width={Math.max(barWidth - 2, 1)} height={Math.abs(y(value) - y(0))} rx={2} className={`admin-bar admin-series-${b}`}>
                    <title>{`${formatMonth(month)} · ${s.label}: ${formatCents(value)}`}</title>
                  </rect>
                );
              })}
              {showLabel && (
                <text x={center} y={HEIGHT - 8} textAnchor="middle" className="chart-label">
                  {isFirstLabel || month.endsWith('-01') ? formatMonth(month).replace(/ (\d{2})(\d{2})$/, " '$2") : formatMonth(month).replace(/ \d{4}$/, '')}
                </text>
              )}
            </g>
          );
        })}
        {lines.map((s) => (
          <g key={s.label} className="admin-line">
            <polyline points={months.map((_, index) => `${PAD.left + slot * index + slot / 2},${y(s.values[index] ?? 0)}`).join(' ')} fill="none" />
            {months.map((month, index) => (
              <circle key={month} cx={PAD.left + slot * index + slot / 2} cy={y(s.values[index] ?? 0)} r={3.5}>
                <title>{`${formatMonth(month)} · ${s.label}: ${formatCents(s.values[index] ?? 0)}`}</title>
              </circle>
            ))}
          </g>
        ))}
      </svg>
      <figcaption className="chart-legend">
        {bars.map((s, b) => (
          <span key={s.label} className="legend-item">
            <span className={`legend-swatch admin-series-${b}`} aria-hidden="true" />
            {s.label} (bars)
          </span>
        ))}
        {lines.map((s) => (
          <span key={s.label} className="legend-item">
            <span className="legend-swatch admin-line-swatch" aria-hidden="true" />
            {s.label} (line)
          </span>
        ))}
      </figcaption>
      <details className="chart-table">
        <summary>Show as a table</summary>
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">{title}</caption>
            <thead>
              <tr>
                <th scope="col">Month</th>
                {series.map((s) => (
                  <th key={s.label} scope="col" className="num">
                    {s.label}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {months.map((month, index) => (
                <tr key={month}>
                  <th scope="row">{formatMonth(month)}</th>
                  {series.map((s) => (
                    <td key={s.label} className="num">
                      {formatCents(s.values[index] ?? 0)}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </figure>
  );
}

/** RFC 4180 CSV (quoted fields, doubled quotes, CRLF or LF) into rows of strings. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let isQuoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const char = text[i]!;
    if (isQuoted) {
      if (char === '"' && text[i + 1] === '"') {
        field += '"';
        i += 1;
      } else if (char === '"') {
        isQuoted = false;
      } else {
        field += char;
      }
    } else if (char === '"') {
      isQuoted = true;
    } else if (char === ',') {
      row.push(field);
      field = '';
    } else if (char === '\n' || char === '\r') {
      if (char === '\r' && text[i + 1] === '\n') i += 1;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else {
      field += char;
    }
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows.filter((r) => r.some((cell) => cell !== ''));
}

/** CSV rows with a header line into objects keyed by the header's names. */
export function csvRecords(text: string): Record<string, string>[] {
  const [header, ...rows] = parseCsv(text);
  if (!header) return [];
  return rows.map((row) => Object.fromEntries(header.map((name, index) => [name.trim(), row[index] ?? ''])));
}
