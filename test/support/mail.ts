import { and, desc, eq } from 'drizzle-orm';
import type { Db } from '../../src/server/db/client.js';
import { emailOutbox } from '../../src/server/db/schema.js';
import { type EmailEnvironment, renderOutboxEmail } from '../../src/server/modules/email/service.js';

type Outbox = { db: Db; config: EmailEnvironment };
export type MailedLink = { url: string; token: string; path: string };

/** The newest mail of `template` queued to `to`, as it renders (links included), or undefined. */
export async function latestMail(app: Outbox, to: string, template: string) {
  const [row] = await app.db
    .select()
    .from(emailOutbox)
    .where(and(eq(emailOutbox.toAddress, to), eq(emailOutbox.template, template)))
    .orderBy(desc(emailOutbox.createdAt), desc(emailOutbox.id))
    .limit(1);
  return row ? { row, ...renderOutboxEmail(row, app.config) } : undefined;
}

/** The account link (`/verify-email?token=…`, `/reset-password?token=…`) in a mail's plain-text part, as a person would click it. */
export function linkIn(text: string, path: '/verify-email' | '/reset-password'): MailedLink | undefined {
  const match = new RegExp(`(https?://\\S+${path.replace('/', '\\/')}\\?token=([A-Za-z0-9_%-]+))`).exec(text);
  if (!match) return undefined;
  return { url: match[1]!, token: decodeURIComponent(match[2]!), path };
}

/** The link of the newest `template` mail to `to`; throws when there is none (the test's setup is wrong). */
export async function mailedLink(app: Outbox, to: string, template: string, path: '/verify-email' | '/reset-password'): Promise<MailedLink> {
  const mail = await latestMail(app, to, template);
  if (!mail) throw new Error(`no ${template} mail to ${to}`);
  const link = linkIn(mail.text, path);
  if (!link) throw new Error(`the ${template} mail to ${to} has no ${path} link:\n${mail.text}`);
  // The HTML part carries the same link.
  if (!mail.html.includes(link.url.replaceAll('&', '&amp;'))) throw new Error(`the HTML part of the ${template} mail lacks ${link.url}`);
  return link;
}

type Requester = (options: { method: 'POST'; url: string; payload: Record<string, string> }) => Promise<{ status: number; body: unknown }>;

/** Verifies a new member's address the way they would: the link in the welcome mail, posted to the API. */
export async function verifyThroughWelcomeMail(app: Outbox & { request: Requester }, email: string): Promise<void> {
  const link = await mailedLink(app, email, 'welcome', '/verify-email');
  const response = await app.request({ method: 'POST', url: '/v1/auth/verify-email', payload: { token: link.token } });
  if (response.status !== 204) throw new Error(`verify-email failed: ${response.status} ${JSON.stringify(response.body)}`);
}
