import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { AppContext } from '../../context.js';
import { inTransaction } from '../../db/client.js';
import { NotFoundError } from '../../errors.js';
import { problems } from '../../http/schemas.js';
import { htmlPage, outboxIdParams, unsubscribeQuery } from './schemas.js';
import { findDevOutboxEmail, findUnsubscribingUser, listDevOutbox, type OutboxRow, renderOutboxEmail, unsubscribeFromSummaries } from './service.js';
import { escapeHtml } from './templates.js';

/** The signed unsubscribe link of the optional mails. GET only asks (link scanners follow links); POST unsubscribes. */
export function emailRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    // RFC 8058 one-click unsubscribe posts `List-Unsubscribe=One-Click` form-encoded; the body carries nothing we need.
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, _body, done) => done(null, {}));

    app.get(
      '/email/unsubscribe',
      {
        schema: {
          tags: ['email'],
          summary: 'Confirm unsubscribing from the monthly earnings summary (HTML page)',
          querystring: unsubscribeQuery,
          response: { 200: htmlPage, ...problems(400) },
        },
      },
      async (request, reply) => {
        const user = await findUnsubscribingUser(ctx.db, ctx.config.jwtSecret, request.query.token);
        const action = `/v1/email/unsubscribe?token=${encodeURIComponent(request.query.token)}`;
        return reply
          .type('text/html; charset=utf-8')
          .header('cache-control', 'no-store')
          .send(
            page(
              'Unsubscribe',
              `<p>Stop the monthly earnings summary for <strong>${escapeHtml(user.username)}</strong>? Payout and billing emails still arrive.</p>
<form method="post" action="${escapeHtml(action)}"><button type="submit" style="font:inherit;background:#4f46e5;color:#fff;border:0;border-radius:8px;padding:10px 18px;cursor:pointer">Unsubscribe</button></form>`,
            ),
          );
      },
    );

    app.post(
      '/email/unsubscribe',
      {
        schema: {
          tags: ['email'],
          summary: 'Unsubscribe from the monthly earnings summary (the signed link; RFC 8058 one-click)',
          querystring: unsubscribeQuery,
          response: { 200: htmlPage, ...problems(400) },
        },
      },
      async (request, reply) => {
        const user = await inTransaction(ctx.db, (tx) => unsubscribeFromSummaries(tx, ctx.config.jwtSecret, request.query.token));
        request.log.info({ event: 'email.unsubscribed', user_id: user.id, list: 'monthly_summary' }, 'unsubscribed from the monthly summary');
        return reply
          .type('text/html; charset=utf-8')
          .header('cache-control', 'no-store')
          .send(page('Unsubscribed', `<p>Done: <strong>${escapeHtml(user.username)}</strong> will not get the monthly earnings summary any more.</p>`));
      },
    );
  };
}

/**
 * The development outbox: every queued mail, and each one as it renders. Never registered in production (it shows
 * everyone's mail); with SMTP_URL unset it is where the mails go.
 */
export function devMailRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.get('/dev/mail', { schema: { hide: true, response: { 200: htmlPage } } }, async (_request, reply) => {
      const rows = await listDevOutbox(ctx.db, 200);
      const mode = ctx.mailer
        ? 'SMTP_URL is set: mails are sent over SMTP; this page lists the outbox.'
        : 'SMTP_URL is not set: mails stay here, in the local outbox (marked “sent” once the sender has handled them); nothing leaves this machine.';
      const body = rows.length
        ? `<table style="border-collapse:collapse;width:100%;font-size:14px">
<thead><tr>${['Queued', 'To', 'Subject', 'Template', 'Status', 'Attempts'].map((h) => `<th style="${CELL};text-align:left">${h}</th>`).join('')}</tr></thead>
<tbody>${rows.map(listRow).join('\n')}</tbody></table>`
        : '<p>No mail yet. Register, subscribe or cancel to see some.</p>';
      return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(page('Mail outbox', `<p style="color:#5b6078">${mode}</p>${body}`));
    });

    app.get('/dev/mail/:id', { schema: { hide: true, params: outboxIdParams, response: { 200: htmlPage } } }, async (request, reply) => {
      const row = await findDevOutboxEmail(ctx.db, request.params.id);
      if (!row) throw new NotFoundError('This mail');
      const mail = renderOutboxEmail(row, ctx.config);
      const facts: [string, string][] = [
        ['From', ctx.config.mailFrom],
        ['To', row.toAddress],
        ['Subject', mail.subject],
        ['Template', row.template],
        ['Cause', row.causeKey],
        ['Status', `${row.status}${row.sentAt ? ` at ${row.sentAt.toISOString()}` : ''}`],
        ['Attempts', String(row.attempts)],
        ...(row.lastError ? ([['Last error', row.lastError]] as [string, string][]) : []),
        ...Object.entries(mail.headers),
      ];
      const content = `<p><a href="/dev/mail">← All mail</a></p>
<table style="border-collapse:collapse;font-size:14px;margin-bottom:16px">${facts.map(([k, v]) => `<tr><th style="${CELL};text-align:left">${escapeHtml(k)}</th><td style="${CELL}">${escapeHtml(v)}</td></tr>`).join('')}</table>
<h2 style="font-size:16px">HTML part</h2>
<iframe title="HTML part" sandbox srcdoc="${escapeHtml(mail.html)}" style="width:100%;height:640px;border:1px solid #dfe1ec;border-radius:8px;background:#fff"></iframe>
<h2 style="font-size:16px">Plain-text part</h2>
<pre style="white-space:pre-wrap;background:#f0f1f7;padding:16px;border-radius:8px">${escapeHtml(mail.text)}</pre>`;
      return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(page(mail.subject, content));
    });
  };
}

const CELL = 'padding:6px 10px;border-bottom:1px solid #dfe1ec;vertical-align:top';

function listRow(row: OutboxRow): string {
  const cells = [row.createdAt.toISOString().replace('T', ' ').slice(0, 19), row.toAddress, row.subject ?? '', row.template, row.status, String(row.attempts)];
  return `<tr>${cells
    .map((cell, i) => `<td style="${CELL}">${i === 2 ? `<a href="/dev/mail/${row.id}">${escapeHtml(cell || '(no subject)')}</a>` : escapeHtml(cell)}</td>`)
    .join('')}</tr>`;
}

function page(title: string, content: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)} · Flowtab.Pro</title></head>
<body style="font:16px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#161827;background:#f7f7fb;max-width:64rem;margin:2rem auto;padding:0 1rem">
<p style="font-weight:700;font-size:20px">Flowtab<span style="color:#4f46e5">.Pro</span></p>
<h1 style="font-size:22px">${escapeHtml(title)}</h1>
${content}
</body></html>
`;
}
