type PgError = { code?: string; constraint?: string; constraint_name?: string };

/** drizzle wraps driver errors; the SQLSTATE lives on the cause (pg and PGlite alike). */
function pgError(error: unknown): PgError | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const cause = (error as { cause?: unknown }).cause;
  const candidate = (cause ?? error) as PgError;
  return typeof candidate.code === 'string' ? candidate : undefined;
}

export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const pg = pgError(error);
  if (pg?.code !== '23505') return false;
  return constraint === undefined || (pg.constraint ?? pg.constraint_name) === constraint;
}
