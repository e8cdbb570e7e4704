/**
 * The economics of SPEC §4, from configuration. All amounts are integer cents. The rules that apply them to a copy
 * (cap, pool, counting, the net after refunds) are decided by the database, in one file each under
 * `src/server/db/functions/` (record_copy, period_pool_cents, period_net_cents); they are not restated here.
 */
export type Economics = {
  paidCopiesPerPeriod: number;
  ratePerCopyCents: number;
  creatorSharePercent: number;
  copyLimitPerPeriod: number;
};

/** Paid copies left in a billing period whose counted copies (as record_copy counted them) are `countedCopies`. */
export function paidCopiesRemaining(economics: Pick<Economics, 'paidCopiesPerPeriod'>, countedCopies: number): number {
  return Math.max(0, economics.paidCopiesPerPeriod - countedCopies);
}

/** Dollars for people (web app and emails only); everything else stays in cents. */
export function formatCents(cents: number, currency = 'USD'): string {
  return new Intl.NumberFormat('en-US', { style: 'currency', currency }).format(cents / 100);
}
