import type { Tx } from '../../../db/client.js';
import { auditEntries } from '../../../db/schema.js';

// The audit log (SPEC §14): entries are only ever inserted (a trigger refuses UPDATE and DELETE).

export type AuditEntryRow = typeof auditEntries.$inferSelect;
export type NewAuditEntry = typeof auditEntries.$inferInsert;

/** Takes a transaction: an entry is written with the change it describes, or not at all. */
export async function insertAuditEntry(tx: Tx, entry: NewAuditEntry): Promise<AuditEntryRow> {
  const [row] = await tx.insert(auditEntries).values(entry).returning();
  return row!;
}
