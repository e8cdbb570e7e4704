/**
 * What a process remembers for a while: values by key, each until its own time, at most `max` of them (past it, the
 * one written longest ago is forgotten). The process's memories of verified tokens, sessions, subscribers in good
 * standing and the planner's answers are all this; none is an authority, each is what the database (or a check)
 * said at most its time ago, and each says there how long that may be.
 */
export type ExpiringMap<K, V> = {
  /** The value, if one was remembered for `key` and its time has not passed at `now`. */
  get(key: K, now?: number): V | undefined;
  /** Remembers `value` until `until` (a Date.now() time or, for tokens, whatever clock their caller reads). */
  set(key: K, value: V, until: number): void;
  delete(key: K): void;
  /** Forgets every value `matches` says yes to. */
  deleteWhere(matches: (value: V) => boolean): void;
};

export function createExpiringMap<K, V>(max: number): ExpiringMap<K, V> {
  const entries = new Map<K, { value: V; until: number }>();
  return {
    get(key, now = Date.now()) {
      const entry = entries.get(key);
      if (!entry) return undefined;
      if (entry.until > now) return entry.value;
      entries.delete(key);
      return undefined;
    },
    set(key, value, until) {
      // Written again, a key moves to the end: the oldest writes are forgotten first.
      entries.delete(key);
      entries.set(key, { value, until });
      if (entries.size > max) entries.delete(entries.keys().next().value!);
    },
    delete(key) {
      entries.delete(key);
    },
    deleteWhere(matches) {
      for (const [key, entry] of entries) if (matches(entry.value)) entries.delete(key);
    },
  };
}
