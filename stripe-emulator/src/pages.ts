import { StripeError } from './errors.js';
import type { FormObject } from './form.js';
import { getInvoice, getSubscription, updateSubscription, cancelSubscription, type Invoice, type Subscription } from './resources/billing.js';
import { productName, type Price } from './resources/catalog.js';
import { changeCard, getCheckoutSession, payCheckoutSession, type CheckoutSession, type PortalSession } from './resources/checkout.js';
import type { Ctx } from './resources/common.js';
import { getCustomer, type Customer, type PaymentMethod } from './resources/customers.js';
import { getAccount, onboardAccount, type Account, type Transfer } from './resources/connect.js';

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

/** Amounts as Stripe's pages show them: `$10.00`, `€9.50` (the currency's own symbol and decimals). */
const money = (cents: number, currency = 'usd') => {
  const code = currency.toUpperCase();
  const digits = new Intl.NumberFormat('en-US', { style: 'currency', currency: code }).resolvedOptions().maximumFractionDigits ?? 2;
  return new Intl.NumberFormat('en-US', { style: 'currency', currency: code }).format(cents / 10 ** digits);
};

type Recurring = NonNullable<Price['recurring']>;

/** `per month`, `every 3 months`: how Checkout words a recurring price. */
function perInterval(recurring: Recurring | null): string {
  if (!recurring) return '';
  return recurring.interval_count === 1 ? `per ${recurring.interval}` : `every ${recurring.interval_count} ${recurring.interval}s`;
}

/** `Billed monthly`, `Billed every 3 months`: the line under an item's name. */
function billedEvery(recurring: Recurring | null): string {
  if (!recurring) return '';
  const adverb = { day: 'daily', week: 'weekly', month: 'monthly', year: 'yearly' }[recurring.interval];
  return recurring.interval_count === 1 ? `Billed ${adverb}` : `Billed every ${recurring.interval_count} ${recurring.interval}s`;
}

const date = (unix: number | null) => (unix ? new Date(unix * 1000).toISOString().slice(0, 10) : '-');

/** `wide`: the two-column pages (Checkout, the Express dashboard) on a screen that has room for them. */
function layout(title: string, body: string, options: { wide?: boolean } = {}): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font-family:system-ui,sans-serif;max-width:640px;margin:40px auto;padding:0 16px;color:#1a1f36}
h1{font-size:1.4rem}.box{border:1px solid #e3e8ee;border-radius:8px;padding:16px;margin:16px 0}
.error{color:#df1b41;background:#fff0f3;padding:8px;border-radius:6px}.muted{color:#697386;font-size:.9rem}
button{background:#635bff;color:#fff;border:0;border-radius:6px;padding:8px 14px;cursor:pointer;margin:4px 4px 4px 0}
button.secondary{background:#fff;color:#635bff;border:1px solid #635bff}input{padding:8px;border:1px solid #c1c9d2;border-radius:6px;width:240px}
.banner{background:#fffbe6;border:1px solid #f5d67b;padding:6px 10px;border-radius:6px;font-size:.85rem}
body.wide{max-width:960px}.columns{display:grid;gap:32px}@media(min-width:760px){.columns{grid-template-columns:1fr 1fr;gap:64px}}
.merchant{display:flex;align-items:center;gap:10px;font-weight:600;margin:8px 0 24px}.merchant a{color:inherit;text-decoration:none}
.merchant a:hover{text-decoration:underline}.badge{background:#ffde92;color:#983705;font-size:.7rem;font-weight:700;padding:2px 6px;border-radius:4px;text-transform:uppercase}
.headline{color:#697386;margin:0 0 4px;font-weight:500}.price{font-size:2.25rem;font-weight:600;margin:0 0 24px}
.price small{font-size:.95rem;font-weight:400;color:#697386;margin-left:6px}.lines{list-style:none;padding:0;margin:0}
.lines li,.sum{display:flex;justify-content:space-between;gap:16px;padding:12px 0;border-bottom:1px solid #e3e8ee}
.sum.total{font-weight:600;border-bottom:0}.columns form input{width:100%;box-sizing:border-box}
.columns form button[type=submit]{width:100%;padding:12px;font-size:1rem;margin-top:12px}
.powered{color:#697386;font-size:.8rem;margin-top:32px}</style></head>
<body${options.wide ? ' class="wide"' : ''}><p class="banner">Stripe emulator: test mode page. No real payment happens.</p>${body}</body></html>`;
}

function errorPage(status: number, message: string): PageResult {
  return { status, html: layout('Error', `<h1>Something went wrong</h1><p class="error">${esc(message)}</p>`) };
}

function cardField(value = '4242424242424242'): string {
  return `<label>Card number<br><input name="card" value="${esc(value)}" autocomplete="off" inputmode="numeric"></label>
<p class="muted">4242424242424242 pays · 4000000000000341 pays once, later charges fail · 4000000000009995 is declined · 4000000000000259 pays then is disputed</p>`;
}

/** The merchant as Stripe's hosted pages show it: its business name, linking back when there is a way back. */
function merchantHeader(ctx: Ctx, back: { href: string | null; label: string }): string {
  const name = esc(ctx.settings.businessName);
  const link = back.href ? `<a href="${esc(back.href)}" id="back" aria-label="${esc(back.label)}">← ${name}</a>` : name;
  return `<header class="merchant">${link}<span class="badge">Test mode</span></header>`;
}

type CheckoutLine = { name: string; quantity: number; price: Price | undefined; amount: number };

function checkoutLines(ctx: Ctx, session: CheckoutSession): CheckoutLine[] {
  const { store } = ctx;
  return (store.internal.checkoutLineItems[session.id] ?? []).map((li) => {
    const price = store.find<Price>(li.price, 'price');
    return { name: price ? productName(store, price) : li.price, quantity: li.quantity, price, amount: (price?.unit_amount ?? 0) * li.quantity };
  });
}

/**
 * Stripe's hosted Checkout, in subscription mode: the merchant's name (leading back to cancel_url), what is bought
 * by its product's name with its price per interval, the totals, then the card form.
 */
function checkoutPage(ctx: Ctx, sessionId: string, error?: string, card?: string): PageResult {
  const { store } = ctx;
  const session = getCheckoutSession(store, sessionId);
  if (session.status !== 'open') {
    return { status: 410, html: layout('Checkout', `<h1>This checkout session is ${esc(session.status)}</h1>`) };
  }
  const lines = checkoutLines(ctx, session);
  const first = lines[0];
  const trialDays = store.internal.checkoutTrialDays[session.id];
  const currency = session.currency;
  const headline = lines.length === 1 && first ? `Subscribe to ${first.name}` : `Subscribe to ${ctx.settings.businessName}`;
  // One item: its price per interval, big; several: the total per interval of the first item's interval.
  const perPeriod = lines.length === 1 && first ? first.amount : session.amount_subtotal;
  const interval = perInterval(first?.price?.recurring ?? null);
  const price = trialDays
    ? `<p class="price" id="price">${trialDays} days free</p><p class="headline">Then ${money(perPeriod, currency)} ${esc(interval)}</p>`
    : `<p class="price" id="price">${money(perPeriod, currency)}<small>${esc(interval)}</small></p>`;
  const items = lines.map((line) => `<li><span><strong>${esc(line.name)}</strong><br>
<span class="muted">${line.quantity > 1 ? `Qty ${line.quantity} · ` : ''}${esc(billedEvery(line.price?.recurring ?? null))}</span></span>
<span>${money(line.amount, line.price?.currency ?? currency)}</span></li>`);
  const discount = session.total_details.amount_discount;
  const dueToday = trialDays ? 0 : session.amount_total;
  const message = error ?? store.internal.checkoutErrors[session.id];
  const email = session.customer_email ?? (session.customer ? store.find<Customer>(session.customer, 'customer')?.email : null);
  const summary = `<section aria-label="Order summary">
${merchantHeader(ctx, { href: session.cancel_url, label: `Back to ${ctx.settings.businessName}` })}
<p class="headline" id="headline">${esc(headline)}</p>${price}
<ul class="lines" id="items">${items.join('')}</ul>
<div class="sum"><span>Subtotal</span><span>${money(session.amount_subtotal, currency)}</span></div>
${discount > 0 ? `<div class="sum"><span>Discount</span><span>−${money(discount, currency)}</span></div>` : ''}
<div class="sum total"><span>Total due today</span><span id="total">${money(dueToday, currency)}</span></div></section>`;
  const payment = `<section aria-label="Payment">
${email ? `<p><span class="muted">Email</span><br>${esc(email)}</p>` : ''}
${message ? `<p class="error" id="error">${esc(message)}</p>` : ''}
<form method="post" action="/checkout/${esc(session.id)}">${cardField(card)}<button type="submit" id="pay">Subscribe</button></form>
<p class="muted">By confirming your subscription, you allow ${esc(ctx.settings.businessName)} to charge your card for this payment and future payments in accordance with their terms. You can always cancel your subscription.</p>
<p class="powered">Powered by Stripe (emulated)</p></section>`;
  return { status: message ? 402 : 200, html: layout(`${ctx.settings.businessName}: Checkout`, `<div class="columns">${summary}${payment}</div>`, { wide: true }) };
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
    return `<div class="box" id="${esc(s.id)}"><strong>${esc(price ? productName(store, price) : 'Subscription')}</strong>
${price ? ` · ${money(price.unit_amount ?? 0, price.currency)} ${esc(perInterval(price.recurring))}` : ''}
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

/**
 * A connected account's Express dashboard (what a login link opens): its payouts and the transfers it received, and,
 * as on Stripe, a way back to the platform: the return_url the platform gave in the account's latest account link.
 */
function expressDashboardPage(ctx: Ctx, account: Account): PageResult {
  const { store } = ctx;
  const platform = ctx.settings.businessName;
  const transfers = store.all<Transfer>('transfer').filter((t) => t.destination === account.id);
  const received = transfers.reduce((sum, t) => sum + t.amount - t.amount_reversed, 0);
  const currency = transfers[0]?.currency ?? 'usd';
  const rows = transfers.slice(0, 20).map((t) => `<li class="sum"><span>${date(t.created)}${t.description ? ` · ${esc(t.description)}` : ''}</span>
<span>${money(t.amount - t.amount_reversed, t.currency)}${t.reversed ? ' (reversed)' : ''}</span></li>`);
  const backUrl = store.internal.accountReturnUrls[account.id] ?? null;
  const body = `${merchantHeader(ctx, { href: backUrl, label: `Back to ${platform}` })}
<h1>Express dashboard</h1>
<p class="muted">Your payouts account with ${esc(platform)}${account.email ? ` · ${esc(account.email)}` : ''} · <code>${esc(account.id)}</code></p>
<div class="box"><p>Payouts <strong id="payouts">${account.payouts_enabled ? 'enabled' : 'disabled'}</strong></p>
<p>Received from ${esc(platform)}: <strong>${money(received, currency)}</strong></p></div>
<div class="box"><strong>Transfers</strong>${rows.length ? `<ul class="lines">${rows.join('')}</ul>` : '<p class="muted">None yet.</p>'}</div>
${backUrl ? `<p><a href="${esc(backUrl)}">Back to ${esc(platform)}</a></p>` : ''}`;
  return { status: 200, html: layout(`${platform}: Express dashboard`, body) };
}

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
    handler: (ctx, p) => expressDashboardPage(ctx, getAccount(ctx.store, p.id!)),
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
