import type PgBoss from 'pg-boss';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { AppContext } from '../context.js';

/** A job's payload: ids (and the like), never the data itself; the handler reads the current rows. */
export type JobPayload = Record<string, string | undefined>;

/**
 * Adds jobs to a queue; a job with a `singletonKey` already queued is not added again. A job with `delaySeconds`
 * waits that long in the queue (run here and now by `runJob`, which has no queue).
 */
export type Enqueue = (name: string, jobs: Array<{ payload: JobPayload; singletonKey?: string; delaySeconds?: number }>) => Promise<void>;

export type JobDeps = { ctx: AppContext; logger: Logger; enqueue: Enqueue };

export type JobDefinition<P extends JobPayload = JobPayload> = {
  /** Cron (UTC, minute resolution). pg-boss sends one job per tick however many processes run the schedule. */
  schedule?: (config: Config) => string;
  /** The pg-boss queue: its policy (`stately`: at most one queued and one running) and retries. */
  queue: Omit<PgBoss.Queue, 'name'>;
  /** How often an idle worker asks for this queue's next job (a job sent in this process wakes it at once). */
  pollingIntervalSeconds: number;
  handler(payload: P, deps: JobDeps): Promise<unknown>;
};

/** Thrown by a handler whose work is not finished (e.g. Stripe gave no clear answer): pg-boss retries the job later. */
export class JobRetryLater extends Error {}
