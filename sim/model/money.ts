// The money rules of SPEC §4 as pure functions over integer cents, for the independent model. Written from the
// SPEC alone (see model.ts for the choices made where it is silent). BigInt keeps every product exact.

export type PeriodStatus = 'open' | 'paid' | 'void';

/**
 * What a billing period's invoice brought in, as Stripe reports it.
 * - `collected`: SPEC §4's "amount actually collected" = cash (`amount_paid`) + the part of the customer balance
 *   applied to the invoice that came from the member's own earnings credits. For an unpaid period, what it would
 *   collect if paid (the model's provisional basis).
 * - `cash`: `amount_paid`, what a refund or dispute is a proportion of.
 * - `lost`: refunded + disputed (open or lost disputes; a won dispute gives its amount back), at most `cash`.
 */
export type PeriodMoney = { status: PeriodStatus; collected: number; cash: number; lost: number };

const floorDiv = (numerator: bigint, denominator: bigint): number => Number(numerator / denominator);

/** The share of the period's money its creators keep after refunds and disputes: (cash − lost) / cash. */
function keptFraction(money: PeriodMoney): { num: bigint; den: bigint } {
  if (money.cash <= 0) return { num: 1n, den: 1n }; // nothing was charged, so nothing can be refunded
  return { num: BigInt(Math.max(0, money.cash - Math.min(money.lost, money.cash))), den: BigInt(money.cash) };
}

/** floor(share% × collected): the most the period's creators may earn before any refund or dispute. */
export function fullPoolCents(money: PeriodMoney, sharePercent: number): number {
  if (money.status === 'void') return 0;
  return floorDiv(BigInt(sharePercent) * BigInt(Math.max(0, money.collected)), 100n);
}

/** floor(share% × collected net of refunds and disputes): SPEC §4's pool, which refunds and disputes lower. */
export function poolCents(money: PeriodMoney, sharePercent: number): number {
  if (money.status === 'void') return 0;
  const kept = keptFraction(money);
  return floorDiv(BigInt(sharePercent) * BigInt(Math.max(0, money.collected)) * kept.num, 100n * kept.den);
}

/**
 * A creator's earnings from a period: their gross (rate × their counted copies) reversed in proportion to what was
 * refunded or disputed, and — should the period have collected less than its copies assumed (the pool shrank under
 * them) — scaled down to the pool in proportion to each creator's gross. Floored per creator, so the sum never
 * exceeds the pool. A voided period earns nothing.
 */
export function netEarningsCents(grossCents: number, periodGrossCents: number, money: PeriodMoney, sharePercent: number): number {
  if (money.status === 'void' || grossCents <= 0) return 0;
  const kept = keptFraction(money);
  const full = fullPoolCents(money, sharePercent);
  if (periodGrossCents <= full) return floorDiv(BigInt(grossCents) * kept.num, kept.den);
  return floorDiv(BigInt(grossCents) * kept.num * BigInt(full), kept.den * BigInt(periodGrossCents));
}
