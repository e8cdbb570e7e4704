import { type DestinationStream, pino, type Logger } from 'pino';
import type { Config } from './config.js';
import { serializeError, serializeRequest } from './log-serializers.js';

/** `destination` is for tests that read what is logged; by default, stdout. */
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
