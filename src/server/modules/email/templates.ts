import { formatCents } from '../ledger/money.js';

/**
 * Every mail the product sends, with the data its template needs. The data is stored in the outbox row (jsonb) when
 * the cause happens, so it holds facts of that moment (amounts in integer cents, dates as ISO strings); links are
 * added when the mail is rendered, from the configuration.
 */
export type EmailData = {
  /** `token` (here and in the account mails below) is sealed in the outbox (link-tokens.ts) and opened to render the link. */
  welcome: { username: string; token?: string };
  /** A new verification link (resend), to the member's address. */
  verify_email: { username: string; token?: string };
  password_reset: { username: string; token?: string; validMinutes: number };
  /** To the NEW address: confirming it applies the change. */
  email_change: { username: string; token?: string; newEmail: string };
  /** To the OLD address, once the change is applied. */
  email_changed: { username: string; newEmail: string };
  /** To the address the account had, when it is deleted. */
  account_deleted: { username: string };
  subscription_started: {
    username: string;
    subscriptionId: string;
    periodStart: string;
    periodEnd: string;
    amountCents: number;
    currency: string;
    copyAllowance: number;
  };
  /** The member asked to cancel: Premium stays until the period ends. */
  subscription_canceling: { username: string; subscriptionId: string; accessUntil: string };
  payment_failed: {
    username: string;
    invoiceId: string;
    amountDueCents: number;
    currency: string;
    attemptCount: number;
    /** When Stripe retries the card; null when it will not retry on its own. */
    nextAttemptAt: string | null;
  };
  subscription_ended: {
    username: string;
    subscriptionId: string;
    endedAt: string;
    reason: 'cancellation_requested' | 'payment_failed' | 'payment_disputed' | 'other';
  };
  /** A second subscription went live (two checkouts paid): it was cancelled and its payment refunded in full. */
  subscription_duplicate_refunded: { username: string; subscriptionId: string; keptSubscriptionId: string; amountCents: number; currency: string };
  payout_sent: { username: string; payoutId: string; amountCents: number; currency: string };
  payout_failed: {
    username: string;
    payoutId: string;
    amountCents: number;
    currency: string;
    /** Why, in words a creator can act on (Stripe's failure message); null when unknown. */
    reason: string | null;
  };
  /** An operator took the author's flow down (SPEC §14): what, why (the report's category, never the reporter), how to appeal. */
  flow_taken_down: {
    username: string;
    flowTitle: string;
    outcome: 'unpublished' | 'archived';
    /** The report category it was taken down for; null when an operator acted without a report. */
    reason: 'spam' | 'copyright' | 'harmful' | 'broken' | 'other' | null;
  };
  monthly_summary: {
    username: string;
    /** The calendar month summarized, `YYYY-MM` (UTC). */
    month: string;
    copies: number;
    countedCopies: number;
    earnedCents: number;
    pendingCents: number;
    heldCents: number;
    availableCents: number;
    paidCents: number;
  };
  /** To every admin when the daily reconcile (or one run from the console) finds broken ledger invariants (SPEC §14). */
  reconcile_failed: {
    username: string;
    runId: number;
    checkedAt: string;
    failures: number;
    /** The first failures, `<check>: <detail>`. */
    details: string[];
  };
};

export type EmailTemplate = keyof EmailData;
export const emailTemplates = [
  'welcome',
  'subscription_started',
  'subscription_canceling',
  'payment_failed',
  'subscription_ended',
  'subscription_duplicate_refunded',
  'payout_sent',
  'payout_failed',
  'monthly_summary',
  'reconcile_failed',
  'verify_email',
  'password_reset',
  'email_change',
  'email_changed',
  'account_deleted',
  'flow_taken_down',
] as const satisfies readonly EmailTemplate[];

/** Mails a member may switch off (with the signed link in their footer). Everything else is transactional. */
export function isOptionalEmail(template: EmailTemplate): boolean {
  switch (template) {
    case 'monthly_summary':
      return true;
    case 'welcome':
    case 'subscription_started':
    case 'subscription_canceling':
    case 'payment_failed':
    case 'subscription_ended':
    case 'subscription_duplicate_refunded':
    case 'payout_sent':
    case 'payout_failed':
    case 'reconcile_failed':
    case 'verify_email':
    case 'password_reset':
    case 'email_change':
    case 'email_changed':
    case 'account_deleted':
    case 'flow_taken_down':
      return false;
  }
}

export type EmailLinks = { publicUrl: string; unsubscribeUrl?: string };
export type RenderedEmail = { subject: string; text: string; html: string };

/** A mail's body as a few kinds of blocks, so the plain-text and HTML parts always say the same thing. */
type Block =
  | { kind: 'paragraph'; text: string }
  | { kind: 'button'; label: string; url: string }
  | { kind: 'facts'; rows: [label: string, value: string][] }
  | { kind: 'list'; items: string[] };

type Body = { heading: string; blocks: Block[] };

const money = (cents: number, currency: string) => formatCents(cents, currency.toUpperCase());
const day = (iso: string) => new Intl.DateTimeFormat('en-US', { dateStyle: 'long', timeZone: 'UTC' }).format(new Date(iso));
const monthName = (month: string) =>
  new Intl.DateTimeFormat('en-US', { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(new Date(`${month}-01T00:00:00Z`));
const p = (text: string): Block => ({ kind: 'paragraph', text });
const hi = (username: string) => p(`Hi ${username},`);

export function subjectOf<T extends EmailTemplate>(template: T, data: EmailData[T]): string {
  return contentOf(template, data, { publicUrl: '' }).subject;
}

export function renderEmail<T extends EmailTemplate>(template: T, data: EmailData[T], links: EmailLinks): RenderedEmail {
  const { subject, body } = contentOf(template, data, links);
  return { subject, text: toText(body, links), html: toHtml(subject, body, links) };
}

function contentOf<T extends EmailTemplate>(template: T, data: EmailData[T], links: EmailLinks): { subject: string; body: Body } {
  // One switch over the template names; the cast pairs each name with its data (TypeScript cannot narrow T itself).
  const mail = { template, data } as { [K in EmailTemplate]: { template: K; data: EmailData[K] } }[EmailTemplate];
  const url = (path: string) => `${links.publicUrl}${path}`;
  const withToken = (path: string, token: string) => url(`${path}?token=${encodeURIComponent(token)}`);
  // A token that cannot be opened (JWT_SECRET rotated since the mail was queued): say where to get a new link.
  const verifyLink = (token: string | undefined, label: string): Block =>
    token ? { kind: 'button', label, url: withToken('/verify-email', token) } : p(`This link can no longer be shown. Ask for a new one on your account page: ${url('/account')}`);
  switch (mail.template) {
    case 'welcome': {
      const d = mail.data;
      const verify: Block[] = d.token
        ? [p('First, confirm that this address is yours: you need a confirmed address to publish flows and to be paid.'), verifyLink(d.token, 'Confirm your email address')]
        : [];
      return {
        subject: 'Welcome to Flowtab.Pro',
        body: {
          heading: 'Welcome to Flowtab.Pro',
          blocks: [
            hi(d.username),
            p('Your account is ready. Flowtab.Pro is a library of flows: prompts and step-by-step recipes you paste into browser AI agents.'),
            ...verify,
            { kind: 'list', items: ['Browse and copy free flows now.', 'Publish your own flows and earn when subscribers copy them.', 'Go Premium to copy every flow in the library.'] },
            { kind: 'button', label: 'Open the library', url: url('/') },
          ],
        },
      };
    }
    case 'verify_email': {
      const d = mail.data;
      return {
        subject: 'Confirm your email address for Flowtab.Pro',
        body: {
          heading: 'Confirm your email address',
          blocks: [
            hi(d.username),
            p('Press the button to confirm that this address is yours. A confirmed address lets you publish flows and be paid for them.'),
            verifyLink(d.token, 'Confirm your email address'),
            p('The link works once, for 48 hours. If you did not ask for it, you can ignore this mail.'),
          ],
        },
      };
    }
    case 'password_reset': {
      const d = mail.data;
      return {
        subject: 'Reset your Flowtab.Pro password',
        body: {
          heading: 'Reset your password',
          blocks: [
            hi(d.username),
            p('Someone (we hope you) asked to reset the password of your Flowtab.Pro account. Press the button to choose a new one.'),
            d.token
              ? { kind: 'button', label: 'Choose a new password', url: withToken('/reset-password', d.token) }
              : p(`This link can no longer be shown. Ask for a new one: ${url('/forgot-password')}`),
            p(`The link works once, for ${d.validMinutes} minutes. Choosing a new password logs you out everywhere.`),
            p('If you did not ask for this, ignore this mail: your password stays as it is.'),
          ],
        },
      };
    }
    case 'email_change': {
      const d = mail.data;
      return {
        subject: 'Confirm your new email address for Flowtab.Pro',
        body: {
          heading: 'Confirm your new email address',
          blocks: [
            hi(d.username),
            p(`You asked to use ${d.newEmail} for your Flowtab.Pro account. Press the button to confirm it; until then your account keeps its current address.`),
            verifyLink(d.token, 'Confirm this address'),
            p('The link works once, for 24 hours. If you did not ask for this, ignore this mail: nothing changes.'),
          ],
        },
      };
    }
    case 'email_changed': {
      const d = mail.data;
      return {
        subject: 'Your Flowtab.Pro email address was changed',
        body: {
          heading: 'Your email address was changed',
          blocks: [
            hi(d.username),
            p(`The email address of your Flowtab.Pro account is now ${d.newEmail}. Mails about your account and your earnings go there from now on.`),
            p('If you did not make this change, someone else may know your password: reply to this mail at once so we can secure your account.'),
          ],
        },
      };
    }
    case 'account_deleted': {
      const d = mail.data;
      return {
        subject: 'Your Flowtab.Pro account was deleted',
        body: {
          heading: 'Your account was deleted',
          blocks: [
            hi(d.username),
            p('As you asked, we deleted your Flowtab.Pro account: your sessions are ended, your flows are archived, your subscription is cancelled and your email address, username and profile are erased.'),
            p('We keep the accounting records the law and our creators need (copies, earnings and payouts), without your name or address. This is the last mail we send you.'),
          ],
        },
      };
    }
    case 'flow_taken_down': {
      const d = mail.data;
      const why: Record<NonNullable<typeof d.reason>, string> = {
        spam: 'it was reported as spam',
        copyright: 'it was reported as copying someone else’s work without permission',
        harmful: 'it was reported as harmful',
        broken: 'it was reported as not working',
        other: 'it was reported for breaking the library’s rules',
      };
      const state = d.outcome === 'archived' ? 'archived it' : 'moved it back to your drafts';
      return {
        subject: `Your flow “${d.flowTitle}” was taken down`,
        body: {
          heading: 'Your flow was taken down',
          blocks: [
            hi(d.username),
            p(`An operator reviewed your flow “${d.flowTitle}” and took it off the library: ${d.reason ? why[d.reason] : 'it does not follow the library’s rules'}. We ${state}.`),
            p('It stays in your account, with its copies and the earnings they made, but it cannot be published again until an operator restores it.'),
            p('If you think this is a mistake, reply to this mail: support reads every reply and will look at the flow again.'),
          ],
        },
      };
    }
    case 'subscription_started': {
      const d = mail.data;
      return {
        subject: 'Your Flowtab.Pro Premium subscription has started',
        body: {
          heading: 'Welcome to Premium',
          blocks: [
            hi(d.username),
            p('Thank you for subscribing. Every premium flow is now yours to read and copy.'),
            {
              kind: 'facts',
              rows: [
                ['Plan', `Premium, ${money(d.amountCents, d.currency)} a month`],
                ['Current period', `${day(d.periodStart)} to ${day(d.periodEnd)}`],
                ['Copies that pay creators', `${d.copyAllowance} per period`],
              ],
            },
            p(
              `Each period, your first ${d.copyAllowance} copies of other people’s premium flows pay their creators. Copies after that are still free for you.`,
            ),
            { kind: 'button', label: 'Browse premium flows', url: url('/') },
            p(`Your subscription renews on ${day(d.periodEnd)}. Manage your card, invoices or cancellation from your account: ${url('/account')}`),
          ],
        },
      };
    }
    case 'subscription_canceling': {
      const d = mail.data;
      return {
        subject: 'Your Flowtab.Pro Premium subscription is canceled',
        body: {
          heading: 'Your subscription is canceled',
          blocks: [
            hi(d.username),
            p(`We have canceled your Premium subscription as you asked. You keep Premium until ${day(d.accessUntil)}, and you will not be charged again.`),
            p('Changed your mind? You can resume the subscription from your account before then.'),
            { kind: 'button', label: 'Manage your subscription', url: url('/account') },
          ],
        },
      };
    }
    case 'payment_failed': {
      const d = mail.data;
      const amount = money(d.amountDueCents, d.currency);
      const next: Block[] = d.nextAttemptAt
        ? [
            p(`What happens next: we will try your card again on ${day(d.nextAttemptAt)}. If a retry succeeds, Premium comes back at once.`),
            p('If the last retry fails, your subscription is canceled. Your account, your flows and your earnings stay.'),
          ]
        : [p('What happens next: we will not retry this payment on our own. Update your card to pay the invoice; until then your subscription stays paused, and it ends if the invoice is not paid.')];
      return {
        subject: `Your Flowtab.Pro payment of ${amount} failed`,
        body: {
          heading: 'Your payment failed',
          blocks: [
            hi(d.username),
            p(`We could not charge your card for ${amount} to renew your Premium subscription. Until the payment goes through, premium flows are locked.`),
            ...next,
            { kind: 'button', label: 'Update your card', url: url('/account') },
            p(`On your account page, “Manage billing” opens the billing portal, where you can update your card or pay the invoice (${d.invoiceId}).`),
          ],
        },
      };
    }
    case 'subscription_ended': {
      const d = mail.data;
      const why =
        d.reason === 'payment_failed'
          ? 'We could not collect the payment for your last invoice, so your Premium subscription has ended.'
          : d.reason === 'payment_disputed'
            ? 'Your Premium subscription has ended because its payment was disputed.'
            : 'Your Premium subscription has ended.';
      return {
        subject: 'Your Flowtab.Pro Premium subscription has ended',
        body: {
          heading: 'Your subscription has ended',
          blocks: [
            hi(d.username),
            p(`${why} It ended on ${day(d.endedAt)}.`),
            p('Your account and your flows stay, and free flows are still yours to copy. You can subscribe again at any time.'),
            { kind: 'button', label: 'See Premium', url: url('/pricing') },
          ],
        },
      };
    }
    case 'subscription_duplicate_refunded': {
      const d = mail.data;
      return {
        subject: 'You were charged twice: we refunded the second subscription',
        body: {
          heading: 'Second subscription refunded',
          blocks: [
            hi(d.username),
            p(
              `A second Premium subscription was started on your account (two checkouts were paid). You only need one, so we cancelled the second and refunded its ${money(d.amountCents, d.currency)} in full. Refunds usually reach your card within 5–10 days.`,
            ),
            { kind: 'facts', rows: [['Subscription kept', d.keptSubscriptionId], ['Cancelled and refunded', d.subscriptionId]] },
            p('Nothing else changes: your Premium subscription goes on as before.'),
            { kind: 'button', label: 'Open your account', url: url('/account') },
          ],
        },
      };
    }
    case 'payout_sent': {
      const d = mail.data;
      const amount = money(d.amountCents, d.currency);
      return {
        subject: `Your Flowtab.Pro payout of ${amount} is on its way`,
        body: {
          heading: 'Your payout is on its way',
          blocks: [
            hi(d.username),
            p(`We have sent ${amount} of your earnings to your connected Stripe account. Stripe moves it to your bank on your payout schedule, usually within a few business days.`),
            { kind: 'facts', rows: [['Amount', amount], ['Payout', d.payoutId]] },
            { kind: 'button', label: 'See your earnings', url: url('/creator') },
          ],
        },
      };
    }
    case 'payout_failed': {
      const d = mail.data;
      const amount = money(d.amountCents, d.currency);
      return {
        subject: `Your Flowtab.Pro payout of ${amount} failed`,
        body: {
          heading: 'Your payout failed',
          blocks: [
            hi(d.username),
            p(`We could not send your payout of ${amount}${d.reason ? `: ${d.reason}` : '.'}`),
            p('Your money is safe: it stays in your available balance.'),
            {
              kind: 'list',
              items: [
                'Open your creator page and finish or update your Stripe payout account (bank details, identity checks).',
                'We retry automatically with the next monthly payout run, or you can withdraw from your creator page once it is fixed.',
              ],
            },
            { kind: 'button', label: 'Fix your payout account', url: url('/creator') },
          ],
        },
      };
    }
    case 'monthly_summary': {
      const d = mail.data;
      const name = monthName(d.month);
      return {
        subject: `Your Flowtab.Pro earnings for ${name}`,
        body: {
          heading: `Your earnings for ${name}`,
          blocks: [
            hi(d.username),
            p(`In ${name}, subscribers copied your flows ${d.copies} ${d.copies === 1 ? 'time' : 'times'}; ${d.countedCopies} of those copies earned you ${money(d.earnedCents, 'usd')}.`),
            {
              kind: 'facts',
              rows: [
                ['Pending (invoice not yet paid)', money(d.pendingCents, 'usd')],
                ['Held (refund window)', money(d.heldCents, 'usd')],
                ['Available', money(d.availableCents, 'usd')],
                ['Paid out so far', money(d.paidCents, 'usd')],
              ],
            },
            { kind: 'button', label: 'See your earnings', url: url('/creator') },
          ],
        },
      };
    }
    case 'reconcile_failed': {
      const d = mail.data;
      const shown = d.details.length < d.failures ? ` (the first ${d.details.length} below)` : '';
      return {
        subject: `Flowtab.Pro reconcile failed: ${d.failures} broken ${d.failures === 1 ? 'invariant' : 'invariants'}`,
        body: {
          heading: 'The ledger does not reconcile',
          blocks: [
            hi(d.username),
            p(`The reconcile run of ${day(d.checkedAt)} (run ${d.runId}) found ${d.failures} broken ${d.failures === 1 ? 'invariant' : 'invariants'}${shown}. Payouts and balances may be wrong until it is fixed.`),
            { kind: 'list', items: d.details },
            p('Run `flowtab reconcile` for the full report. Once it is fixed, run reconcile again from the operator console, whose overview shows the newest run.'),
            { kind: 'button', label: 'Open the operator console', url: url('/admin') },
          ],
        },
      };
    }
  }
}

const FOOTER = 'Flowtab.Pro: reusable flows for browser AI agents.';

function toText(body: Body, links: EmailLinks): string {
  const parts = body.blocks.map((block) => {
    switch (block.kind) {
      case 'paragraph':
        return block.text;
      case 'button':
        return `${block.label}: ${block.url}`;
      case 'facts':
        return block.rows.map(([label, value]) => `  ${label}: ${value}`).join('\n');
      case 'list':
        return block.items.map((item) => `  - ${item}`).join('\n');
    }
  });
  const footer = [`-- `, FOOTER, links.publicUrl];
  if (links.unsubscribeUrl) footer.push(`Unsubscribe from these summaries: ${links.unsubscribeUrl}`);
  return `${parts.join('\n\n')}\n\n${footer.join('\n')}\n`;
}

// The product's look in the few styles mail clients honour: inline CSS on tables, the accent of the web app.
const C = { bg: '#f7f7fb', surface: '#ffffff', text: '#161827', muted: '#5b6078', border: '#dfe1ec', accent: '#4f46e5', soft: '#f0f1f7' };
const FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif";

function toHtml(subject: string, body: Body, links: EmailLinks): string {
  const blocks = body.blocks
    .map((block) => {
      switch (block.kind) {
        case 'paragraph':
          return `<p style="margin:0 0 16px;font-size:16px;line-height:1.5;color:${C.text}">${escapeHtml(block.text)}</p>`;
        case 'button':
          return `<p style="margin:24px 0"><a href="${escapeHtml(block.url)}" style="display:inline-block;background:${C.accent};color:#ffffff;text-decoration:none;font-weight:600;padding:12px 20px;border-radius:8px">${escapeHtml(block.label)}</a></p>`;
        case 'facts':
          return `<table role="presentation" cellpadding="0" cellspacing="0" style="width:100%;margin:0 0 16px;background:${C.soft};border-radius:8px">${block.rows
            .map(
              ([label, value]) =>
                `<tr><td style="padding:8px 12px;font-size:14px;color:${C.muted}">${escapeHtml(label)}</td><td style="padding:8px 12px;font-size:14px;color:${C.text};font-weight:600;text-align:right">${escapeHtml(value)}</td></tr>`,
            )
            .join('')}</table>`;
        case 'list':
          return `<ul style="margin:0 0 16px;padding-left:20px;font-size:16px;line-height:1.5;color:${C.text}">${block.items.map((item) => `<li>${escapeHtml(item)}</li>`).join('')}</ul>`;
      }
    })
    .join('\n');
  const unsubscribe = links.unsubscribeUrl
    ? `<br><a href="${escapeHtml(links.unsubscribeUrl)}" style="color:${C.muted}">Unsubscribe from these summaries</a>`
    : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(subject)}</title></head>
<body style="margin:0;padding:0;background:${C.bg};font-family:${FONT}">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:${C.bg}"><tr><td align="center" style="padding:24px 12px">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:560px">
<tr><td style="padding:0 4px 16px;font-size:20px;font-weight:700;color:${C.text}"><a href="${escapeHtml(links.publicUrl)}" style="color:${C.text};text-decoration:none"><span style="display:inline-block;width:12px;height:12px;border-radius:3px;background:${C.accent};margin-right:8px"></span>Flowtab<span style="color:${C.accent}">.Pro</span></a></td></tr>
<tr><td style="background:${C.surface};border:1px solid ${C.border};border-radius:12px;padding:28px 28px 12px">
<h1 style="margin:0 0 20px;font-size:22px;line-height:1.3;color:${C.text}">${escapeHtml(body.heading)}</h1>
${blocks}
</td></tr>
<tr><td style="padding:16px 4px;font-size:12px;line-height:1.5;color:${C.muted}">${escapeHtml(FOOTER)}${unsubscribe}</td></tr>
</table></td></tr></table>
</body></html>
`;
}

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
