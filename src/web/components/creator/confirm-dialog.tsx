import { type ReactNode, useEffect, useId, useRef, useState } from 'react';
import type { ApiError } from '../../api/client.js';
import { toApiError } from '../../lib/use-resource.js';

type ConfirmDialogProps = {
  title: string;
  /** What will happen, with the numbers: the amount and where it goes. */
  children: ReactNode;
  confirmLabel: string;
  busyLabel: string;
  /** Does it; a thrown problem is shown in the dialog, which stays open. */
  onConfirm: () => Promise<void>;
  onClose: () => void;
};

/**
 * A money action's confirmation: the browser's own modal dialog (focus stays inside, Escape cancels), which says
 * what will happen before anything does. Cancel does nothing; while the request runs both buttons are disabled, so
 * a double click sends it once. Unlike the console's dialog it asks for no reason: there is no audit entry to write.
 */
export function CreatorConfirmDialog({ title, children, confirmLabel, busyLabel, onConfirm, onClose }: ConfirmDialogProps) {
  const dialogRef = useRef<HTMLDialogElement>(null);
  const id = useId();
  const [isBusy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError>();
  const isSending = useRef(false);

  useEffect(() => {
    const dialog = dialogRef.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => dialog?.close();
  }, []);

  const confirm = async () => {
    if (isSending.current) return;
    isSending.current = true;
    setBusy(true);
    setError(undefined);
    try {
      await onConfirm();
      onClose();
    } catch (caught) {
      setError(toApiError(caught));
      setBusy(false);
      isSending.current = false;
    }
  };

  return (
    <dialog
      ref={dialogRef}
      className="creator-dialog"
      aria-labelledby={`${id}-title`}
      aria-describedby={`${id}-body`}
      onCancel={(event) => {
        if (isBusy) event.preventDefault();
        else onClose();
      }}
    >
      <h2 id={`${id}-title`}>{title}</h2>
      <div id={`${id}-body`} className="creator-dialog-body">
        {children}
      </div>
      {error && (
        <p className="notice notice-error" role="alert">
          {error.detail || error.title}
        </p>
      )}
      <div className="actions creator-dialog-actions">
        <button type="button" className="button" onClick={onClose} disabled={isBusy} autoFocus>
          Cancel
        </button>
        <button type="button" className="button button-primary" onClick={() => void confirm()} disabled={isBusy} aria-busy={isBusy || undefined}>
          {isBusy ? busyLabel : confirmLabel}
        </button>
      </div>
    </dialog>
  );
}
