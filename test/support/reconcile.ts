import { expect } from 'vitest';
import { formatReconcileReport, reconcileLedger } from '../../src/server/modules/ledger/reconcile.js';
import { RECONCILE_CHECKS } from '../../src/server/reconcile-checks.js';
import type { TestApp } from './app.js';

/** Runs every ledger invariant; a failure prints the readable report. */
export async function expectReconciled(t: TestApp) {
  const report = await reconcileLedger(
    t.database.db,
    { sharePercent: t.config.economics.creatorSharePercent, paidCap: t.config.economics.paidCopiesPerPeriod },
    RECONCILE_CHECKS,
  );
  expect(report.isClean, formatReconcileReport(report)).toBe(true);
}
