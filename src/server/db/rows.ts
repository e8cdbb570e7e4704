/** `db.execute` answers `{ rows }` on both drivers, but with driver-specific types: one accessor for both. */
export function rowsOf<T>(result: unknown): T[] {
  return (result as { rows: T[] }).rows;
}
