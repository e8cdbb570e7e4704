import { describe, expect, it } from 'vitest';
import { applyFactor, creatorPoolCents, earningsFactor, formatCents, isCopyCounted, type PeriodMoney } from '../src/server/modules/ledger/money.js';

const economics = { paidCopiesPerPeriod: 100, ratePerCopyCents: 7, creatorSharePercent: 70 };
const period = (overrides: Partial<PeriodMoney & { countedCopies: number }> = {}) => ({
  status: 'paid' as const,
  basisCents: 1000,
  refundedCents: 0,
  earnedCents: 0,
  countedCopies: 0,
  ...overrides,
});

describe('creatorPoolCents', () => {
  it.each([
    [1000, 0, 'paid', 700],
    [999, 0, 'paid', 699], // floor(699.3)
    [500, 0, 'open', 350],
    [1000, 500, 'paid', 350],
    [1000, 1000, 'paid', 0],
    [1000, 1500, 'paid', 0], // never negative
    [1000, 0, 'void', 0],
    [0, 0, 'paid', 0],
  ] as const)('basis %i, refunded %i, %s → %i', (basisCents, refundedCents, status, expected) => {
    expect(creatorPoolCents({ basisCents, refundedCents, status }, 70)).toBe(expected);
  });
});

describe('isCopyCounted', () => {
  it('counts an eligible copy under the cap while the pool covers the rate', () => {
    expect(isCopyCounted(period(), true, economics)).toBe(true);
  });
  it('never counts an ineligible copy (free flow, self-copy, not in good standing)', () => {
    expect(isCopyCounted(period(), false, economics)).toBe(false);
  });
  it('stops at the paid cap: the 100th counts, the 101st does not', () => {
    expect(isCopyCounted(period({ countedCopies: 99, earnedCents: 693 }), true, economics)).toBe(true);
    expect(isCopyCounted(period({ countedCopies: 100, earnedCents: 700 }), true, economics)).toBe(false);
  });
  it('stops when the pool no longer covers the rate', () => {
    // Half price: pool 350 → exactly 50 copies.
    expect(isCopyCounted(period({ basisCents: 500, countedCopies: 49, earnedCents: 343 }), true, economics)).toBe(true);
    expect(isCopyCounted(period({ basisCents: 500, countedCopies: 50, earnedCents: 350 }), true, economics)).toBe(false);
    // 999¢ collected: pool 699 → the 100th copy would make 700 and is not paid.
    expect(isCopyCounted(period({ basisCents: 999, countedCopies: 99, earnedCents: 693 }), true, economics)).toBe(false);
  });
  it('pays nothing from a void period or a fully refunded one', () => {
    expect(isCopyCounted(period({ status: 'void' }), true, economics)).toBe(false);
    expect(isCopyCounted(period({ refundedCents: 1000 }), true, economics)).toBe(false);
  });
  it('at full price and the default economics, exactly 100 copies make exactly $7.00 of $10.00', () => {
    let state = period();
    let paid = 0;
    for (let i = 0; i < 150; i++) {
      if (isCopyCounted(state, true, economics)) {
        state = { ...state, countedCopies: state.countedCopies + 1, earnedCents: state.earnedCents + 7 };
        paid++;
      }
    }
    expect(paid).toBe(100);
    expect(state.earnedCents).toBe(700);
  });
});

describe('earningsFactor', () => {
  it('is 1 for an untouched period', () => {
    const factor = earningsFactor(period({ earnedCents: 700 }), 70);
    expect(applyFactor(700, factor)).toBe(700);
  });
  it('is the refund proportion (refund / amount paid)', () => {
    const factor = earningsFactor(period({ earnedCents: 700, refundedCents: 500 }), 70);
    expect(factor).toEqual({ num: 500, den: 1000 });
    expect(applyFactor(14, factor)).toBe(7);
    expect(applyFactor(7, factor)).toBe(3); // floor: never a cent more than the rule allows
  });
  it('reverses in proportion even when the period earned little', () => {
    expect(applyFactor(70, earningsFactor(period({ earnedCents: 70, refundedCents: 250 }), 70))).toBe(52);
  });
  it('is zero for a void period and after a full refund', () => {
    expect(applyFactor(700, earningsFactor(period({ status: 'void', earnedCents: 700 }), 70))).toBe(0);
    expect(applyFactor(700, earningsFactor(period({ earnedCents: 700, refundedCents: 1000 }), 70))).toBe(0);
  });
  it('falls back to pool / earned when the invoice came in below what was expected', () => {
    // 700¢ earned against an expected $10, then the invoice total was $5: the pool is 350¢.
    const factor = earningsFactor(period({ basisCents: 500, earnedCents: 700 }), 70);
    expect(factor).toEqual({ num: 350, den: 700 });
  });

  it('keeps Σ floor(gross × factor) ≤ pool for any split across creators (randomised)', () => {
    let seed = 12345;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let round = 0; round < 2000; round++) {
      const basisCents = 1 + Math.floor(random() * 2000);
      const pool = Math.floor((70 * basisCents) / 100);
      const creators = 1 + Math.floor(random() * 8);
      const gross = Array.from({ length: creators }, () => 7 * Math.floor(random() * 30));
      const earnedCents = gross.reduce((a, b) => a + b, 0);
      // Earned may exceed the pool only when the basis dropped after copies were counted; both cases are covered.
      const refundedCents = Math.floor(random() * basisCents * 1.2);
      const state = { status: 'paid' as const, basisCents, refundedCents, earnedCents };
      const factor = earningsFactor(state, 70);
      const kept = gross.reduce((sum, g) => sum + applyFactor(g, factor), 0);
      expect(kept).toBeLessThanOrEqual(creatorPoolCents(state, 70));
      const keptCents = Math.max(0, basisCents - refundedCents);
      if (earnedCents <= pool && earnedCents * keptCents <= creatorPoolCents(state, 70) * basisCents) {
        // While the refund proportion fits the pool, each creator keeps exactly floor(gross × kept / basis).
        gross.forEach((g) => expect(applyFactor(g, factor)).toBe(Math.floor((g * keptCents) / basisCents)));
      }
    }
  });
});

describe('formatCents', () => {
  it('formats cents as dollars for people', () => {
    expect(formatCents(7)).toBe('$0.07');
    expect(formatCents(123456)).toBe('$1,234.56');
    expect(formatCents(-250)).toBe('-$2.50');
  });
});
