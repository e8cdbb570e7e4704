import { StripeError } from './errors.js';
import type { FormObject } from './form.js';
import { getInvoice, getSubscription, updateSubscription, cancelSubscription, type Invoice, type Subscription } from './resources/billing.js';
import type { Price } from './resources/catalog.js';
import { changeCard, getCheckoutSession, payCheckoutSession, type PortalSession } from './resources/checkout.js';
import type { Ctx } from './resources/common.js';
import { getCustomer, type PaymentMethod } from './resources/customers.js';
import { getAccount, onboardAccount } from './resources/connect.js';

// The hosted test pages: Checkout, Customer Portal, Connect onboarding. Plain HTML forms that call
// the same functions as the API and the control API.

export type PageResult = { status: number; html: string } | { status: 303; location: string };

type PageRoute = {
  method: 'GET' | 'POST';
  path: string;
  handler: (ctx: Ctx, pathParams: Record<string, string>, form: FormObject) => PageResult;
};

const esc = (value: string | number | boolean | null | undefined): string =>
  String(value ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const money = (cents: number, currency = 'usd') => `${(cents / 100).toFixed(2)} ${currency.toUpperCase()}`;

const date = (unix: number | null) => (unix ? new Date(unix * 1000).toISOString().slice(0, 10) : '-');

function layout(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font-family:system-ui,sans-serif;max-width:640px;margin:40px auto;padding:0 16px;color:#1a1f36}
h1{font-size:1.4rem}.box{border:1px solid #e3e8ee;border-radius:8px;padding:16px;margin:16px 0}
.error{color:#df1b41;background:#fff0f3;padding:8px;border-radius:6px}.muted{color:#697386;font-size:.9rem}
button{background:#635bff;color:#fff;border:0;border-radius:6px;padding:8px 14px;cursor:pointer;margin:4px 4px 4px 0}
button.secondary{background:#fff;color:#635bff;border:1px solid #635bff}input{padding:8px;border:1px solid #c1c9d2;border-radius:6px;width:240px}
.banner{background:#fffbe6;border:1px solid #f5d67b;padding:6px 10px;border-radius:6px;font-size:.85rem}</style></head>
<body><p class="banner">Stripe emulator: test mode page. No real payment happens.</p>${body}</body></html>`;
}

function errorPage(status: number, message: string): PageResult {
  return { status, html: layout('Error', `<h1>Something went wrong</h1><p class="error">${esc(message)}</p>`) };
}

function cardField(value = '4242424242424242'): string {
  return `<label>Card number<br><input name="card" value="${esc(value)}" autocomplete="off" inputmode="numeric"></label>
<p class="muted">4242424242424242 pays · 4000000000000341 pays once, later charges fail · 4000000000009995 is declined · 4000000000000259 pays then is disputed</p>`;
}

function checkoutPage(ctx: Ctx, sessionId: string, error?: string, card?: string): PageResult {
  const { store } = ctx;
  const session = getCheckoutSession(store, sessionId);
  if (session.status !== 'open') {
    return { status: 410, html: layout('Checkout', `<h1>This checkout session is ${esc(session.status)}</h1>`) };
  }
  const items = (store.internal.checkoutLineItems[session.id] ?? []).map((li) => {
    const price = store.find<Price>(li.price, 'price');
    return `<li>${li.quantity} × ${esc(price?.nickname ?? price?.product ?? li.price)}: ${money((price?.unit_amount ?? 0) * li.quantity, price?.currency)} / ${esc(price?.recurring?.interval ?? 'month')}</li>`;
  });
  const message = error ?? store.internal.checkoutErrors[session.id];
  const body = `<h1>Subscribe</h1>
<div class="box"><ul>${items.join('')}</ul>
${session.total_details.amount_discount > 0 ? `<p>Discount: −${money(session.total_details.amount_discount, session.currency)}</p>` : ''}
<p><strong>Due today: ${money(session.amount_total, session.currency)}</strong></p>
${session.customer_email ? `<p class="muted">${esc(session.customer_email)}</p>` : ''}</div>
${message ? `<p class="error" id="error">${esc(message)}</p>` : ''}
<form method="post" action="/checkout/${esc(session.id)}">${cardField(card)}<br><button type="submit" id="pay">Subscribe</button></form>
${session.cancel_url ? `<p><a href="${esc(session.cancel_url)}">Cancel and go back</a></p>` : ''}`;
  return { status: message ? 402 : 200, html: layout('Checkout', body) };
}

function portalPage(ctx: Ctx, session: PortalSession, notice?: string): PageResult {
  const { store } = ctx;
  const customer = getCustomer(store, session.customer);
  const subs = store.all<Subscription>('subscription').filter((s) => s.customer === customer.id && s.status !== 'incomplete_expired');
  const pm = customer.invoice_settings.default_payment_method ? store.find<PaymentMethod>(customer.invoice_settings.default_payment_method, 'payment_method') : undefined;
  const base = `/portal/${esc(session.id)}`;
  const subHtml = subs.map((s) => {
    const actions =
      s.status === 'canceled'
        ? ''
        : `${s.cancel_at_period_end
            ? `<form method="post" action="${base}/subscriptions/${esc(s.id)}/resume"><button type="submit">Resume subscription</button></form>`
            : `<form method="post" action="${base}/subscriptions/${esc(s.id)}/cancel"><button type="submit">Cancel at period end</button></form>`}
<form method="post" action="${base}/subscriptions/${esc(s.id)}/cancel-now"><button type="submit" class="secondary">Cancel now</button></form>`;
    const price = s.items.data[0]?.price;
    return `<div class="box" id="${esc(s.id)}"><strong>${esc(price?.nickname ?? price?.product ?? 'Subscription')}</strong>
${price ? ` · ${money(price.unit_amount ?? 0, price.currency)} / ${esc(price.recurring?.interval ?? 'month')}` : ''}
<p>Status: <strong class="status">${esc(s.status)}</strong>${s.cancel_at_period_end ? ` · cancels on ${date(s.current_period_end)}` : ''}</p>
<p class="muted">Current period ${date(s.current_period_start)} → ${date(s.current_period_end)}</p>${actions}</div>`;
  });
  const invoices = store.all<Invoice>('invoice').filter((i) => i.customer === customer.id).slice(0, 12)
    .map((i) => `<li>${date(i.created)} · ${money(i.total, i.currency)} · ${esc(i.status)}</li>`);
  const body = `<h1>Billing</h1>${notice ? `<p class="banner">${esc(notice)}</p>` : ''}
<p>${esc(customer.email ?? customer.id)}</p>${subHtml.join('') || '<p>No subscriptions.</p>'}
<div class="box"><strong>Payment method</strong><p>${pm ? `${esc(pm.card.brand)} •••• ${esc(pm.card.last4)}` : 'None'}</p>
<form method="post" action="${base}/card">${cardField()}<br><button type="submit">Update card</button></form></div>
<div class="box"><strong>Invoices</strong><ul>${invoices.join('')}</ul></div>
${session.return_url ? `<p><a href="${esc(session.return_url)}">Return</a></p>` : ''}`;
  return { status: 200, html: layout('Billing portal', body) };
}

function portalSession(ctx: Ctx, id: string): PortalSession {
  const session = ctx.store.find<PortalSession>(id, 'billing_portal.session');
  if (!session) throw new StripeError(404, 'invalid_request_error', 'This portal session does not exist.');
  return session;
}

function portalSubscription(ctx: Ctx, session: PortalSession, id: string): Subscription {
  const sub = getSubscription(ctx.store, id);
  if (sub.customer !== session.customer) throw new StripeError(404, 'invalid_request_error', 'No such subscription.');
  return sub;
}

const back = (session: PortalSession): PageResult => ({ status: 303, location: `/portal/${session.id}` });

export const pageRoutes: PageRoute[] = [
  { method: 'GET', path: '/checkout/:id', handler: (ctx, p) => checkoutPage(ctx, p.id!) },
  {
    method: 'POST',
    path: '/checkout/:id',
    handler: (ctx, p, form): PageResult => {
      const card = typeof form.card === 'string' ? form.card : '';
      try {
        const session = payCheckoutSession(ctx, getCheckoutSession(ctx.store, p.id!), card);
        const target = (session.success_url ?? '/').replaceAll('{CHECKOUT_SESSION_ID}', session.id);
        return { status: 303, location: target };
      } catch (err) {
        if (err instanceof StripeError && err.status === 402) return checkoutPage(ctx, p.id!, err.message, card);
        throw err;
      }
    },
  },
  { method: 'GET', path: '/portal/:id', handler: (ctx, p) => portalPage(ctx, portalSession(ctx, p.id!)) },
  {
    method: 'POST',
    path: '/portal/:id/subscriptions/:sub/cancel',
    handler: (ctx, p) => {
      const session = portalSession(ctx, p.id!);
      updateSubscription(ctx, portalSubscription(ctx, session, p.sub!), { cancel_at_period_end: 'true' });
      return back(session);
    },
  },
  {
    method: 'POST',
    path: '/portal/:id/subscriptions/:sub/resume',
    handler: (ctx, p) => {
      const session = portalSession(ctx, p.id!);
      updateSubscription(ctx, portalSubscription(ctx, session, p.sub!), { cancel_at_period_end: 'false' });
      return back(session);
    },
  },
  {
    method: 'POST',
    path: '/portal/:id/subscriptions/:sub/cancel-now',
    handler: (ctx, p) => {
      const session = portalSession(ctx, p.id!);
      cancelSubscription(ctx, portalSubscription(ctx, session, p.sub!), 'cancellation_requested');
      return back(session);
    },
  },
  {
    method: 'POST',
    path: '/portal/:id/card',
    handler: (ctx, p, form) => {
      const session = portalSession(ctx, p.id!);
      try {
        changeCard(ctx, getCustomer(ctx.store, session.customer), typeof form.card === 'string' ? form.card : '');
      } catch (err) {
        if (err instanceof StripeError && err.status === 402) {
          const page = portalPage(ctx, session, err.message);
          return 'html' in page ? { status: 402, html: page.html } : page;
        }
        throw err;
      }
      return back(session);
    },
  },
  {
    method: 'GET',
    path: '/connect/onboarding/:token',
    handler: (ctx, p) => {
      const link = ctx.store.internal.accountLinks[p.token!];
      if (!link) return errorPage(404, 'This onboarding link does not exist.');
      const account = getAccount(ctx.store, link.account);
      if (ctx.store.now() > link.expires_at) {
        return { status: 410, html: layout('Link expired', `<h1>This link has expired</h1><p><a href="${esc(link.refresh_url)}">Get a new link</a></p>`) };
      }
      const body = `<h1>Set up payouts</h1><div class="box"><p>Account <code>${esc(account.id)}</code>${account.email ? ` · ${esc(account.email)}` : ''}</p>
<p>Details submitted: ${account.details_submitted ? 'yes' : 'no'} · Payouts enabled: ${account.payouts_enabled ? 'yes' : 'no'}</p></div>
<form method="post" action="/connect/onboarding/${esc(p.token)}"><p class="muted">Test data: individual, bank account 000123456789.</p>
<button type="submit" id="complete">Complete onboarding</button></form>
<p><a href="${esc(link.refresh_url)}">Leave (refresh link)</a></p>`;
      return { status: 200, html: layout('Connect onboarding', body) };
    },
  },
  {
    method: 'POST',
    path: '/connect/onboarding/:token',
    handler: (ctx, p): PageResult => {
      const link = ctx.store.internal.accountLinks[p.token!];
      if (!link) return errorPage(404, 'This onboarding link does not exist.');
      if (ctx.store.now() > link.expires_at) return { status: 303, location: link.refresh_url };
      onboardAccount(ctx.store, getAccount(ctx.store, link.account));
      delete ctx.store.internal.accountLinks[p.token!]; // links are single-use
      return { status: 303, location: link.return_url };
    },
  },
  {
    method: 'GET',
    path: '/connect/dashboard/:id',
    handler: (ctx, p) => {
      const account = getAccount(ctx.store, p.id!);
      return { status: 200, html: layout('Express dashboard', `<h1>Express dashboard</h1><p>${esc(account.id)} · payouts ${account.payouts_enabled ? 'enabled' : 'disabled'}</p>`) };
    },
  },
  {
    method: 'GET',
    path: '/invoices/:id',
    handler: (ctx, p) => {
      const invoice = getInvoice(ctx.store, p.id!);
      const body = `<h1>Invoice ${esc(invoice.number ?? invoice.id)}</h1><div class="box">
<p>Status: ${esc(invoice.status)}</p><p>Period ${date(invoice.period_start)} → ${date(invoice.period_end)}</p>
<p>Subtotal ${money(invoice.subtotal, invoice.currency)} · Total ${money(invoice.total, invoice.currency)} · Amount due ${money(invoice.amount_due, invoice.currency)} · Paid ${money(invoice.amount_paid, invoice.currency)}</p></div>`;
      return { status: 200, html: layout('Invoice', body) };
    },
  },
];
