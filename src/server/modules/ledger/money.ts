import type { BillingPeriodStatus } from '../../db/schema.js';

/** The economics of SPEC §4, from configuration. All amounts are integer cents. */
export type Economics = {
  paidCopiesPerPeriod: number;
  ratePerCopyCents: number;
  creatorSharePercent: number;
  copyLimitPerPeriod: number;
};

export type PeriodMoney = { status: BillingPeriodStatus; basisCents: number; refundedCents: number; earnedCents: number };

/** floor(share% × what the period kept): the most its creators may ever earn from it. */
export function creatorPoolCents(period: Pick<PeriodMoney, 'status' | 'basisCents' | 'refundedCents'>, sharePercent: number): number {
  if (period.status === 'void') return 0;
  const kept = Math.max(0, period.basisCents - period.refundedCents);
  return Math.floor((sharePercent * kept) / 100);
}

/**
 * Whether one more copy earns its creator the rate: the flow is premium, the copier is a subscriber in good standing
 * and not the author (together `isEligible`), the paid cap is not reached and the pool still covers the rate.
 */
export function isCopyCounted(
  period: PeriodMoney & { countedCopies: number },
  isEligible: boolean,
  economics: Pick<Economics, 'paidCopiesPerPeriod' | 'ratePerCopyCents' | 'creatorSharePercent'>,
): boolean {
  return (
    isEligible &&
    period.status !== 'void' &&
    period.countedCopies < economics.paidCopiesPerPeriod &&
    period.earnedCents + economics.ratePerCopyCents <= creatorPoolCents(period, economics.creatorSharePercent)
  );
}

export type Fraction = { num: number; den: number };

/**
 * The share of its gross earnings each creator keeps from a period: the refund proportion (kept / basis), or, if
 * the pool has shrunk below what was earned (an invoice lower than expected), pool / earned. Either way
 * Σ floor(gross_c × factor) ≤ pool, so the invariant holds after every refund, dispute or repricing.
 */
export function earningsFactor(period: PeriodMoney, sharePercent: number): Fraction {
  if (period.status === 'void' || period.basisCents <= 0) return { num: 0, den: 1 };
  const kept = Math.max(0, period.basisCents - period.refundedCents);
  const pool = creatorPoolCents(period, sharePercent);
  if (period.earnedCents === 0 || kept * period.earnedCents <= pool * period.basisCents) return { num: kept, den: period.basisCents };
  return { num: pool, den: period.earnedCents };
}

export function applyFactor(grossCents: number, factor: Fraction): number {
  return Math.floor((grossCents * factor.num) / factor.den);
}

/** Dollars for people (web app and emails only); everything else stays in cents. */
export function formatCents(cents: number, currency = 'USD'): string {
  return new Intl.NumberFormat('en-US', { style: 'currency', currency }).format(cents / 100);
}
