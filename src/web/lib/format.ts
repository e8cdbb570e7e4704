const usd = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' });
const day = new Intl.DateTimeFormat('en-US', { dateStyle: 'medium' });
const dayAndTime = new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeStyle: 'short' });
const monthName = new Intl.DateTimeFormat('en-US', { month: 'short', year: 'numeric', timeZone: 'UTC' });
const count = new Intl.NumberFormat('en-US');

/** Money is integer cents everywhere; dollars exist only on screen. */
export const formatCents = (cents: number): string => usd.format(cents / 100);
export const formatCount = (value: number): string => count.format(value);
export const formatDate = (iso: string | null | undefined): string => (iso ? day.format(new Date(iso)) : '—');
export const formatDateTime = (iso: string | null | undefined): string => (iso ? dayAndTime.format(new Date(iso)) : '—');

/** `2026-11` → `Nov 2026`. */
export function formatMonth(month: string): string {
  const [year, monthNumber] = month.split('-').map(Number);
  if (!year || !monthNumber) return month;
  return monthName.format(new Date(Date.UTC(year, monthNumber - 1, 1)));
}

export const plural = (n: number, one: string, many = `${one}s`): string => `${formatCount(n)} ${n === 1 ? one : many}`;
