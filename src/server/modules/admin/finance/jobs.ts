import type { BaseLogger } from 'pino';
import type { AppContext } from '../../../context.js';
import { inTransaction } from '../../../db/client.js';
import { checkLedger, reconcileRunView, recordReconcileRun, type ReconcileRunView } from './service.js';

/**
 * Reconcile now: every invariant of `flowtab reconcile`, checked read-only, then the run recorded in one transaction
 * (reconcile_runs row, audit entry, mails to admins on failure). The daily `finance.reconcile` job and
 * `POST /v1/admin/finance/reconcile` both run this. Safe twice or in two processes at once: each run is its own row,
 * and the admins' mails are keyed by day and failing checks (recordReconcileRun).
 */
export async function runReconcile(
  ctx: AppContext,
  input: { actorId: string | null; reason: string; logger: Pick<BaseLogger, 'info' | 'error'> },
): Promise<ReconcileRunView & { mailed: number }> {
  const report = await checkLedger(ctx.db, {
    sharePercent: ctx.config.economics.creatorSharePercent,
    paidCap: ctx.config.economics.paidCopiesPerPeriod,
  });
  const { run, mailed } = await inTransaction(ctx.db, (tx) => recordReconcileRun(tx, report, { actorId: input.actorId, reason: input.reason }));
  const fields = { event: 'reconcile.ran', run_id: run.id, is_ok: run.isOk, failures: run.failures.length, admins_mailed: mailed, actor_id: input.actorId };
  if (run.isOk) input.logger.info(fields, 'ledger reconciled');
  else input.logger.error({ ...fields, details: run.failures.slice(0, 20) }, 'ledger does NOT reconcile');
  return { ...reconcileRunView(run), mailed };
}

/** The daily job's handler (the system acts: no actor). */
export function runDailyReconcile(ctx: AppContext, logger: Pick<BaseLogger, 'info' | 'error'>) {
  return runReconcile(ctx, { actorId: null, reason: 'daily reconcile job', logger });
}
