import type { Tx } from '../../../db/client.js';
import { type AuditEntryRow, insertAuditEntry } from './repository.js';

/** What an operator changed: the target, its relevant fields before and after, and the reason they gave. */
export type AuditRecord = {
  /** The admin who acted; null for the system (the daily reconcile job). */
  actorId: string | null;
  /** Dotted, past tense: `user.suspended`, `flow.taken_down`, `refund.created`, `payout.retried`. */
  action: string;
  target: { type: 'user' | 'flow' | 'report' | 'invoice' | 'refund' | 'payout' | 'webhook_event' | 'reconcile'; id: string };
  before?: Record<string, unknown> | null;
  after?: Record<string, unknown> | null;
  reason: string;
};

/** Every console change calls this inside the change's own transaction (SPEC §14). */
export function recordAudit(tx: Tx, record: AuditRecord): Promise<AuditEntryRow> {
  return insertAuditEntry(tx, {
    actorId: record.actorId,
    action: record.action,
    targetType: record.target.type,
    targetId: record.target.id,
    before: record.before ?? null,
    after: record.after ?? null,
    reason: record.reason,
  });
}
