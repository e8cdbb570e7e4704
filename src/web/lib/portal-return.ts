import type { Subscription } from '../api/types.js';
import { fingerprintSubscription } from './standing.js';

/**
 * Stripe's billing portal sends the member back to `/account?billing=return` (the server's portal return_url).
 * What the member changed there reaches us by webhook a moment later, so the account page compares what it reads
 * with what the member had when they left, kept here for the length of the tab.
 */
export const PORTAL_RETURN_PARAM = 'billing';
export const PORTAL_RETURN_VALUE = 'return';

const STORAGE_KEY = 'flowtab.portal.left-with';

export function isBackFromPortal(search: URLSearchParams): boolean {
  return search.get(PORTAL_RETURN_PARAM) === PORTAL_RETURN_VALUE;
}

/** Called just before leaving for the portal. Storage may be unavailable (private modes): then we only poll longer. */
export function rememberBeforePortal(subscription: Subscription | undefined): void {
  try {
    if (subscription) sessionStorage.setItem(STORAGE_KEY, fingerprintSubscription(subscription));
    else sessionStorage.removeItem(STORAGE_KEY);
  } catch {
    // Nothing to remember with; the account page then polls until the time is up.
  }
}

/** The subscription's fingerprint when the member left for the portal; undefined when not known. */
export function readBeforePortal(): string | undefined {
  try {
    return sessionStorage.getItem(STORAGE_KEY) ?? undefined;
  } catch {
    return undefined;
  }
}
