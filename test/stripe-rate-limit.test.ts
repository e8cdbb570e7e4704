import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { createRateLimitGate, isStripeRateLimitError, type RateLimitWait, withRateLimitBackoff } from '../src/server/integrations/stripe/rate-limit.js';
import { payoutProgress, rateLimitNote } from '../src/server/cli/payouts.js';

// The bounded backoff bulk Stripe callers use against 429s, on a fake clock; and how the payout progress shows the waiting.

const rateLimited = () => new Stripe.errors.StripeRateLimitError({ message: 'Request rate limit exceeded.', type: 'invalid_request_error', code: 'rate_limit' });

function fakeClock() {
  let now = 0;
  const slept: number[] = [];
  return {
    now: () => now,
    slept,
    sleep: async (ms: number) => {
      slept.push(ms);
      now += ms;
    },
  };
}

describe('withRateLimitBackoff', () => {
  it('calls again after each 429 with doubling, jittered, capped delays until the call succeeds', async () => {
    const clock = fakeClock();
    let calls = 0;
    const waits: RateLimitWait[] = [];
    const result = await withRateLimitBackoff(
      async () => {
        calls++;
        if (calls <= 6) throw rateLimited();
        return 'done';
      },
      { ...clock, random: () => 1, initialDelayMs: 100, maxDelayMs: 1000, onWait: (w) => waits.push(w) },
    );
    expect(result).toBe('done');
    expect(calls).toBe(7);
    expect(clock.slept).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect(waits.map((w) => [w.attempt, w.delayMs, w.code])).toEqual([
      [1, 100, 'rate_limit'], [2, 200, 'rate_limit'], [3, 400, 'rate_limit'], [4, 800, 'rate_limit'], [5, 1000, 'rate_limit'], [6, 1000, 'rate_limit'],
    ]);
  });

  it('jitter scales each delay into [half, full]', async () => {
    const clock = fakeClock();
    let calls = 0;
    await withRateLimitBackoff(
      async () => {
        if (++calls <= 3) throw rateLimited();
      },
      { ...clock, random: () => 0, initialDelayMs: 100 },
    );
    expect(clock.slept).toEqual([50, 100, 200]);
  });

  it('throws any other error at once, without waiting', async () => {
    const clock = fakeClock();
    const refused = new Stripe.errors.StripeInvalidRequestError({ message: 'No such destination', type: 'invalid_request_error' });
    let calls = 0;
    await expect(
      withRateLimitBackoff(async () => {
        calls++;
        throw refused;
      }, clock),
    ).rejects.toBe(refused);
    expect(calls).toBe(1);
    expect(clock.slept).toEqual([]);
  });

  it('gives up with the 429 once the next wait would pass the deadline', async () => {
    const clock = fakeClock();
    let calls = 0;
    const error = await withRateLimitBackoff(
      async () => {
        calls++;
        throw rateLimited();
      },
      { ...clock, random: () => 1, initialDelayMs: 100, maxDelayMs: 1000, deadlineMs: 2000 },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Stripe.errors.StripeRateLimitError);
    // 100 + 200 + 400 + 800 = 1,500 ms waited; the next 1,000 would end past 2,000.
    expect(clock.slept).toEqual([100, 200, 400, 800]);
    expect(calls).toBe(5);
  });

  it('recognizes Stripe’s 429s (rate_limit and lock_timeout) and nothing else', () => {
    expect(isStripeRateLimitError(rateLimited())).toBe(true);
    expect(isStripeRateLimitError({ statusCode: 429, code: 'lock_timeout' })).toBe(true);
    expect(isStripeRateLimitError(new Stripe.errors.StripeAPIError({ message: 'boom', type: 'api_error' }))).toBe(false);
    expect(isStripeRateLimitError({ statusCode: 400, code: 'resource_missing' })).toBe(false);
    expect(isStripeRateLimitError(undefined)).toBe(false);
  });

  it('a shared gate holds every caller back after one is refused', async () => {
    const clock = fakeClock();
    const gate = createRateLimitGate(clock.now, clock.sleep);
    let refusedOnce = false;
    await withRateLimitBackoff(
      async () => {
        if (!refusedOnce) {
          refusedOnce = true;
          throw rateLimited();
        }
      },
      { ...clock, gate, random: () => 1, initialDelayMs: 300 },
    );
    expect(clock.now()).toBe(300);
    gate.pause(250);
    expect(gate.pausedUntil()).toBe(550);
    let sentAt = -1;
    await withRateLimitBackoff(async () => {
      sentAt = clock.now();
    }, { ...clock, gate });
    expect(sentAt).toBe(550);
    expect(gate.pausedUntil()).toBe(0);
  });
});

// eslint-disable-next-line no-control-regex -- ANSI escape sequences are what is stripped
const withoutEscapes = (text: string) => text.replace(/\x1b\[[0-9;?]*[A-Za-z]|\x1b[78]/g, '');

/** What a terminal shows last: cli-progress redraws the line from its start (CSI 1G). */
function lastFrame(text: string): string {
  const frames = text.split('\x1b[1G').map((frame) => withoutEscapes(frame).replace(/\n$/, ''));
  return frames.filter((frame) => frame !== '').at(-1) ?? '';
}

const redraw = () => new Promise((resolve) => setTimeout(resolve, 250));

describe('the payout run’s progress', () => {
  it('says when the run waits on Stripe’s rate limit, and how often it refused', () => {
    expect(rateLimitNote(undefined, 1000)).toBe('');
    expect(rateLimitNote({ refused: 3, waitingUntil: 1500 }, 1000)).toBe("  waiting on Stripe's rate limit (3 requests refused)");
    expect(rateLimitNote({ refused: 1, waitingUntil: 900 }, 1000)).toBe("  (Stripe's rate limit: 1 request refused)");
  });

  it('on a terminal, a cli-progress bar that shows the waiting while it lasts, redrawn without a new step', async () => {
    let now = 1000;
    let text = '';
    const bar = payoutProgress({ isTTY: true, write: (s: string) => (text += s) }, () => now, 10);
    try {
      bar.update({ phase: 'release', done: 3, total: 0 });
      expect(lastFrame(text)).toBe('releasing held earnings  3 released');
      bar.update({ phase: 'pay', done: 2, total: 4 });
      // A new phase, a new line: what the release said stays above.
      expect(withoutEscapes(text)).toContain('releasing held earnings  3 released\n');
      bar.update({ phase: 'pay', done: 2, total: 4, rateLimit: { refused: 5, waitingUntil: 1400 } });
      await redraw();
      expect(lastFrame(text)).toBe("paying creators           [#####-----] 2/4  waiting on Stripe's rate limit (5 requests refused)");
      // The pause ends with no payout finished meanwhile: the next redraw no longer says waiting.
      now = 2000;
      await redraw();
      expect(lastFrame(text)).toBe("paying creators           [#####-----] 2/4  (Stripe's rate limit: 5 requests refused)");
      bar.update({ phase: 'pay', done: 4, total: 4, rateLimit: { refused: 5, waitingUntil: 1400 } });
    } finally {
      bar.stop();
    }
    expect(lastFrame(text)).toBe("paying creators           [##########] 4/4  (Stripe's rate limit: 5 requests refused)");
    expect(text.endsWith('\n')).toBe(true);
  });

  it('on a pipe, plain lines: a line per tenth, and the waiting at most every 5 s', () => {
    const lines: string[] = [];
    let now = 0;
    const pipe = payoutProgress({ isTTY: false, write: (s: string) => lines.push(s) }, () => now);
    pipe.update({ phase: 'release', done: 0, total: 0 });
    pipe.update({ phase: 'pay', done: 0, total: 100 });
    pipe.update({ phase: 'pay', done: 1, total: 100, rateLimit: { refused: 1, waitingUntil: 200 } });
    now = 100;
    pipe.update({ phase: 'pay', done: 2, total: 100, rateLimit: { refused: 2, waitingUntil: 300 } }); // within 5 s: not again
    now = 6000;
    pipe.update({ phase: 'pay', done: 3, total: 100, rateLimit: { refused: 3, waitingUntil: 6200 } });
    pipe.stop();
    expect(lines).toEqual([
      'releasing held earnings…\n',
      'paying creators: 0/100\n',
      "paying creators: 1/100  waiting on Stripe's rate limit (1 request refused)\n",
      "paying creators: 3/100  waiting on Stripe's rate limit (3 requests refused)\n",
    ]);
  });
});
