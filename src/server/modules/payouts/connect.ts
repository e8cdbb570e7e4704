import { randomUUID } from 'node:crypto';
import type { AppContext } from '../../context.js';
import type { Db } from '../../db/client.js';
import { NotFoundError } from '../../errors.js';
import type { Stripe, StripeGateway } from '../../integrations/stripe/client.js';
import { requireVerifiedEmail } from '../auth/service.js';
import type { Viewer } from '../auth/viewer.js';
import { NotACreatorError } from './errors.js';
import { findPayoutCreator, hasAuthoredFlow, linkConnectAccount, setPayoutsEnabledByAccount } from './repository.js';
import type { ConnectStatus } from './schemas.js';

// Connect onboarding: the creator's Express account and whether Stripe lets us transfer to it. Every write here is
// one conditional statement (its own unit of work), made after Stripe answered: no lock is held across a Stripe call.

function isAccountPayable(account: Stripe.Account): boolean {
  return account.payouts_enabled === true && account.capabilities?.transfers === 'active';
}

/**
 * One Express account per creator (idempotency key `connect-<user id>` plus a conditional UPDATE), and a fresh
 * onboarding link on every call: links expire in minutes. Once payouts are enabled the link opens the Express dashboard.
 */
export async function connectCreator(ctx: AppContext, viewer: Viewer) {
  const user = await findPayoutCreator(ctx.db, viewer.id);
  if (!user) throw new NotFoundError('Your account');
  if (!(await hasAuthoredFlow(ctx.db, user.id))) throw new NotACreatorError();
  await requireVerifiedEmail(ctx.db, user.id, 'set up payouts');
  let accountId = user.connectAccountId;
  if (!accountId) {
    const account = await ctx.stripe.createConnectAccount({ userId: user.id, email: user.email });
    accountId = (await linkConnectAccount(ctx.db, user.id, account.id)) ?? account.id;
  }
  let status: ConnectStatus = user.payoutsEnabled ? 'enabled' : 'onboarding';
  if (status !== 'enabled') {
    // The account.updated webhook may not have arrived yet: ask Stripe, so a finished onboarding shows at once.
    const account = await ctx.stripe.retrieveAccount(accountId);
    if (isAccountPayable(account)) {
      await setPayoutsEnabledByAccount(ctx.db, accountId, true);
      status = 'enabled';
    }
  }
  const attemptId = randomUUID();
  if (status === 'enabled') {
    const link = await ctx.stripe.createLoginLink({ accountId, attemptId });
    return { url: link.url, account_id: accountId, status, expires_at: null };
  }
  const link = await ctx.stripe.createAccountLink({
    accountId,
    refreshUrl: `${ctx.config.publicUrl}/creator?connect=refresh`,
    returnUrl: `${ctx.config.publicUrl}/creator?connect=return`,
    attemptId,
  });
  return { url: link.url, account_id: accountId, status, expires_at: new Date(link.expires_at * 1000).toISOString() };
}

/**
 * `account.updated`: re-fetches the account, then applies it (`applyConnectAccount`). A caller that must not call
 * Stripe under its locks calls `fetchConnectAccount` first and `applyConnectAccount` in its transaction.
 */
export async function syncConnectAccount(db: Db, stripe: StripeGateway, accountId: string) {
  await applyConnectAccount(db, accountId, await fetchConnectAccount(stripe, accountId));
}

/** The account as Stripe has it now; undefined when Stripe no longer knows it (deleted: 404). */
export async function fetchConnectAccount(stripe: StripeGateway, accountId: string): Promise<Stripe.Account | undefined> {
  try {
    return await stripe.retrieveAccount(accountId);
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return undefined;
    throw error;
  }
}

/** From the fetched account (undefined: gone), whether Stripe lets us transfer to it. */
export async function applyConnectAccount(db: Db, accountId: string, account: Stripe.Account | undefined) {
  if (!account) {
    await setPayoutsEnabledByAccount(db, accountId, false);
    return;
  }
  const isPayable = isAccountPayable(account);
  if ((await setPayoutsEnabledByAccount(db, account.id, isPayable)) > 0) return;
  // The webhook beat our own UPDATE after creating the account: link it through its metadata.
  const userId = account.metadata?.user_id;
  if (userId && (await linkConnectAccount(db, userId, account.id)) === account.id) {
    await setPayoutsEnabledByAccount(db, account.id, isPayable);
  }
}
