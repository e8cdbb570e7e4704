import { setTimeout as sleep } from 'node:timers/promises';

export type WaitOptions = {
  /** What is awaited, for the failure: "timed out after 15000 ms waiting for <message>". */
  message: string;
  /** Gives up after this long (default 15 s). */
  timeoutMs?: number;
  /** Pause between two checks (default 50 ms). */
  intervalMs?: number;
  /** More context for the failure (what did arrive, what is still pending); called once, on timeout. */
  explain?: () => unknown;
};

type Truthy<T> = Exclude<T, false | 0 | '' | null | undefined>;

/**
 * The tests' one bounded poll: checks `condition` until it returns a truthy value and returns that value. On timeout
 * it fails with `message`, the last value seen and `explain()`. An error thrown by `condition` ends the wait at once
 * (catch inside the condition what may fail while waiting, e.g. a server not listening yet).
 *
 * Waiting is for something that will happen; to show that something did NOT happen, drive what would make it happen
 * to completion first (flush the webhooks, settle the outbox, run the job until it has no work), then assert.
 */
export async function waitUntil<T>(condition: () => T | Promise<T>, options: WaitOptions): Promise<Truthy<T>> {
  const { message, timeoutMs = 15_000, intervalMs = 50 } = options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await condition();
    if (value) return value as Truthy<T>;
    if (Date.now() >= deadline) {
      const context = options.explain ? `; ${show(await options.explain())}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${message}; last value: ${show(value)}${context}`);
    }
    await sleep(Math.min(intervalMs, Math.max(0, deadline - Date.now())));
  }
}

function show(value: unknown): string {
  let text: string;
  try {
    text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  } catch {
    text = String(value);
  }
  return text.length > 2_000 ? `${text.slice(0, 2_000)}…` : text;
}
