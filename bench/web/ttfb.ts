import { parseArgs } from 'node:util';

// Time to first byte of web pages, as a browser's first request sees it: `npx tsx bench/web/ttfb.ts URL... [--runs N]`.
// Sequential requests (one at a time, after a warm-up), no keep-alive reuse across pages; prints the median and p95.

const { values, positionals } = parseArgs({ options: { runs: { type: 'string', default: '200' } }, allowPositionals: true });
const runs = Number(values.runs);
if (positionals.length === 0 || !Number.isInteger(runs) || runs < 1) {
  console.error('usage: npx tsx bench/web/ttfb.ts URL... [--runs N]');
  process.exit(2);
}

async function firstByteMs(url: string): Promise<{ ms: number; status: number; bytes: number }> {
  const started = performance.now();
  const response = await fetch(url, { headers: { accept: 'text/html' } });
  const reader = response.body!.getReader();
  const first = await reader.read();
  const ms = performance.now() - started;
  let bytes = first.value?.length ?? 0;
  for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) bytes += chunk.value.length;
  return { ms, status: response.status, bytes };
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

for (const url of positionals) {
  for (let i = 0; i < 10; i++) await firstByteMs(url);
  const times: number[] = [];
  let last = { status: 0, bytes: 0 };
  for (let i = 0; i < runs; i++) {
    const result = await firstByteMs(url);
    times.push(result.ms);
    last = result;
  }
  times.sort((a, b) => a - b);
  console.log(`${url}  status ${last.status}, ${(last.bytes / 1024).toFixed(1)} KB: TTFB median ${quantile(times, 0.5).toFixed(1)} ms, p95 ${quantile(times, 0.95).toFixed(1)} ms (${runs} requests)`);
}
