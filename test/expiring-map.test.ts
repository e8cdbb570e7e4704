import { describe, expect, it } from 'vitest';
import { createExpiringMap } from '../src/server/expiring-map.js';

describe('an expiring map (what a process remembers a while)', () => {
  it('gives a value until its time, then nothing', () => {
    const map = createExpiringMap<string, number>(10);
    map.set('a', 1, 1_000);
    expect(map.get('a', 999)).toBe(1);
    expect(map.get('a', 1_000)).toBeUndefined();
    // Forgotten once past its time, even asked about an earlier moment.
    expect(map.get('a', 500)).toBeUndefined();
  });

  it('keeps at most its size, forgetting the value written longest ago; writing a key again makes it the newest', () => {
    const map = createExpiringMap<string, number>(2);
    map.set('a', 1, 1_000);
    map.set('b', 2, 1_000);
    map.set('a', 3, 1_000);
    map.set('c', 4, 1_000);
    expect([map.get('a', 0), map.get('b', 0), map.get('c', 0)]).toEqual([3, undefined, 4]);
  });

  it('forgets a key, or every value a test picks', () => {
    const map = createExpiringMap<string, { user: string }>(10);
    map.set('s1', { user: 'u1' }, 1_000);
    map.set('s2', { user: 'u2' }, 1_000);
    map.set('s3', { user: 'u1' }, 1_000);
    map.deleteWhere((value) => value.user === 'u1');
    map.delete('s2');
    expect([map.get('s1', 0), map.get('s2', 0), map.get('s3', 0)]).toEqual([undefined, undefined, undefined]);
  });
});
