import type { Tx } from '../db/client.js';
import { decideReport, moderateFlow, reportFlow } from '../modules/admin/moderation/service.js';
import type { Viewer } from '../modules/auth/viewer.js';
import { changeAccountSwitches } from '../modules/admin/users/service.js';
import { demoConsoleActions, demoReports } from './data.js';

// What the operator console shows on a fresh demo: members' reports (open ones, and one the admin resolved), and the
// admin's past actions, each made through the console's own services so that its audit entry is the one the console
// itself writes.

export async function seedConsoleHistory(tx: Tx, input: { adminId: string; userIds: Map<string, string>; flowIds: Map<string, string> }) {
  const admin: Viewer = { id: input.adminId, role: 'admin', sessionId: undefined };
  const idOf = (map: Map<string, string>, key: string, what: string) => {
    const id = map.get(key);
    if (!id) throw new Error(`the seed's console history names an unknown ${what}: ${key}`);
    return id;
  };
  for (const report of demoReports) {
    const reporter: Viewer = { id: idOf(input.userIds, report.reporter, 'member'), role: 'member', sessionId: undefined };
    const made = await reportFlow(tx, reporter, idOf(input.flowIds, report.flow, 'flow'), { reason: report.reason, details: report.details });
    if (report.decision) await decideReport(tx, admin, made.id, { status: report.decision.status, action: 'none', reason: report.decision.reason });
  }
  const { featured, suspended } = demoConsoleActions;
  await moderateFlow(tx, admin, idOf(input.flowIds, featured.flow, 'flow'), { featured: true, reason: featured.reason });
  await changeAccountSwitches(tx, admin, idOf(input.userIds, suspended.username, 'member'), { status: 'suspended', reason: suspended.reason });
}

