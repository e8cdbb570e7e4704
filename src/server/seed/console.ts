import type { Tx } from '../db/client.js';
import type { Stripe } from '../integrations/stripe/client.js';
import { recordAudit } from '../modules/admin/audit/service.js';
import { decideReport, moderateFlow, reportFlow } from '../modules/admin/moderation/service.js';
import { insertAdminRefund, markAdminRefundSucceeded } from '../modules/admin/refunds/repository.js';
import { changeAccountSwitches } from '../modules/admin/users/service.js';
import type { Viewer } from '../modules/auth/viewer.js';
import { applyChargeState } from '../modules/subscriptions/service.js';
import { demoConsoleActions, demoReports } from './data.js';
import type { CurrentInvoice } from './history.js';

// What the operator console shows on a fresh demo: members' reports (open ones, and one the admin resolved), and the
// admin's past actions, each made through the console's own services so that its audit entry is the one the console
// itself writes.

export async function seedConsoleHistory(
  tx: Tx,
  input: { adminId: string; userIds: Map<string, string>; flowIds: Map<string, string>; refundable: CurrentInvoice | undefined; sharePercent: number },
) {
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
  const { featured, suspended, refund } = demoConsoleActions;
  await moderateFlow(tx, admin, idOf(input.flowIds, featured.flow, 'flow'), { featured: true, reason: featured.reason });
  await changeAccountSwitches(tx, admin, idOf(input.userIds, suspended.username, 'member'), { status: 'suspended', reason: suspended.reason });
  if (input.refundable) await seedConsoleRefund(tx, admin, input.refundable, { ...refund, sharePercent: input.sharePercent });
}

/**
 * A console refund of part of a subscriber's current invoice, as POST /v1/admin/refunds and Stripe's answer make it:
 * the request row and its `refund.created` audit entry, the row settled with the (demo) Stripe refund, then what the
 * refund's `charge.refunded` webhook applies (applyChargeState: the charge and its refund recorded, the period's pool
 * lowered, its creators' earnings reversed in proportion). The demo charge and refund (`ch_demo_*`, `re_demo_*`) are
 * the objects Stripe would send; no Stripe call is made.
 */
async function seedConsoleRefund(tx: Tx, admin: Viewer, invoice: CurrentInvoice, input: { amountCents: number; reason: string; sharePercent: number }) {
  const chargeId = invoice.paymentIntentId.replace(/^pi_/, 'ch_');
  const row = (await insertAdminRefund(tx, {
    idempotencyKey: `seed-${invoice.invoiceId}`,
    actorId: admin.id,
    invoiceId: invoice.invoiceId,
    chargeId,
    amountCents: input.amountCents,
    reason: input.reason,
  }))!;
  await recordAudit(tx, {
    actorId: admin.id,
    action: 'refund.created',
    target: { type: 'refund', id: row.id },
    before: { invoice_id: invoice.invoiceId, charge_id: chargeId, charge_amount_cents: invoice.amountCents, refunded_cents: 0 },
    after: { invoice_id: invoice.invoiceId, charge_id: chargeId, user_id: invoice.userId, amount_cents: input.amountCents, status: row.status },
    reason: input.reason,
  });
  const refundId = chargeId.replace(/^ch_/, 're_');
  await markAdminRefundSucceeded(tx, row.id, refundId);
  const created = Math.floor(Date.now() / 1000);
  const charge = {
    id: chargeId,
    object: 'charge',
    amount: invoice.amountCents,
    amount_refunded: input.amountCents,
    payment_intent: invoice.paymentIntentId,
    customer: invoice.customerId,
    created,
  } as Stripe.Charge;
  const stripeRefund = {
    id: refundId,
    object: 'refund',
    amount: input.amountCents,
    charge: chargeId,
    status: 'succeeded',
    reason: 'requested_by_customer',
    created,
    metadata: { admin_refund_id: row.id },
  } as unknown as Stripe.Refund;
  await applyChargeState(tx, { charge, disputes: [], refunds: [stripeRefund] }, input.sharePercent);
}
