import { waitUntil } from './wait.js';

/**
 * Reads a mail the way a developer does on `npm start`: the outbox list at /dev/mail, then the mail's own page, and
 * returns the account link in its plain-text part (`…/verify-email?token=…`, `…/reset-password?token=…`).
 */
export async function linkFromDevMail(baseUrl: string, input: { to: string; subject: string; path: '/verify-email' | '/reset-password' }): Promise<string> {
  const mailId = await waitUntil(
    async () => {
      const list = await (await fetch(`${baseUrl}/dev/mail`)).text();
      // Newest first: the first row to this address with this subject.
      for (const row of list.split('<tr>')) {
        if (!row.includes(`>${escapeHtml(input.to)}<`)) continue;
        const match = new RegExp(`href="/dev/mail/([0-9a-f-]{36})">${escapeRegExp(escapeHtml(input.subject))}<`).exec(row);
        if (match) return match[1];
      }
      return undefined;
    },
    { message: `a mail "${input.subject}" to ${input.to} at /dev/mail` },
  );
  const page = await (await fetch(`${baseUrl}/dev/mail/${mailId}`)).text();
  const text = /<pre[^>]*>([\s\S]*?)<\/pre>/.exec(page)?.[1] ?? '';
  const link = new RegExp(`https?://[^\\s"<]+${escapeRegExp(input.path)}\\?token=[A-Za-z0-9_-]+`).exec(text)?.[0];
  if (!link) throw new Error(`the mail ${mailId} has no ${input.path} link in its text part`);
  return link;
}

/** Posts the welcome mail's verification link, as the verify page does: for e2e set-ups that need a verified member. */
export async function verifyFromDevMail(baseUrl: string, email: string): Promise<void> {
  const link = await linkFromDevMail(baseUrl, { to: email, subject: 'Welcome to Flowtab.Pro', path: '/verify-email' });
  const token = new URL(link).searchParams.get('token');
  const response = await fetch(`${baseUrl}/v1/auth/verify-email`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token }) });
  if (response.status !== 204) throw new Error(`verify-email answered ${response.status}: ${await response.text()}`);
}

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function escapeRegExp(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
