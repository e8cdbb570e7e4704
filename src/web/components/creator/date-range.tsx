import { type FormEvent, useState } from 'react';

// The dashboard's date range: UTC days, as the analytics endpoint counts them, kept in the URL (?days=7, or
// ?from=2026-11-01&to=2026-11-30) so a reload or a shared link shows the same range.

export const PRESET_DAYS = [7, 30, 90] as const;
const DEFAULT_DAYS = 30;
/** The analytics endpoint answers at most this many days at once. */
export const MAX_RANGE_DAYS = 366;
const DAY_MS = 86_400_000;

export type DateRange = {
  from: string;
  to: string;
  /** The number of days, both ends included. */
  days: number;
  /** The preset it is (7, 30 or 90 days up to today), or undefined for a custom range. */
  preset?: number;
};

/** Today as a UTC calendar day (YYYY-MM-DD): the analytics count copies by UTC day. */
export function todayUtc(now = new Date()): string {
  return now.toISOString().slice(0, 10);
}

export function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);
}

export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);
}

/** A real calendar day as YYYY-MM-DD (2026-02-30 is not). */
export function isCalendarDay(value: string | null | undefined): value is string {
  if (!value || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const time = Date.parse(`${value}T00:00:00Z`);
  return Number.isFinite(time) && new Date(time).toISOString().startsWith(value);
}

export function presetRange(days: number, today = todayUtc()): DateRange {
  return { from: addDays(today, -(days - 1)), to: today, days, preset: days };
}

/** The range the URL asks for; anything missing or invalid falls back to the last 30 days. */
export function rangeFromSearch(search: URLSearchParams, today = todayUtc()): DateRange {
  const preset = Number(search.get('days'));
  if ((PRESET_DAYS as readonly number[]).includes(preset)) return presetRange(preset, today);
  const [from, to] = [search.get('from'), search.get('to')];
  if (isCalendarDay(from) && isCalendarDay(to) && from <= to && daysBetween(from, to) < MAX_RANGE_DAYS) {
    return { from, to, days: daysBetween(from, to) + 1 };
  }
  return presetRange(DEFAULT_DAYS, today);
}

/** The query parameters that stand for `range` (the default range needs none). */
export function rangeQuery(range: DateRange): Record<string, string | undefined> {
  if (range.preset === DEFAULT_DAYS) return { days: undefined, from: undefined, to: undefined };
  if (range.preset) return { days: String(range.preset), from: undefined, to: undefined };
  return { days: undefined, from: range.from, to: range.to };
}

/** The equal range just before: what a flow's trend compares with. */
export function previousRange(range: DateRange): DateRange {
  return { from: addDays(range.from, -range.days), to: addDays(range.from, -1), days: range.days };
}

const longDay = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });

export function formatDay(day: string): string {
  return longDay.format(new Date(`${day}T00:00:00Z`));
}

export function describeRange(range: DateRange): string {
  if (range.preset) return `the last ${range.preset} days`;
  return range.from === range.to ? formatDay(range.from) : `${formatDay(range.from)} – ${formatDay(range.to)}`;
}

/** Preset buttons (7, 30, 90 days) and a custom from/to form; `onChange` gets the new range. */
export function DateRangeControl({ range, onChange }: { range: DateRange; onChange: (range: DateRange) => void }) {
  const [from, setFrom] = useState(range.from);
  const [to, setTo] = useState(range.to);
  const [error, setError] = useState<string>();
  const today = todayUtc();

  // The custom fields follow the range chosen elsewhere (a preset, the back button).
  const [shown, setShown] = useState(range);
  if (shown.from !== range.from || shown.to !== range.to) {
    setShown(range);
    setFrom(range.from);
    setTo(range.to);
    setError(undefined);
  }

  const apply = (event: FormEvent) => {
    event.preventDefault();
    const message = customRangeError(from, to);
    setError(message);
    if (!message) onChange({ from, to, days: daysBetween(from, to) + 1 });
  };

  return (
    <div className="date-range" data-testid="date-range">
      <div className="date-range-presets" role="group" aria-label="Date range">
        {PRESET_DAYS.map((days) => (
          <button
            key={days}
            type="button"
            className={range.preset === days ? 'button button-small is-selected' : 'button button-small'}
            aria-pressed={range.preset === days}
            onClick={() => onChange(presetRange(days, today))}
          >
            {days} days
          </button>
        ))}
      </div>
      <form className="date-range-custom" onSubmit={apply} noValidate aria-label="Custom date range">
        <label>
          <span>From</span>
          <input type="date" value={from} max={today} onChange={(event) => setFrom(event.target.value)} aria-invalid={error ? true : undefined} />
        </label>
        <label>
          <span>To</span>
          <input type="date" value={to} max={today} onChange={(event) => setTo(event.target.value)} aria-invalid={error ? true : undefined} />
        </label>
        <button type="submit" className="button button-small">
          Show
        </button>
        {error && (
          <p className="field-error date-range-error" role="alert">
            {error}
          </p>
        )}
      </form>
    </div>
  );
}

function customRangeError(from: string, to: string): string | undefined {
  if (!isCalendarDay(from) || !isCalendarDay(to)) return 'Pick both days.';
  if (from > to) return 'The first day must not be after the last.';
  if (daysBetween(from, to) >= MAX_RANGE_DAYS) return `Pick at most ${MAX_RANGE_DAYS} days.`;
  return undefined;
}
