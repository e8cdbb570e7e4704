/**
 * The dispute statuses in which the disputed money is lost to the platform, for now or for good (SPEC §4): they lower
 * the period's pool (applyChargeState) and count as disputed in the finance summary. `won` and `warning_closed` are
 * not losses. The one list both read.
 */
export const DISPUTE_STATUSES_LOST_OR_OPEN = ['warning_needs_response', 'warning_under_review', 'needs_response', 'under_review', 'lost'] as const;

export function isDisputeLostOrOpen(status: string): boolean {
  return (DISPUTE_STATUSES_LOST_OR_OPEN as readonly string[]).includes(status);
}
