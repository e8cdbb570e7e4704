// SIM_PROFILE=1: where a run's time goes (per command kind and per settle phase), printed at the end.

const totals = new Map<string, { ms: number; count: number }>();
export const isProfiling = Boolean(process.env.SIM_PROFILE);

export async function timed<T>(what: string, action: () => Promise<T>): Promise<T> {
  if (!isProfiling) return action();
  const started = performance.now();
  try {
    return await action();
  } finally {
    const entry = totals.get(what) ?? { ms: 0, count: 0 };
    entry.ms += performance.now() - started;
    entry.count++;
    totals.set(what, entry);
  }
}

export function profileReport(): string {
  return [...totals]
    .sort((a, b) => b[1].ms - a[1].ms)
    .map(([what, { ms, count }]) => `  ${what.padEnd(32)} ${Math.round(ms).toString().padStart(8)} ms  ${count.toString().padStart(6)}×  ${(ms / count).toFixed(1)} ms each`)
    .join('\n');
}
