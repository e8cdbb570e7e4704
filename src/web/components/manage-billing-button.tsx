import { useState } from 'react';
import type { ApiError } from '../api/client.js';
import { api } from '../api/endpoints.js';
import { rememberBeforePortal } from '../lib/portal-return.js';
import { useSession } from '../lib/session.js';
import { toApiError } from '../lib/use-resource.js';

/**
 * Opens Stripe's customer portal (card, invoices, cancel, resume). It remembers the subscription as it was, so
 * that the account page, where the portal sends the member back, can tell when Stripe's webhooks have caught up.
 */
export function ManageBillingButton({ label = 'Manage billing', className = 'button' }: { label?: string; className?: string }) {
  const { subscription } = useSession();
  const [isOpening, setOpening] = useState(false);
  const [error, setError] = useState<ApiError | undefined>();

  const open = async () => {
    setOpening(true);
    setError(undefined);
    try {
      const { url } = await api.portal();
      rememberBeforePortal(subscription);
      window.location.assign(url);
    } catch (caught) {
      setError(toApiError(caught));
      setOpening(false);
    }
  };

  return (
    <>
      <button type="button" className={className} onClick={open} disabled={isOpening}>
        {isOpening ? 'Opening…' : label}
      </button>
      {error && (
        <p className="field-error" role="alert">
          {error.isMissingRoute ? 'Billing management is not available on this server yet.' : error.detail || error.title}
        </p>
      )}
    </>
  );
}
