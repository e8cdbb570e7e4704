import 'uplot/dist/uPlot.min.css';
import { useEffect, useRef } from 'react';
import type uPlot from 'uplot';
import type { AnalyticsDay } from '../api/types.js';
import { formatCents, formatCount } from '../lib/format.js';
import { niceCeiling } from '../lib/chart.js';
import { formatDay } from './creator/date-range.js';

const HEIGHT = 240;
/** Below this width the copies axis goes: the bars and the legend still say it. */
const NARROW = 480;
/** Steps the axes may take: whole cents and whole copies, never $0.005 or 2.5 copies. */
const WHOLE_STEPS = [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1_000, 2_000, 2_500, 5_000, 10_000, 20_000, 25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000];

type Palette = { earned: string; earnedFill: string; copies: string; text: string; muted: string; grid: string };

/**
 * The theme's colours as the canvas needs them: the custom properties hold `light-dark(…)` pairs, which a canvas
 * does not understand, so a probe element resolves each one to the rgb() the page is showing now.
 */
function readPalette(host: HTMLElement): Palette {
  const probe = document.createElement('span');
  probe.style.display = 'none';
  host.append(probe);
  const resolve = (property: string) => {
    probe.style.color = `var(${property})`;
    return getComputedStyle(probe).color;
  };
  const earned = resolve('--bar-available');
  probe.style.color = `color-mix(in srgb, var(--bar-available) 55%, transparent)`;
  const earnedFill = getComputedStyle(probe).color;
  const palette = { earned, earnedFill, copies: resolve('--accent'), text: resolve('--text'), muted: resolve('--muted'), grid: resolve('--border') };
  probe.remove();
  return palette;
}

const DAY_SECONDS = 86_400;
/** Tick steps for the day axis: whole days and weeks, never hours (the series has one point a day). */
const DAY_STEPS = [1, 2, 3, 7, 14, 28, 56, 91].map((days) => days * DAY_SECONDS);
const dayToSeconds = (day: string) => Date.parse(`${day}T00:00:00Z`) / 1000;
const shortDay = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', timeZone: 'UTC' });

function chartOptions(UPlot: typeof uPlot, width: number, palette: Palette): uPlot.Options {
  const isNarrow = width < NARROW;
  const axis = { stroke: palette.muted, grid: { stroke: palette.grid, width: 1 }, ticks: { stroke: palette.grid, width: 1 }, font: '11px system-ui, sans-serif' };
  return {
    width,
    height: HEIGHT,
    // The analytics count by UTC day: the axis and the legend show those days, whatever the browser's time zone.
    tzDate: (seconds) => UPlot.tzDate(new Date(seconds * 1000), 'Etc/UTC'),
    cursor: { drag: { x: false, y: false }, points: { show: false } },
    // Labels only: the values of the day under the cursor would read "—" until one points at a day.
    legend: { show: true, live: false },
    scales: {
      // Half a day of room at each end, so the first and last bars are whole.
      x: { time: true, range: (_u, min, max) => [min - DAY_SECONDS / 2, max + DAY_SECONDS / 2] },
      cents: { range: (_u, _min, max) => [0, Math.max(max <= 2 ? 2 : niceCeiling(max), 2)] },
      copies: { range: (_u, _min, max) => [0, Math.max(niceCeiling(max), 2)] },
    },
    series: [
      {},
      {
        label: 'Earned (net)',
        scale: 'cents',
        stroke: palette.earned,
        fill: palette.earnedFill,
        width: 1,
        paths: UPlot.paths.bars!({ size: [0.7, 40], align: 0 }),
        points: { show: false },
      },
      {
        label: 'Copies',
        scale: 'copies',
        stroke: palette.copies,
        width: 2,
        points: { show: false },
      },
    ],
    axes: [
      { ...axis, space: 56, incrs: DAY_STEPS, values: (_u, ticks) => ticks.map((seconds) => shortDay.format(new Date(seconds * 1000))) },
      { ...axis, scale: 'cents', size: 64, incrs: WHOLE_STEPS, values: (_u, ticks) => ticks.map((cents) => formatCents(cents)) },
      { ...axis, scale: 'copies', side: 1, show: !isNarrow, size: 44, grid: { show: false }, incrs: WHOLE_STEPS, values: (_u, ticks) => ticks.map((n) => formatCount(n)) },
    ],
  };
}

/**
 * Net earnings (bars) and copies (line) per UTC day of the dashboard's range, drawn by uPlot. uPlot needs a DOM, so
 * it is loaded and built in an effect only: the component renders on a server as its table, and the chart appears
 * on hydration. It redraws when the theme changes (the canvas does not follow CSS) and follows its box's width.
 */
export function EarningsChart({ days, caption }: { days: AnalyticsDay[]; caption: string }) {
  const hostRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const host = hostRef.current;
    if (!host) return;
    let chart: uPlot | undefined;
    let isGone = false;
    const data: uPlot.AlignedData = [days.map((day) => dayToSeconds(day.date)), days.map((day) => day.earned_cents), days.map((day) => day.copies)];
    const width = () => Math.max(240, Math.floor(host.clientWidth));

    let build = () => {};
    void import('uplot').then(({ default: UPlot }) => {
      if (isGone) return;
      build = () => {
        chart?.destroy();
        chart = new UPlot(chartOptions(UPlot, width(), readPalette(host)), data, host);
      };
      build();
    });

    const resizer = new ResizeObserver(() => {
      if (!chart) return;
      // The copies axis comes and goes at the narrow width: that needs new options, not only a new size.
      if (width() < NARROW !== chart.width < NARROW) build();
      else chart.setSize({ width: width(), height: HEIGHT });
    });
    resizer.observe(host);
    // The theme toggle sets data-theme on <html>; without a choice the system's scheme decides.
    const themeWatcher = new MutationObserver(() => build());
    themeWatcher.observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme', 'class', 'style'] });
    const scheme = window.matchMedia('(prefers-color-scheme: dark)');
    const onScheme = () => build();
    scheme.addEventListener('change', onScheme);

    return () => {
      isGone = true;
      resizer.disconnect();
      themeWatcher.disconnect();
      scheme.removeEventListener('change', onScheme);
      chart?.destroy();
    };
  }, [days]);

  const earned = days.reduce((sum, day) => sum + day.earned_cents, 0);
  const copies = days.reduce((sum, day) => sum + day.copies, 0);
  const best = days.reduce<AnalyticsDay | undefined>((top, day) => (day.earned_cents > (top?.earned_cents ?? 0) ? day : top), undefined);

  return (
    <figure className="chart earnings-chart" data-testid="earnings-chart" data-days={days.length} data-earned-cents={earned}>
      <div ref={hostRef} className="earnings-chart-canvas" aria-hidden="true" />
      <figcaption className="visually-hidden">
        {caption}: {formatCents(earned)} net from {formatCount(copies)} copies over {days.length} days
        {best ? `; the best day was ${formatDay(best.date)} with ${formatCents(best.earned_cents)}` : ''}.
      </figcaption>
      {/* A table cannot be shrunk to nothing itself (it grows to its content): its wrapper is what is hidden. */}
      <div className="visually-hidden">
        <table data-testid="earnings-chart-table">
          <caption>{caption}, per day</caption>
          <thead>
            <tr>
              <th scope="col">Day (UTC)</th>
              <th scope="col">Copies</th>
              <th scope="col">Paid copies</th>
              <th scope="col">Earned (net)</th>
            </tr>
          </thead>
          <tbody>
            {days.map((day) => (
              <tr key={day.date}>
                <th scope="row">{formatDay(day.date)}</th>
                <td>{formatCount(day.copies)}</td>
                <td>{formatCount(day.counted_copies)}</td>
                <td data-cents={day.earned_cents}>{formatCents(day.earned_cents)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </figure>
  );
}
