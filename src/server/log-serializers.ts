/**
 * What errors and requests look like in the logs. Logs never carry request bodies, password hashes or tokens
 * (SPEC §11): a failed query is logged with its SQLSTATE, constraint, table and SQL text — never its parameters
 * (drizzle puts them in the error's message and a `params` field; PGlite's error carries them too), and never
 * PostgreSQL's `detail` (which quotes the offending row) nor the part of its message after ": " (where it quotes
 * the offending value, as in `invalid input syntax for type uuid: "..."`).
 */

type ErrorLike = Error & Record<string, unknown>;
export type SerializedError = { type: string; message: string; stack?: string; [field: string]: unknown };

/** A PostgreSQL error's fields that name things in the schema, never values (pg and PGlite alike). */
const DATABASE_FIELDS = ['code', 'severity', 'constraint', 'table', 'column', 'schema', 'dataType', 'routine', 'position', 'query'];
/** Own fields of other errors that may carry input, whatever the error. */
const SECRET_FIELD = /^(params|parameters|body|payload|headers|raw|request|response)$|password|token|secret|hash|cookie|authorization/i;
const MAX_CAUSES = 5;

function isErrorLike(value: unknown): value is ErrorLike {
  return typeof value === 'object' && value !== null && typeof (value as { message?: unknown }).message === 'string';
}

/** drizzle's DrizzleQueryError: `Failed query: <sql>\nparams: <values>`, with the driver's error as `cause`. */
function isFailedQuery(error: ErrorLike): boolean {
  return typeof error.query === 'string' && 'params' in error && !isDatabaseError(error);
}

function isDatabaseError(error: ErrorLike): boolean {
  return typeof error.code === 'string' && /^[0-9A-Z]{5}$/.test(error.code) && typeof error.severity === 'string';
}

/** The pino `err` serializer: type, message and stack, the SQLSTATE and schema names of database errors, causes. */
export function serializeError(value: unknown, depth = 0): unknown {
  if (!isErrorLike(value)) return value;
  const error = value;
  const type = typeof error.constructor === 'function' ? error.constructor.name : String(error.name);
  let message: string;
  const fields: Record<string, unknown> = {};
  if (isDatabaseError(error)) {
    message = error.message.split(': ')[0] ?? '';
    for (const field of DATABASE_FIELDS) if (error[field] !== undefined && error[field] !== null) fields[field] = error[field];
  } else if (isFailedQuery(error)) {
    message = `Failed query: ${error.query as string}`;
    fields.query = error.query;
  } else {
    message = withoutParams(error.message);
    for (const [field, fieldValue] of Object.entries(error)) {
      if (field === 'cause' || SECRET_FIELD.test(field)) continue;
      if (isErrorLike(fieldValue)) {
        if (depth < MAX_CAUSES) fields[field] = serializeError(fieldValue, depth + 1);
      } else if (Array.isArray(fieldValue) && field === 'errors') {
        if (depth < MAX_CAUSES) fields.errors = fieldValue.map((inner) => serializeError(inner, depth + 1));
      } else if (['string', 'number', 'boolean'].includes(typeof fieldValue)) {
        fields[field] = typeof fieldValue === 'string' ? withoutParams(fieldValue) : fieldValue;
      }
    }
  }
  const serialized: SerializedError = { type, message, ...fields };
  const stack = safeStack(error, message);
  if (stack) serialized.stack = stack;
  if (error.cause !== undefined && depth < MAX_CAUSES) serialized.cause = serializeError(error.cause, depth + 1);
  return serialized;
}

/** A message that quotes a failed query's message keeps the query and loses the parameters. */
function withoutParams(message: string): string {
  const index = message.indexOf('\nparams: ');
  return index < 0 ? message : message.slice(0, index);
}

/** The stack's frames under a header rebuilt from the safe message (V8 starts the stack with the full message). */
function safeStack(error: ErrorLike, message: string): string | undefined {
  if (typeof error.stack !== 'string') return undefined;
  const header = `${String(error.name)}: ${error.message}`;
  const rest = error.stack.startsWith(header) ? error.stack.slice(header.length) : error.stack;
  const frames = rest.split('\n').filter((line) => /^\s+at /.test(line));
  return [`${String(error.name)}: ${message}`, ...frames].join('\n');
}

/** For a person at a terminal (the CLI): the safe stack, the database fields, then each cause. */
export function formatError(error: unknown): string {
  const isSerialized = (value: unknown): value is SerializedError => isErrorLike(value);
  let current = serializeError(error);
  if (!isSerialized(current)) return String(error);
  const lines: string[] = [];
  for (let depth = 0; isSerialized(current) && depth <= MAX_CAUSES; depth++) {
    const { type, message, stack, cause, ...fields } = current;
    lines.push(`${depth > 0 ? 'Caused by: ' : ''}${typeof stack === 'string' ? stack : `${type}: ${message}`}`);
    // eslint-disable-next-line @typescript-eslint/no-base-to-string -- not an object here (those are JSON): a primitive, printed as itself
    for (const [field, fieldValue] of Object.entries(fields)) lines.push(`  ${field}: ${typeof fieldValue === 'object' ? JSON.stringify(fieldValue) : String(fieldValue)}`);
    current = cause;
  }
  return lines.join('\n');
}

type LoggedRequest = { method: string; url: string; host?: string; ip?: string; socket?: { remotePort?: number } };

/** The pino `req` serializer (Fastify's fields): method, URL with secret query values hidden, client address. */
export function serializeRequest(request: LoggedRequest) {
  return {
    method: request.method,
    url: redactUrl(request.url),
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}

/** Query values whose names say secret (`?token=` of the signed unsubscribe link, ...) never reach a log. */
export function redactUrl(url: string): string {
  return url.replace(/([?&][^=&#]*(?:token|secret|password|signature|key|code)[^=&#]*=)[^&#]*/gi, '$1[redacted]');
}
