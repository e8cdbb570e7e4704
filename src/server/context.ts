import type { Config } from './config.js';
import type { Database, Db } from './db/client.js';
import type { TokenService } from './http/tokens.js';

/** What routes and jobs are handed: configuration and the I/O they may use. Built once per process. */
export type AppContext = {
  config: Config;
  database: Database;
  db: Db;
  tokens: TokenService;
};
