import { DrizzleQueryError } from 'drizzle-orm';

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

/** A CHECK constraint refused the row (SQLSTATE 23514), optionally a named one. */
export function isCheckViolation(error: unknown, constraint?: string): boolean {
  const pg = pgError(error);
  if (pg?.code !== '23514') return false;
  return constraint === undefined || (pg.constraint ?? pg.constraint_name) === constraint;
}

/**
 * SQLSTATE class 22 (data exception: NUL or bad UTF-8 in text, a malformed uuid, a value too long or out of range):
 * the database refused a value, which means input reached it unchecked. Returns the SQLSTATE, or undefined.
 */
export function findDataException(error: unknown): string | undefined {
  const code = pgError(error)?.code;
  return code?.startsWith('22') ? code : undefined;
}

/** Node socket errors meaning "the database server cannot be reached right now". */
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTFOUND']);
/** SQLSTATEs of a server that is going away or not accepting connections (class 08 is matched by prefix). */
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300']);
/** node-postgres reports a lost or never-made connection by message only, without a code. */
const UNREACHABLE_MESSAGE =
  /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Client was closed and is not queryable|Query read timeout|Connection ended)/;

export type DatabaseFailure = { code: string | undefined; message: string };

/**
 * The one place that recognizes "the database is unavailable" (outage, restart, failover, no free connection in
 * time): returns the driver-level cause, found through drizzle's DrizzleQueryError wrapping and Node's
 * AggregateError (one refusal per address), or undefined for every other error. The cause carries no query text
 * and no parameters. Other wrappers are not looked into: a refused connection behind `fetch failed` is not ours.
 */
export function findDatabaseUnavailable(error: unknown, depth = 0): DatabaseFailure | undefined {
  if (typeof error !== 'object' || error === null || depth > 5) return undefined;
  if (error instanceof DrizzleQueryError) return findDatabaseUnavailable(error.cause, depth + 1);
  const { code, message, errors } = error as { code?: unknown; message?: unknown; errors?: unknown };
  const codeText = typeof code === 'string' ? code : undefined;
  const messageText = typeof message === 'string' ? message : '';
  if (codeText && (UNREACHABLE_CODES.has(codeText) || UNAVAILABLE_SQLSTATES.has(codeText) || /^08[0-9A-Z]{3}$/.test(codeText))) {
    return { code: codeText, message: messageText };
  }
  if (!codeText && UNREACHABLE_MESSAGE.test(messageText)) return { code: undefined, message: messageText };
  if (Array.isArray(errors)) {
    for (const inner of errors) {
      const found = findDatabaseUnavailable(inner, depth + 1);
      if (found) return found;
    }
  }
  return undefined;
}

export function isDatabaseUnavailable(error: unknown): boolean {
  return findDatabaseUnavailable(error) !== undefined;
}
