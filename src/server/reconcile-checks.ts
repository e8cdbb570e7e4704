import { ledgerReconcileChecks, type ReconcileCheck } from './modules/ledger/reconcile.js';
import { payoutReconcileChecks } from './modules/payouts/reconcile-checks.js';

/**
 * Every invariant `flowtab reconcile` checks (and the tests after each test, the simulation, the benches): each
 * module's checks, named here. A module's checks count only once they are in this list; nothing registers itself.
 */
export const RECONCILE_CHECKS: readonly ReconcileCheck[] = [
  // Ledger transactions balance; periods' earnings, pools, bases, counters and states against their rows.
  ...ledgerReconcileChecks,
  // Payouts and credits against their ledger accounts; one transfer per paid payout.
  ...payoutReconcileChecks,
];
