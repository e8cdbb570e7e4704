import PinoPretty from 'pino-pretty';
import { type DestinationStream, pino, type Logger } from 'pino';
import type { Config } from './config.js';
import { serializeError, serializeRequest } from './log-serializers.js';

/** `destination` is for tests that read what is logged, and for `consoleLog`; by default, stdout (JSON). */
export function createLogger(config: Pick<Config, 'logLevel'>, destination?: DestinationStream): Logger {
  return pino(
    {
      level: config.logLevel,
      base: { service: 'flowtab' },
      // Every `err` (HTTP, jobs, CLI) without query parameters; URLs without secret query values.
      serializers: { err: serializeError, req: serializeRequest },
      redact: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["stripe-signature"]'],
    },
    destination,
  );
}

export type LogFormat = 'pretty' | 'json';

/**
 * JSON lines are for machines (a log collector in production, CI, a pipe into `jq`); a person running `npm start` in a
 * terminal reads one pretty line per entry. LOG_FORMAT=pretty or json decides; `auto` picks pretty only for a terminal
 * (stdout is a TTY) outside production (FLOWTAB_ENV, or NODE_ENV=production) and outside CI.
 */
export function chooseLogFormat(
  config: Pick<Config, 'logFormat' | 'isProduction'>,
  output: { isTTY?: boolean },
  env: NodeJS.ProcessEnv = process.env,
): LogFormat {
  if (config.logFormat !== 'auto') return config.logFormat;
  const isProduction = config.isProduction || env.NODE_ENV === 'production';
  const isCi = env.CI !== undefined && env.CI !== '' && env.CI !== 'false' && env.CI !== '0';
  return output.isTTY === true && !isProduction && !isCi ? 'pretty' : 'json';
}

/** A request's line says what was asked and answered, not the objects Fastify logs. */
function messageOf(log: Record<string, unknown>, messageKey: string): string {
  const raw = log[messageKey];
  const message = typeof raw === 'string' ? raw : raw === undefined ? '' : JSON.stringify(raw);
  const req = log.req as { method?: string; url?: string } | undefined;
  const res = log.res as { statusCode?: number } | undefined;
  const parts = [typeof log.event === 'string' && log.event !== message ? `${log.event}: ${message}` : message];
  if (req?.method) parts.push(`${req.method} ${req.url ?? ''}`);
  if (res?.statusCode) parts.push(`→ ${res.statusCode}${typeof log.responseTime === 'number' ? ` in ${Math.round(log.responseTime)} ms` : ''}`);
  return parts.join(' ');
}

/**
 * Each JSON line pino wrote, as one readable line: `12:04:05.123 INFO: copy.recorded: … {"flow_id":…}`. It formats
 * what pino already serialized, so redaction and the error serializers apply exactly as in the JSON. Synchronous
 * (pino-pretty's formatter, not its worker-thread transport): lines come out in order with what the CLI prints.
 */
export function prettyDestination(output: { write(text: string): unknown }, options: { colorize?: boolean } = {}): DestinationStream {
  const prettify = PinoPretty.prettyFactory({
    colorize: options.colorize ?? false,
    singleLine: true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,service,event,req,res,responseTime',
    messageFormat: messageOf,
  });
  return { write: (line: string) => void output.write(prettify(line)) };
}

/** The process's log output, and when it last wrote a line: the start banner waits for the start-up logs to settle. */
export type ConsoleLog = { destination: DestinationStream; format: LogFormat; lastWriteAt(): number };

/** stdout, in the format `chooseLogFormat` picks for it. */
export function consoleLog(
  config: Pick<Config, 'logFormat' | 'isProduction'>,
  output: NodeJS.WritableStream & { isTTY?: boolean } = process.stdout,
  env: NodeJS.ProcessEnv = process.env,
): ConsoleLog {
  const format = chooseLogFormat(config, output, env);
  let lastWriteAt = 0;
  const inner: DestinationStream =
    format === 'pretty' ? prettyDestination(output, { colorize: PinoPretty.isColorSupported }) : { write: (line: string) => void output.write(line) };
  return {
    format,
    destination: {
      write: (line: string) => {
        lastWriteAt = Date.now();
        inner.write(line);
      },
    },
    lastWriteAt: () => lastWriteAt,
  };
}

/**
 * Resolves once `log` has written nothing for `quietMs` (or after `maxMs` whatever happens): start-up logs come from
 * jobs and plugins that finish after the server listens, and would otherwise scroll what is printed next away.
 */
export async function waitForQuiet(log: Pick<ConsoleLog, 'lastWriteAt'>, options: { quietMs?: number; maxMs?: number } = {}): Promise<void> {
  const quietMs = options.quietMs ?? 500;
  const deadline = Date.now() + (options.maxMs ?? 3_000);
  for (let quietFor = Date.now() - log.lastWriteAt(); quietFor < quietMs && Date.now() < deadline; quietFor = Date.now() - log.lastWriteAt()) {
    await new Promise((resolve) => setTimeout(resolve, Math.min(quietMs - quietFor, deadline - Date.now())));
  }
}
