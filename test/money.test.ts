import { describe, expect, it } from 'vitest';
import { formatCents, paidCopiesRemaining } from '../src/server/modules/ledger/money.js';

// The copy's money rules (cap, pool, counting, the net after refunds) are the database's: see
// test/record-copy-parity.test.ts, which drives record_copy and the functions it shares. Here only what TypeScript
// itself decides.

describe('paidCopiesRemaining', () => {
  it.each([
    [0, 100],
    [99, 1],
    [100, 0],
    [101, 0], // never negative (a lowered cap)
  ])('%i counted of 100 → %i left', (counted, expected) => {
    expect(paidCopiesRemaining({ paidCopiesPerPeriod: 100 }, counted)).toBe(expected);
  });
});

describe('formatCents', () => {
  it('formats cents as dollars for people', () => {
    expect(formatCents(7)).toBe('$0.07');
    expect(formatCents(123456)).toBe('$1,234.56');
    expect(formatCents(-250)).toBe('-$2.50');
  });
});
