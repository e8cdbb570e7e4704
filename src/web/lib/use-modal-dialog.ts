import { type SyntheticEvent, useEffect, useRef, useState } from 'react';
import type { ApiError } from '../api/client.js';
import { toApiError } from './use-resource.js';

/**
 * A <dialog> shown as the browser's own modal for as long as the component is mounted: focus stays inside and Escape
 * cancels. Spread the result on the element. Escape does nothing while `isBusy` (a request is on its way), and
 * otherwise calls `onCancel`.
 */
export function useModalDialog(isBusy: boolean, onCancel: () => void) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => dialog?.close();
  }, []);
  return {
    ref,
    onCancel: (event: SyntheticEvent<HTMLDialogElement>) => {
      if (isBusy) event.preventDefault();
      else onCancel();
    },
  };
}

/**
 * A dialog's one request: `send` runs `work` once however fast the button is clicked (a second call before the first
 * settles is dropped, even before the disabled button has rendered), and keeps the problem it threw for the dialog to
 * show. It resolves true when the work succeeded.
 */
export function useSendOnce() {
  const [isBusy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError>();
  const isSending = useRef(false);
  const send = async (work: () => Promise<void>): Promise<boolean> => {
    if (isSending.current) return false;
    isSending.current = true;
    setBusy(true);
    setError(undefined);
    try {
      await work();
      return true;
    } catch (caught) {
      setError(toApiError(caught));
      return false;
    } finally {
      isSending.current = false;
      setBusy(false);
    }
  };
  return { isBusy, error, send };
}
