import type { Db } from '../../db/client.js';
import { countRateLimitHits, type RateLimitHit, type RateLimitHits, type RateLimitWindow } from './repository.js';

/**
 * Counts a process's rate-limit hits in the shared `rate_limits` windows. A budget of at least BATCHED_FROM hits per
 * window (the list's 300 a minute, a token's 300) is not worth a database write on every request: far from the limit,
 * a hit is counted here and the process sends its gathered hits every `flushEveryMs`, all keys in one statement. A
 * key's first hit in a window, every hit once the key is within a tenth of its budget (by what this process knows),
 * and every hit of a smaller budget (logins: 10 a minute) are counted in the database at once, as before.
 *
 * What that trades: a process counts a hit by itself only while the database told it the key's hits within the last
 * 2 × `flushEveryMs` (each sending answers them), so other processes' hits are seen at most that late, and never
 * past nine tenths of the budget. Only a client spreading more than a tenth of its budget over several processes
 * within that time gets more than its budget, by at most what those processes counted meanwhile (each at most a
 * tenth). Within one process nothing is lost or late: a hit counted here is in the answer at once, and sent within
 * `flushEveryMs`. Hits not yet sent when the process stops uncleanly are not counted (the limit is
 * a guard against abuse, not an account of money).
 */
export type RateLimitCounter = {
  /** Counts one hit on `key`: the window's hits (this one included) as far as this process knows, and its remaining time. */
  count(key: string, windowMs: number, max: number): Promise<RateLimitHit>;
  /** Sends the hits still gathered; later hits are counted in the database at once. */
  close(): Promise<void>;
};

/** Budgets of at least this many hits per window are counted in batches (above). */
export const BATCHED_FROM = 100;
/** How often a process sends its gathered hits, by default. */
export const RATE_LIMIT_FLUSH_MS = 100;
/** At most this many keys are remembered; past it, new keys are counted in the database at once. */
const KEYS_KEPT = 50_000;
/** How often ended windows are forgotten (and whenever KEYS_KEPT is reached). */
const SWEEP_EVERY_MS = 60_000;

type KeyWindow = {
  windowMs: number;
  /** Which window (its end on the database's clock) `known` is of. */
  windowEndsAt: number;
  /** Hits the database answered for the window (every process's). */
  known: number;
  /** Hits being sent now, and hits gathered since. */
  sending: number;
  gathered: number;
  /** When the window ends, and when the database last answered for it, on this process's clock. */
  endsAt: number;
  learnedAt: number;
};

export function createRateLimitCounter(db: Db, options: { flushEveryMs: number } = { flushEveryMs: RATE_LIMIT_FLUSH_MS }): RateLimitCounter {
  const windows = new Map<string, KeyWindow>();
  let timer: NodeJS.Timeout | undefined;
  let flushing: Promise<void> | undefined;
  /** Keys with hits gathered since they were last sent. */
  const gatheredKeys = new Set<string>();
  let sweptAt = Date.now();
  let isClosed = false;

  /** Forgets windows that have ended with nothing left to send. */
  function forgetEnded(now: number) {
    sweptAt = now;
    for (const [key, window] of windows) if (window.endsAt <= now && window.sending + window.gathered === 0) windows.delete(key);
  }

  /**
   * What the database answered for a key: a newer window replaces what was known (hits still gathered or being sent
   * stay with the key: they are counted in whichever window they reach), the same window only grows.
   */
  function learn(key: string, windowMs: number, answer: RateLimitWindow, now: number) {
    const window = windows.get(key);
    if (!window) {
      if (windows.size >= KEYS_KEPT) forgetEnded(now);
      if (windows.size < KEYS_KEPT) {
        windows.set(key, { windowMs, windowEndsAt: answer.windowEndsAt, known: answer.hits, sending: 0, gathered: 0, endsAt: now + answer.resetInMs, learnedAt: now });
      }
    } else if (answer.windowEndsAt > window.windowEndsAt) {
      Object.assign(window, { windowMs, windowEndsAt: answer.windowEndsAt, known: answer.hits, endsAt: now + answer.resetInMs, learnedAt: now });
    } else if (answer.windowEndsAt === window.windowEndsAt) {
      window.known = Math.max(window.known, answer.hits);
      window.learnedAt = now;
    }
  }

  /**
   * A hit this process may count by itself: a big budget, a window whose hits the database told it of lately (so
   * other processes' hits are at most that late) and that is not about to end, well below the limit.
   */
  function gathers(window: KeyWindow, max: number, now: number): boolean {
    if (max < BATCHED_FROM || isClosed) return false;
    if (now - window.learnedAt > 2 * options.flushEveryMs || window.endsAt - now <= 2 * options.flushEveryMs) return false;
    const headroom = Math.ceil(max / 10);
    return window.known + window.sending + window.gathered + 1 <= max - headroom && window.sending + window.gathered < headroom;
  }

  function scheduleFlush() {
    if (timer || isClosed) return;
    timer = setTimeout(() => {
      timer = undefined;
      void flush();
    }, options.flushEveryMs);
    timer.unref();
  }

  /** Sends every key's gathered hits in one statement; a failure keeps them gathered for the next try. */
  function flush(): Promise<void> {
    if (flushing) return flushing;
    const sent: { key: string; window: KeyWindow; hits: RateLimitHits }[] = [];
    for (const key of gatheredKeys) {
      const window = windows.get(key);
      if (!window || window.gathered === 0) continue;
      sent.push({ key, window, hits: { key, hits: window.gathered, windowMs: window.windowMs } });
      window.sending += window.gathered;
      window.gathered = 0;
    }
    gatheredKeys.clear();
    if (sent.length === 0) return Promise.resolve();
    flushing = (async () => {
      try {
        const answers = await countRateLimitHits(db, sent.map((s) => s.hits));
        const now = Date.now();
        sent.forEach((s, i) => {
          s.window.sending -= s.hits.hits;
          learn(s.key, s.window.windowMs, answers[i]!, now);
        });
        if (now - sweptAt >= SWEEP_EVERY_MS) forgetEnded(now);
      } catch {
        // The database is away: the hits stay gathered (a hit that must be counted at once fails meanwhile: 503).
        for (const s of sent) {
          s.window.sending -= s.hits.hits;
          s.window.gathered += s.hits.hits;
          gatheredKeys.add(s.key);
        }
      } finally {
        flushing = undefined;
        // Hits gathered while this was being sent (or kept by a failure) go with the next.
        if (gatheredKeys.size > 0) scheduleFlush();
      }
    })();
    return flushing;
  }

  return {
    async count(key, windowMs, max) {
      const now = Date.now();
      const window = windows.get(key);
      if (window && gathers(window, max, now)) {
        window.gathered++;
        gatheredKeys.add(key);
        scheduleFlush();
        return { hits: window.known + window.sending + window.gathered, resetInMs: window.endsAt - now };
      }
      // Counted at once, together with the key's gathered hits.
      const gathered = window?.gathered ?? 0;
      if (window) {
        window.gathered = 0;
        window.sending += gathered;
      }
      try {
        const [answer] = await countRateLimitHits(db, [{ key, hits: gathered + 1, windowMs }]);
        if (window) window.sending -= gathered;
        if (max >= BATCHED_FROM) learn(key, windowMs, answer!, Date.now());
        return { hits: answer!.hits, resetInMs: answer!.resetInMs };
      } catch (error) {
        if (window) {
          window.sending -= gathered;
          window.gathered += gathered;
          if (gathered > 0) gatheredKeys.add(key);
        }
        throw error;
      }
    },
    async close() {
      isClosed = true;
      clearTimeout(timer);
      timer = undefined;
      await flushing;
      await flush().catch(() => {});
    },
  };
}
